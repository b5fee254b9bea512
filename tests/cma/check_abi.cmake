# SPDX-License-Identifier: LGPL-2.1-or-later
#
# cmake -DLIBRARY=<libcma.so> -DREADELF=<readelf> [-DSANITIZED=ON] -P check_abi.cmake
#
# libcma.so.0 must export exactly the documented C functions, all at version
# LIBCMA_0.1, and (outside sanitizer builds) depend on libc alone: no C++
# symbols, no libstdc++.

set(expected
  cma_process_close
  cma_process_open
  cma_process_pid
  cma_read
  cma_readv
  cma_write
  cma_writev)

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

# Defined (section index is a number, not UND/ABS), global or weak symbols.
set(exported "")
string(REPLACE "\n" ";" lines "${syms}")
foreach(line IN LISTS lines)
  if(line MATCHES "^ *[0-9]+: +[0-9a-f]+ +[0-9]+ +[A-Z]+ +(GLOBAL|WEAK) +[A-Z]+ +[0-9]+ +([^ ]+)$")
    set(symbol "${CMAKE_MATCH_2}")
    if(NOT symbol MATCHES "@@?LIBCMA_0\\.1$" AND NOT symbol STREQUAL "LIBCMA_0.1")
      message(SEND_ERROR "exported without the LIBCMA_0.1 version: ${symbol}")
    endif()
    string(REGEX REPLACE "@.*$" "" name "${symbol}")
    if(NOT name STREQUAL "LIBCMA_0.1")
      list(APPEND exported "${name}")
    endif()
  endif()
endforeach()
list(SORT exported)
if(NOT exported STREQUAL expected)
  message(SEND_ERROR "exported symbols:\n  ${exported}\nexpected:\n  ${expected}")
endif()

if(NOT dynamic MATCHES "\\(SONAME\\) +Library soname: \\[libcma\\.so\\.0\\]")
  message(SEND_ERROR "SONAME is not libcma.so.0:\n${dynamic}")
endif()
if(NOT SANITIZED)
  string(REGEX MATCHALL "\\(NEEDED\\) +Shared library: \\[[^]]+\\]" needed "${dynamic}")
  foreach(entry IN LISTS needed)
    if(NOT entry MATCHES "\\[libc\\.so\\.6\\]$")
      message(SEND_ERROR "unexpected dependency: ${entry}")
    endif()
  endforeach()
endif()

list(JOIN exported " " exported_text)
message(STATUS "libcma.so.0 exports: ${exported_text}")
