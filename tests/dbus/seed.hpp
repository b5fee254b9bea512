// SPDX-License-Identifier: LGPL-2.1-or-later
//
// The seed of the randomized tests: $AFBUS_TEST_SEED if set, else a fresh
// one; printed either way so a failure can be replayed.
#ifndef AFBUS_TESTS_DBUS_SEED_HPP
#define AFBUS_TESTS_DBUS_SEED_HPP

#include <cstdint>
#include <cstdlib>
#include <iostream>
#include <random>
#include <string>

namespace afbus::dbus::testing {

inline std::uint64_t test_seed(const char *test)
{
    std::uint64_t seed = 0;
    if (const char *env = std::getenv("AFBUS_TEST_SEED"); env != nullptr) { // NOLINT(concurrency-mt-unsafe)
        seed = std::stoull(env);
    } else {
        std::random_device rd;
        seed = (std::uint64_t{rd()} << 32U) | rd();
    }
    std::cout << test << ": seed " << seed << " (replay with AFBUS_TEST_SEED=" << seed << ")\n";
    return seed;
}

} // namespace afbus::dbus::testing

#endif // AFBUS_TESTS_DBUS_SEED_HPP
