// SPDX-License-Identifier: LGPL-2.1-or-later
//
// The C API's error paths (the C99 test covers the happy path from C).
#include <afbus/dbus/dbus.h>

#include <cerrno>
#include <cstdlib>
#include <gtest/gtest.h>

namespace {

TEST(CApi, WriterErrors)
{
    afbus_dbus_writer *w = nullptr;
    EXPECT_EQ(afbus_dbus_writer_new('x', &w), -EINVAL);
    EXPECT_EQ(w, nullptr);
    ASSERT_EQ(afbus_dbus_writer_new('B', &w), 0);
    const char *bad_path = "no/slash";
    EXPECT_EQ(afbus_dbus_writer_append(w, 'o', static_cast<const void *>(&bad_path)), -EBADMSG);
    afbus_dbus_writer_reset(w);
    EXPECT_EQ(afbus_dbus_writer_close(w), -EINVAL);
    afbus_dbus_writer_reset(w);
    EXPECT_EQ(afbus_dbus_writer_open(w, 'a', "i"), 0);
    const char *s = "x";
    EXPECT_EQ(afbus_dbus_writer_append(w, 's', static_cast<const void *>(&s)), -EINVAL);
    afbus_dbus_writer_reset(w);
    afbus_dbus_header h{};
    h.type = AFBUS_DBUS_METHOD_CALL;
    h.serial = 1;
    h.path = "/";
    void *out = nullptr;
    size_t len = 0;
    EXPECT_EQ(afbus_dbus_message_build(&h, w, &out, &len), -EINVAL); // no member
    h.member = "M";
    ASSERT_EQ(afbus_dbus_message_build(&h, w, &out, &len), 0);
    EXPECT_EQ(static_cast<const char *>(out)[0], 'B');
    EXPECT_EQ(afbus_dbus_message_size(out, 15), -ENODATA);
    EXPECT_EQ(afbus_dbus_message_size(out, len), static_cast<long>(len));
    afbus_dbus_message *m = nullptr;
    EXPECT_EQ(afbus_dbus_message_parse(out, len - 1, &m), -ENODATA);
    static_cast<char *>(out)[3] = 2;
    EXPECT_EQ(afbus_dbus_message_parse(out, len, &m), -EPROTONOSUPPORT);
    static_cast<char *>(out)[3] = 1;
    static_cast<char *>(out)[0] = 'x';
    EXPECT_EQ(afbus_dbus_message_parse(out, len, &m), -EBADMSG);
    std::free(out); // NOLINT(cppcoreguidelines-no-malloc)
    afbus_dbus_writer_free(w);
    EXPECT_EQ(afbus_dbus_validate_name('b', ":1.1"), 0);
    EXPECT_EQ(afbus_dbus_validate_name('b', "x"), -EBADMSG);
    EXPECT_EQ(afbus_dbus_validate_name('?', "x"), -EINVAL);
}

} // namespace
