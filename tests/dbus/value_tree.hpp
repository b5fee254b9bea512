// SPDX-License-Identifier: LGPL-2.1-or-later
//
// A D-Bus value as a plain tree, random trees from a seed, and the
// afbus::dbus side of moving trees through messages. The interop tests
// push the same trees through libdbus-1 (libdbus_bridge.hpp) and compare.
#ifndef AFBUS_TESTS_DBUS_VALUE_TREE_HPP
#define AFBUS_TESTS_DBUS_VALUE_TREE_HPP

#include <afbus/dbus/message.hpp>

#include <cstdint>
#include <random>
#include <string>
#include <vector>

namespace afbus::dbus::testing {

struct Value {
    std::string signature;       // this value's complete type
    std::uint64_t number = 0;    // y b n q i u x t d h (d as its bits)
    std::string text;            // s o g
    std::vector<Value> children; // array elements, struct/dict fields, variant's value

    // Recursive, like the value: the depth is bounded by D-Bus's nesting
    // limit (64 containers), which every generated and parsed value obeys.
    // Written out so that the recursion stays in this one function.
    bool operator==(const Value &other) const // NOLINT(misc-no-recursion): bounded by the nesting limit
    {
        if (signature != other.signature || number != other.number || text != other.text ||
            children.size() != other.children.size()) {
            return false;
        }
        for (std::size_t i = 0; i < children.size(); ++i) {
            if (!(children[i] == other.children[i])) {
                return false;
            }
        }
        return true;
    }
};

// A whole message as the interop tests generate and compare it.
struct MessageTree {
    MessageType type = MessageType::invalid;
    std::uint8_t flags = 0;
    std::uint32_t serial = 0;
    std::uint32_t reply_serial = 0;
    std::uint32_t unix_fds = 0;
    std::string path, interface, member, error_name, destination, sender; // empty: absent
    std::vector<Value> body;

    // A Header viewing these fields.
    [[nodiscard]] Header header() const;

    bool operator==(const MessageTree &) const = default;

    // The body's signature: the concatenated top-level types.
    [[nodiscard]] std::string signature() const;
};

// Random values. @max_depth bounds container nesting.
class Generator {
public:
    explicit Generator(std::uint64_t seed) : rng_{seed} {}

    // Both recurse once per container level, at most @max_depth deep.
    std::string type(unsigned max_depth);                          // NOLINT(misc-no-recursion)
    Value value(const std::string &signature, unsigned max_depth); // NOLINT(misc-no-recursion)
    // A message of a random type with valid random header fields and a body
    // of up to @max_args values. @with_fds allows 'h'.
    MessageTree message(unsigned max_args, bool with_fds);

    std::mt19937_64 &rng() noexcept { return rng_; }

private:
    std::string name_element(bool allow_digit_first);
    std::string utf8_string();
    std::string object_path();
    unsigned below(unsigned n) { return static_cast<unsigned>(rng_() % n); }

    std::mt19937_64 rng_;
    bool with_fds_ = false;
};

// Writes @v with @w.
void write_value(Writer &w, const Value &v); // NOLINT(misc-no-recursion): bounded by the nesting limit

// Reads the next value (of signature @signature) from @r.
Value read_value(Reader &r); // NOLINT(misc-no-recursion): bounded by the nesting limit

// Builds @m with afbus::dbus in @order.
std::vector<std::byte> build_ours(const MessageTree &m, ByteOrder order);

// The tree of a parsed message.
MessageTree tree_of(const Message &msg);

} // namespace afbus::dbus::testing

#endif // AFBUS_TESTS_DBUS_VALUE_TREE_HPP
