# SPDX-License-Identifier: LGPL-2.1-or-later
#
# cmake -DBUILD_DIR=<build> -DWORK_DIR=<scratch> -DCONSUMER=<tests/cma/consumer>
#       -DLIBDIR=<CMAKE_INSTALL_LIBDIR> -DPKG_CONFIG=<pkg-config> -DCC=<cc> -DCXX=<c++>
#       [-DSANITIZE_FLAGS=<flags>] -P install_test.cmake
#
# `cmake --install` of the build into a scratch prefix, then a project outside
# the tree built against it twice: with find_package(afbus COMPONENTS cma) (C and C++
# consumers, linked to afbus::cma) and with pkg-config (the C consumer,
# compiled by hand). Every program must run and exit 0.

cmake_policy(VERSION 3.25)

function(run)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    list(JOIN ARGN " " command)
    message(FATAL_ERROR "failed (${rc}): ${command}\n${out}\n${err}")
  endif()
  set(run_output "${out}" PARENT_SCOPE)
endfunction()

file(REMOVE_RECURSE ${WORK_DIR})
set(prefix ${WORK_DIR}/prefix)
run(${CMAKE_COMMAND} --install ${BUILD_DIR} --prefix ${prefix})

foreach(file include/cma/cma.h include/cma/cma.hpp ${LIBDIR}/libcma.so.0 ${LIBDIR}/pkgconfig/libcma.pc
             ${LIBDIR}/cmake/cma/cmaConfig.cmake ${LIBDIR}/cmake/cma/cmaConfigVersion.cmake
             ${LIBDIR}/cmake/cma/cmaTargets.cmake ${LIBDIR}/cmake/afbus/afbusConfig.cmake)
  if(NOT EXISTS ${prefix}/${file})
    message(FATAL_ERROR "not installed: ${file}")
  endif()
endforeach()

# find_package(afbus COMPONENTS cma).
run(${CMAKE_COMMAND} -S ${CONSUMER} -B ${WORK_DIR}/cmake-consumer
    -DCMAKE_PREFIX_PATH=${prefix} -DCMAKE_C_COMPILER=${CC} -DCMAKE_CXX_COMPILER=${CXX}
    "-DCMAKE_C_FLAGS=${SANITIZE_FLAGS}" "-DCMAKE_CXX_FLAGS=${SANITIZE_FLAGS}"
    "-DCMAKE_EXE_LINKER_FLAGS=${SANITIZE_FLAGS}")
run(${CMAKE_COMMAND} --build ${WORK_DIR}/cmake-consumer)
run(${WORK_DIR}/cmake-consumer/consumer_c)
message(STATUS "find_package(afbus COMPONENTS cma), C: ${run_output}")
run(${WORK_DIR}/cmake-consumer/consumer_cxx)
message(STATUS "find_package(afbus COMPONENTS cma), C++: ${run_output}")

# pkg-config.
set(pc_env ${CMAKE_COMMAND} -E env PKG_CONFIG_PATH=${prefix}/${LIBDIR}/pkgconfig)
run(${pc_env} ${PKG_CONFIG} --cflags --libs libcma)
string(STRIP "${run_output}" flags)
separate_arguments(flags UNIX_COMMAND "${flags}")
separate_arguments(sanitize UNIX_COMMAND "${SANITIZE_FLAGS}")
run(${CC} -std=c99 -pedantic -Werror ${sanitize} ${CONSUMER}/consumer.c -o ${WORK_DIR}/pc-consumer ${flags})
run(${CMAKE_COMMAND} -E env LD_LIBRARY_PATH=${prefix}/${LIBDIR} ${WORK_DIR}/pc-consumer)
message(STATUS "pkg-config, C: ${run_output}")
run(${pc_env} ${PKG_CONFIG} --static --libs libcma)
if(NOT run_output MATCHES "-lnuma")
  message(FATAL_ERROR "pkg-config --static --libs libcma lacks libnuma: ${run_output}")
endif()
run(${pc_env} ${PKG_CONFIG} --modversion libcma)
message(STATUS "libcma.pc version ${run_output}")
