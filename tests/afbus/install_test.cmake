# SPDX-License-Identifier: LGPL-2.1-or-later
#
# cmake -DBUILD_DIR=<build> -DWORK_DIR=<scratch> -DCONSUMER=<tests/afbus/consumer>
#       -DLIBDIR=<CMAKE_INSTALL_LIBDIR> -DPKG_CONFIG=<pkg-config> -DCC=<cc> -DCXX=<c++>
#       [-DSANITIZE_FLAGS=<flags>] -P install_test.cmake
#
# `cmake --install` into a scratch prefix; then a project outside the tree
# built with find_package(afbus COMPONENTS afbus), and the C consumer built
# by hand with pkg-config. Every program must run and exit 0.

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

foreach(file include/afbus/afbus.h include/afbus/connection.hpp include/afbus/dbus/dbus.h
             ${LIBDIR}/libafbus.so.0 ${LIBDIR}/libafbus-dbus.so.0 ${LIBDIR}/pkgconfig/libafbus.pc
             ${LIBDIR}/cmake/afbus/afbusConfig.cmake ${LIBDIR}/cmake/afbus/afbusTargets.cmake)
  if(NOT EXISTS ${prefix}/${file})
    message(FATAL_ERROR "not installed: ${file}")
  endif()
endforeach()

run(${CMAKE_COMMAND} -S ${CONSUMER} -B ${WORK_DIR}/cmake-consumer
    -DCMAKE_PREFIX_PATH=${prefix} -DCMAKE_C_COMPILER=${CC} -DCMAKE_CXX_COMPILER=${CXX}
    "-DCMAKE_C_FLAGS=${SANITIZE_FLAGS}" "-DCMAKE_CXX_FLAGS=${SANITIZE_FLAGS}"
    "-DCMAKE_EXE_LINKER_FLAGS=${SANITIZE_FLAGS}")
run(${CMAKE_COMMAND} --build ${WORK_DIR}/cmake-consumer)
# libafbus.so.0 needs libafbus-dbus.so.0 from the same staging directory,
# which the consumer's RUNPATH does not cover (it is not inherited).
set(lib_env ${CMAKE_COMMAND} -E env LD_LIBRARY_PATH=${prefix}/${LIBDIR})
run(${lib_env} ${WORK_DIR}/cmake-consumer/consumer_c)
message(STATUS "find_package(afbus COMPONENTS afbus), C: ${run_output}")
run(${lib_env} ${WORK_DIR}/cmake-consumer/consumer_cxx)
message(STATUS "find_package(afbus COMPONENTS afbus), C++: ${run_output}")

set(pc_env ${CMAKE_COMMAND} -E env PKG_CONFIG_PATH=${prefix}/${LIBDIR}/pkgconfig)
run(${pc_env} ${PKG_CONFIG} --cflags --libs libafbus)
string(STRIP "${run_output}" flags)
separate_arguments(flags UNIX_COMMAND "${flags}")
separate_arguments(sanitize UNIX_COMMAND "${SANITIZE_FLAGS}")
run(${CC} -std=c99 -pedantic -Werror ${sanitize} ${CONSUMER}/consumer.c -o ${WORK_DIR}/pc-consumer ${flags})
run(${lib_env} ${WORK_DIR}/pc-consumer)
message(STATUS "pkg-config, C: ${run_output}")
