// SPDX-License-Identifier: LGPL-2.1-or-later
//
// libFuzzer target: the SASL server fed arbitrary client bytes, split at
// arbitrary points (the first byte of input picks the chunk size).
#include "fuzz_target.hpp"

#include <afbus/dbus/sasl.hpp>

#include <cstdlib>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size)
{
    if (size == 0) {
        return 0;
    }
    const std::size_t chunk = 1 + data[0] % 64;
    std::string_view input{reinterpret_cast<const char *>(data + 1), size - 1};
    afbus::dbus::SaslServer server{{.peer_uid = 1000, .unix_fd_supported = (data[0] & 0x80U) != 0,
                                    .guid = "0123456789abcdef0123456789abcdef"}};
    while (!input.empty() && server.state() == afbus::dbus::SaslState::running) {
        const auto used = server.feed(input.substr(0, chunk));
        if (!used) {
            break;
        }
        if (*used == 0) {
            std::abort(); // a running server must make progress
        }
        input.remove_prefix(*used);
        server.consume_output(server.output().size());
    }
    return 0;
}
