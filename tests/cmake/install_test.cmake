# SPDX-License-Identifier: LGPL-2.1-or-later
#
# cmake -DBUILD_DIR=<build> -DWORK_DIR=<scratch> -DCONSUMER=<consumer project>
#       -DCOMPONENT=<cma|afbus> -DPC=<pkg-config module> -DFILES=<a|b|...>
#       [-DSTATIC_LIBS=<regex>] -DLIBDIR=<CMAKE_INSTALL_LIBDIR>
#       -DPKG_CONFIG=<pkg-config> -DCC=<cc> -DCXX=<c++>
#       [-DSANITIZE_FLAGS=<flags>] -P install_test.cmake
#
# One library's installation as its users meet it: `cmake --install` of the
# build into a scratch prefix, every file of FILES (relative to the prefix,
# @LIBDIR@ standing for LIBDIR) present, then a project outside the tree
# built against it twice: with find_package(afbus COMPONENTS <COMPONENT>)
# (its C and C++ consumers) and with pkg-config (the C consumer, compiled
# by hand as C99). Every program must run and exit 0. STATIC_LIBS, if
# given, must match what `pkg-config --static --libs` adds.
# Registered by afbus_add_install_test() (tests/CMakeLists.txt).

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

string(REPLACE "|" ";" files "${FILES}")
foreach(file IN LISTS files)
  string(REPLACE "@LIBDIR@" "${LIBDIR}" file "${file}")
  if(NOT EXISTS ${prefix}/${file})
    message(FATAL_ERROR "not installed: ${file}")
  endif()
endforeach()

# A library may need another from the same prefix (libafbus needs
# libafbus-dbus), which the consumer's RUNPATH does not cover: it is not
# inherited by the libraries it loads.
set(lib_env ${CMAKE_COMMAND} -E env LD_LIBRARY_PATH=${prefix}/${LIBDIR})

run(${CMAKE_COMMAND} -S ${CONSUMER} -B ${WORK_DIR}/cmake-consumer
    -DCMAKE_PREFIX_PATH=${prefix} -DCMAKE_C_COMPILER=${CC} -DCMAKE_CXX_COMPILER=${CXX}
    "-DCMAKE_C_FLAGS=${SANITIZE_FLAGS}" "-DCMAKE_CXX_FLAGS=${SANITIZE_FLAGS}"
    "-DCMAKE_EXE_LINKER_FLAGS=${SANITIZE_FLAGS}")
run(${CMAKE_COMMAND} --build ${WORK_DIR}/cmake-consumer)
run(${lib_env} ${WORK_DIR}/cmake-consumer/consumer_c)
message(STATUS "find_package(afbus COMPONENTS ${COMPONENT}), C: ${run_output}")
run(${lib_env} ${WORK_DIR}/cmake-consumer/consumer_cxx)
message(STATUS "find_package(afbus COMPONENTS ${COMPONENT}), C++: ${run_output}")

set(pc_env ${CMAKE_COMMAND} -E env PKG_CONFIG_PATH=${prefix}/${LIBDIR}/pkgconfig)
run(${pc_env} ${PKG_CONFIG} --cflags --libs ${PC})
string(STRIP "${run_output}" flags)
separate_arguments(flags UNIX_COMMAND "${flags}")
separate_arguments(sanitize UNIX_COMMAND "${SANITIZE_FLAGS}")
run(${CC} -std=c99 -pedantic -Werror ${sanitize} ${CONSUMER}/consumer.c -o ${WORK_DIR}/pc-consumer ${flags})
run(${lib_env} ${WORK_DIR}/pc-consumer)
message(STATUS "pkg-config, C: ${run_output}")
if(STATIC_LIBS)
  run(${pc_env} ${PKG_CONFIG} --static --libs ${PC})
  if(NOT run_output MATCHES "${STATIC_LIBS}")
    message(FATAL_ERROR "pkg-config --static --libs ${PC} lacks ${STATIC_LIBS}: ${run_output}")
  endif()
endif()
run(${pc_env} ${PKG_CONFIG} --modversion ${PC})
message(STATUS "${PC}.pc version ${run_output}")
