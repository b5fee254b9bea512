// SPDX-License-Identifier: LGPL-2.1-or-later
//
// The libFuzzer entry point every target defines (and replay_main calls).
#ifndef AFBUS_TESTS_FUZZ_DBUS_FUZZ_TARGET_HPP
#define AFBUS_TESTS_FUZZ_DBUS_FUZZ_TARGET_HPP

#include <cstddef>
#include <cstdint>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size);

#endif // AFBUS_TESTS_FUZZ_DBUS_FUZZ_TARGET_HPP
