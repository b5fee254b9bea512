# SPDX-License-Identifier: LGPL-2.1-or-later
#
# cmake -DLIBRARY=<libcma.so> -DREADELF=<readelf> [-DSANITIZED=ON] -P check_abi.cmake
#
# libcma.so.0 must export exactly the documented C functions, each at the
# version node it was added in (LIBCMA_0.1 for the first seven, LIBCMA_0.2
# after), and (outside sanitizer builds) depend on libc and libnuma alone:
# no C++ symbols, no libstdc++.

cmake_policy(VERSION 3.25)

set(expected
  cma_context_create@@LIBCMA_0.2
  cma_context_destroy@@LIBCMA_0.2
  cma_context_set_threshold@@LIBCMA_0.2
  cma_context_threads@@LIBCMA_0.2
  cma_probe@@LIBCMA_0.2
  cma_process_close@@LIBCMA_0.1
  cma_process_open@@LIBCMA_0.1
  cma_process_open_pidfd@@LIBCMA_0.2
  cma_process_pid@@LIBCMA_0.1
  cma_process_set_context@@LIBCMA_0.2
  cma_read@@LIBCMA_0.1
  cma_readv@@LIBCMA_0.1
  cma_write@@LIBCMA_0.1
  cma_writev@@LIBCMA_0.1)
set(version_nodes LIBCMA_0.1 LIBCMA_0.2)
set(allowed_needed libc.so.6 libnuma.so.1)

execute_process(COMMAND ${READELF} --wide --dyn-syms ${LIBRARY}
                OUTPUT_VARIABLE syms RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "readelf --dyn-syms failed on ${LIBRARY}")
endif()
execute_process(COMMAND ${READELF} --wide --dynamic ${LIBRARY}
                OUTPUT_VARIABLE dynamic RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "readelf --dynamic failed on ${LIBRARY}")
endif()

# Defined (section index is a number, not UND/ABS), global or weak symbols,
# with their default versions; the version nodes themselves are ABS.
set(exported "")
set(nodes "")
string(REPLACE "\n" ";" lines "${syms}")
foreach(line IN LISTS lines)
  if(line MATCHES "^ *[0-9]+: +[0-9a-f]+ +[0-9]+ +[A-Z]+ +(GLOBAL|WEAK) +[A-Z]+ +([0-9]+|ABS) +([^ ]+)$")
    set(symbol "${CMAKE_MATCH_3}")
    if(CMAKE_MATCH_2 STREQUAL "ABS")
      list(APPEND nodes "${symbol}")
    else()
      list(APPEND exported "${symbol}")
    endif()
  endif()
endforeach()
list(SORT exported)
if(NOT exported STREQUAL expected)
  message(SEND_ERROR "exported symbols:\n  ${exported}\nexpected:\n  ${expected}")
endif()
list(SORT nodes)
if(NOT nodes STREQUAL version_nodes)
  message(SEND_ERROR "version nodes: ${nodes}, expected ${version_nodes}")
endif()

if(NOT dynamic MATCHES "\\(SONAME\\) +Library soname: \\[libcma\\.so\\.0\\]")
  message(SEND_ERROR "SONAME is not libcma.so.0:\n${dynamic}")
endif()
if(NOT SANITIZED)
  string(REGEX MATCHALL "\\(NEEDED\\) +Shared library: \\[[^]]+\\]" needed "${dynamic}")
  foreach(entry IN LISTS needed)
    string(REGEX REPLACE ".*\\[([^]]+)\\]$" "\\1" lib "${entry}")
    if(NOT lib IN_LIST allowed_needed)
      message(SEND_ERROR "unexpected dependency: ${entry}")
    endif()
  endforeach()
endif()

list(JOIN exported " " exported_text)
message(STATUS "libcma.so.0 exports: ${exported_text}")
