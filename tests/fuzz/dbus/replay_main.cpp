// SPDX-License-Identifier: LGPL-2.1-or-later
//
// Runs a fuzz target over every file of the directories given, without
// libFuzzer: the seed corpora become ordinary ctest cases, built with the
// project's compiler (and its sanitizers under AFBUS_SANITIZE).
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <vector>

#include "fuzz_target.hpp"

int main(int argc, char **argv)
{
    int files = 0;
    for (int i = 1; i < argc; ++i) {
        for (const auto &entry : std::filesystem::directory_iterator{argv[i]}) {
            std::ifstream in{entry.path(), std::ios::binary};
            const std::vector<char> bytes{std::istreambuf_iterator<char>{in}, {}};
            LLVMFuzzerTestOneInput(reinterpret_cast<const std::uint8_t *>(bytes.data()), bytes.size());
            ++files;
        }
    }
    std::printf("replayed %d inputs\n", files);
    return files > 0 ? 0 : 1;
}
