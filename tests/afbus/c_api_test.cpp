// SPDX-License-Identifier: LGPL-2.1-or-later
//
// The C API against a real dbus-daemon: what a C D-Bus library does to
// open a connection, call, receive signals and run an event loop. Messages
// are built and parsed with libafbus-dbus's C API.
#include "dbus_daemon.hpp"
#include "service.hpp"

#include <afbus/afbus.h>
#include <afbus/dbus/dbus.h>

#include <gtest/gtest.h>

#include <poll.h>

#include <cerrno>
#include <cstdlib>
#include <string>

namespace afbus::testing {
namespace {

// A marshalled method call to org.afbus.Test with one string argument.
struct Built {
    void *data = nullptr;
    size_t length = 0;
    Built(const char *member, const char *arg)
    {
        afbus_dbus_writer *w = nullptr;
        EXPECT_EQ(afbus_dbus_writer_new(AFBUS_DBUS_LITTLE_ENDIAN, &w), 0);
        EXPECT_EQ(afbus_dbus_writer_append(w, 's', &arg), 0);
        afbus_dbus_header h{};
        h.type = AFBUS_DBUS_METHOD_CALL;
        h.serial = 1;
        h.path = "/org/afbus/Test";
        h.interface = "org.afbus.Test";
        h.member = member;
        h.destination = "org.afbus.Test";
        EXPECT_EQ(afbus_dbus_message_build(&h, w, &data, &length), 0);
        afbus_dbus_writer_free(w);
    }
    Built(const Built &) = delete;
    Built &operator=(const Built &) = delete;
    Built(Built &&) = delete;
    Built &operator=(Built &&) = delete;
    ~Built() { std::free(data); } // NOLINT(cppcoreguidelines-no-malloc): afbus_dbus_message_build malloc()s
};

std::string string_arg(const afbus_msg *m)
{
    size_t len = 0;
    const void *data = afbus_msg_data(m, &len);
    afbus_dbus_message *parsed = nullptr;
    if (afbus_dbus_message_parse(data, len, &parsed) != 0) {
        return "<unparsable>";
    }
    afbus_dbus_reader *r = nullptr;
    std::string out;
    if (afbus_dbus_reader_new(parsed, &r) == 0) {
        const char *s = nullptr;
        if (afbus_dbus_reader_read(r, 's', &s) == 0) {
            out = s;
        }
        afbus_dbus_reader_free(r);
    }
    afbus_dbus_message_free(parsed);
    return out;
}

class CApiTest : public ::testing::Test {
protected:
    void SetUp() override
    {
        ASSERT_FALSE(daemon.address().empty()) << daemon.error();
        ASSERT_EQ(afbus_conn_open(daemon.address().c_str(), 0, &conn), 0);
        auto s = Connection::open(daemon.address());
        ASSERT_TRUE(s);
        service = std::make_unique<Service>(std::move(*s));
        ASSERT_TRUE(service->connection().request_name("org.afbus.Test", 0));
        service->run_in_thread();
    }
    void TearDown() override { afbus_conn_close(conn); }

    DbusDaemon daemon;
    afbus_conn *conn = nullptr;
    std::unique_ptr<Service> service;
};

TEST_F(CApiTest, OpenDescribesTheConnection)
{
    EXPECT_EQ(std::string(afbus_conn_unique_name(conn)).rfind(":1.", 0), 0U);
    EXPECT_EQ(afbus_conn_transport(conn), AFBUS_TRANSPORT_UNIX);
    EXPECT_EQ(afbus_conn_unix_fds(conn), 1);
    EXPECT_GE(afbus_conn_fd(conn), 0);
    EXPECT_NE(afbus_conn_events(conn) & POLLIN, 0);
}

TEST_F(CApiTest, SyncCallAndErrorReply)
{
    const Built echo{"Echo", "from C"};
    afbus_msg *reply = nullptr;
    ASSERT_EQ(afbus_conn_call(conn, echo.data, echo.length, nullptr, 0, 5000, &reply), 0);
    EXPECT_EQ(string_arg(reply), "from C");
    afbus_msg_free(reply);

    const Built fail{"Fail", "x"};
    ASSERT_EQ(afbus_conn_call(conn, fail.data, fail.length, nullptr, 0, 5000, &reply), -EREMOTEIO);
    ASSERT_NE(reply, nullptr);
    EXPECT_EQ(string_arg(reply), "failed on purpose");
    afbus_msg_free(reply);

    const Built silent{"Silent", "x"};
    ASSERT_EQ(afbus_conn_call(conn, silent.data, silent.length, nullptr, 0, 100, &reply), -ETIMEDOUT);
    EXPECT_EQ(reply, nullptr);
}

TEST_F(CApiTest, AsyncCallsOnALoopAndCancel)
{
    afbus_loop *loop = nullptr;
    ASSERT_EQ(afbus_loop_new(0, &loop), 0);
    ASSERT_EQ(afbus_loop_add(loop, conn), 0);
    EXPECT_EQ(afbus_loop_add(loop, conn), -EBUSY);
    struct Outcome {
        int calls = 0;
        int error = 1;
        std::string text;
    } ok, cancelled;
    const afbus_reply_handler record = [](afbus_conn *, int error, afbus_msg *reply, void *userdata) {
        auto *o = static_cast<Outcome *>(userdata);
        ++o->calls;
        o->error = error;
        if (reply != nullptr) {
            o->text = string_arg(reply);
        }
    };
    const Built echo{"Echo", "async"};
    const Built silent{"Silent", "x"};
    ASSERT_GT(afbus_conn_call_async(conn, echo.data, echo.length, nullptr, 0, 5000, record, &ok), 0);
    const long id = afbus_conn_call_async(conn, silent.data, silent.length, nullptr, 0, 5000, record, &cancelled);
    ASSERT_GT(id, 0);
    EXPECT_EQ(afbus_conn_cancel(conn, id), 0);
    EXPECT_EQ(afbus_conn_cancel(conn, id), -ENOENT);
    EXPECT_EQ(cancelled.calls, 1);
    EXPECT_EQ(cancelled.error, -ECANCELED);
    for (int i = 0; i < 100 && ok.calls == 0; ++i) {
        ASSERT_GE(afbus_loop_run_once(loop, 50), 0);
    }
    EXPECT_EQ(ok.calls, 1);
    EXPECT_EQ(ok.error, 0);
    EXPECT_EQ(ok.text, "async");
    afbus_loop_free(loop);
}

TEST_F(CApiTest, SignalsThroughAddMatch)
{
    int got = 0;
    const afbus_msg_handler count = [](afbus_conn *, afbus_msg *m, void *userdata) {
        if (string_arg(m) == "c-signal") {
            ++*static_cast<int *>(userdata);
        }
    };
    const long id = afbus_conn_add_match(conn, "type='signal',interface='org.afbus.Test'", 5000, count, &got);
    ASSERT_GT(id, 0);
    EXPECT_EQ(afbus_conn_add_match(conn, "bogus", 5000, count, &got), -EINVAL);
    const Built emit{"Emit", "c-signal"};
    afbus_msg *reply = nullptr;
    ASSERT_EQ(afbus_conn_call(conn, emit.data, emit.length, nullptr, 0, 5000, &reply), 0);
    afbus_msg_free(reply);
    for (int i = 0; i < 100 && got == 0; ++i) {
        ASSERT_GE(afbus_conn_process(conn, 50), 0);
    }
    EXPECT_EQ(got, 1);
    EXPECT_EQ(afbus_conn_remove_match(conn, id, 5000), 0);
    EXPECT_EQ(afbus_conn_remove_match(conn, id, 5000), -ENOENT);
}

TEST_F(CApiTest, NamesAndBadAddresses)
{
    EXPECT_EQ(afbus_conn_request_name(conn, "org.afbus.CName", AFBUS_NAME_DO_NOT_QUEUE, 5000),
              AFBUS_NAME_PRIMARY_OWNER);
    EXPECT_EQ(afbus_conn_request_name(conn, "org.afbus.Test", AFBUS_NAME_DO_NOT_QUEUE, 5000), AFBUS_NAME_EXISTS);
    EXPECT_EQ(afbus_conn_release_name(conn, "org.afbus.CName", 5000), 1);
    afbus_conn *bad = nullptr;
    EXPECT_EQ(afbus_conn_open("nonsense", 0, &bad), -EINVAL);
    EXPECT_EQ(afbus_conn_open("unix:path=/nonexistent/afbus-test", 0, &bad), -ENOENT);
    EXPECT_EQ(bad, nullptr);
}

} // namespace
} // namespace afbus::testing
