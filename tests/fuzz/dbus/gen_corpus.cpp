// SPDX-License-Identifier: LGPL-2.1-or-later
//
// Writes the seed corpora of the fuzz targets (committed under corpus/):
//   message/     real messages: built by libdbus-1 (dbus_message_marshal)
//                and by afbus::dbus in big-endian, from random value trees;
//   match_rule/  every rule of tests/dbus/match-rules.txt;
//   sasl_server/ client transcripts, the first byte the fuzzer's chunk size.
//
// Usage: dbus-fuzz-corpus-gen OUTDIR [SEED] [COUNT]
#include "libdbus_bridge.hpp"
#include "value_tree.hpp"

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <string>

namespace {

using namespace afbus::dbus::testing;
namespace fs = std::filesystem;

void write_file(const fs::path &p, const void *data, std::size_t size)
{
    std::ofstream out{p, std::ios::binary};
    out.write(static_cast<const char *>(data), static_cast<std::streamsize>(size));
}

void messages(const fs::path &dir, std::uint64_t seed, int count)
{
    fs::create_directories(dir);
    Generator gen{seed};
    for (int i = 0; i < count; ++i) {
        const MessageTree m = gen.message(5, false);
        const auto theirs = build_libdbus(m);
        write_file(dir / ("libdbus-" + std::to_string(i)), theirs.data(), theirs.size());
        const MessageTree with_fds = gen.message(5, true);
        const auto ours = build_ours(with_fds, afbus::dbus::ByteOrder::big);
        write_file(dir / ("afbus-be-" + std::to_string(i)), ours.data(), ours.size());
    }
}

void match_rules(const fs::path &dir, const fs::path &vectors)
{
    fs::create_directories(dir);
    std::ifstream in{vectors};
    std::string line;
    int n = 0;
    while (std::getline(in, line)) {
        if (line.empty() || line[0] == '#') {
            continue;
        }
        // "kind :: expect :: rule [:: message]": the rule is the third field.
        std::size_t start = 0;
        for (int f = 0; f < 2 && start != std::string::npos; ++f) {
            start = line.find(" :: ", start);
            start = start == std::string::npos ? start : start + 4;
        }
        if (start == std::string::npos) {
            continue;
        }
        const std::string rule = line.substr(start, line.find(" :: ", start) - start);
        write_file(dir / ("rule-" + std::to_string(n++)), rule.data(), rule.size());
    }
}

void sasl(const fs::path &dir)
{
    using namespace std::string_literals;
    fs::create_directories(dir);
    const std::array<std::string, 4> transcripts = {
        // The "s" literals keep the NUL after the chunk-size byte; their
        // length is exactly the bytes written.
        "\x81\0AUTH EXTERNAL 31303030\r\nNEGOTIATE_UNIX_FD\r\nBEGIN\r\n"s,
        "\x03\0AUTH\r\nAUTH EXTERNAL\r\nDATA 31303030\r\nBEGIN\r\n"s,
        "\x10\0AUTH EXTERNAL 30\r\nCANCEL\r\nAUTH EXTERNAL\r\nDATA\r\nBEGIN\r\n"s,
        "\x40\0AUTH ANONYMOUS\r\nERROR\r\nHELLO\r\nBEGIN\r\n"s,
    };
    int n = 0;
    for (const auto &t : transcripts) {
        write_file(dir / ("transcript-" + std::to_string(n++)), t.data(), t.size());
    }
}

} // namespace

int main(int argc, char **argv)
{
    if (argc < 2) {
        std::cerr << "usage: " << argv[0] << " OUTDIR [SEED] [COUNT]\n";
        return 2;
    }
    const fs::path out = argv[1];
    const std::uint64_t seed = argc > 2 ? std::stoull(argv[2]) : 1;
    const int count = argc > 3 ? std::stoi(argv[3]) : 40;
    messages(out / "message", seed, count);
    match_rules(out / "match_rule", fs::path{AFBUS_MATCH_VECTORS});
    sasl(out / "sasl_server");
    std::cout << "corpus written to " << out << " (seed " << seed << ", " << count << " messages per builder)\n";
    return 0;
}
