# SPDX-License-Identifier: LGPL-2.1-or-later
"""afbusd with python3-dbus clients: name ownership and the signals that go
with it, match rules, and fd passing."""

import os
import time
import unittest

import dbus
import dbus.mainloop.glib
import dbus.service
from gi.repository import GLib

from harness import TIMEOUT, BusTestCase

dbus.mainloop.glib.DBusGMainLoop(set_as_default=True)

ALLOW_REPLACEMENT, REPLACE_EXISTING, DO_NOT_QUEUE = 1, 2, 4
PRIMARY_OWNER, IN_QUEUE, EXISTS, ALREADY_OWNER = 1, 2, 3, 4


def pump(cond, timeout=TIMEOUT):
    """Runs the GLib main loop until cond() holds; fails after @timeout."""
    ctx = GLib.MainContext.default()
    deadline = time.monotonic() + timeout
    while not cond():
        if time.monotonic() > deadline:
            raise AssertionError("timed out")
        ctx.iteration(False) or time.sleep(0.001)


class Recorder:
    """Every signal from the bus driver a connection receives, in order."""

    def __init__(self, conn):
        self.seen = []
        conn.add_match_string("type='signal',sender='org.freedesktop.DBus'")
        conn.add_message_filter(self.filter)

    def filter(self, _conn, msg):
        if msg.get_type() == 4 and msg.get_sender() == "org.freedesktop.DBus":
            self.seen.append((msg.get_member(), *[str(a) for a in msg.get_args_list()]))


class PythonDbus(BusTestCase):
    def connect(self):
        c = dbus.bus.BusConnection(self.bus.address)
        self.addCleanup(c.close)
        return c

    def driver(self, conn):
        return dbus.Interface(conn.get_object("org.freedesktop.DBus", "/org/freedesktop/DBus"),
                              "org.freedesktop.DBus")

    def test_queueing_and_replacement_signals(self):
        a, b, watcher = self.connect(), self.connect(), self.connect()
        ra, rb, rw = Recorder(a), Recorder(b), Recorder(watcher)
        da, db = self.driver(a), self.driver(b)
        name = "com.example.Queue"
        an, bn = a.get_unique_name(), b.get_unique_name()

        self.assertEqual(da.RequestName(name, ALLOW_REPLACEMENT), PRIMARY_OWNER)
        self.assertEqual(da.RequestName(name, ALLOW_REPLACEMENT), ALREADY_OWNER)
        self.assertEqual(db.RequestName(name, DO_NOT_QUEUE), EXISTS)
        self.assertEqual(db.RequestName(name, 0), IN_QUEUE)
        self.assertEqual(list(da.ListQueuedOwners(name)), [an, bn])
        self.assertEqual(db.RequestName(name, REPLACE_EXISTING), PRIMARY_OWNER)
        self.assertEqual(da.GetNameOwner(name), bn)
        self.assertEqual(list(da.ListQueuedOwners(name)), [bn, an])
        self.assertEqual(db.ReleaseName(name), 1)
        self.assertEqual(da.GetNameOwner(name), an)
        self.assertEqual(db.ReleaseName(name), 3)  # NOT_OWNER
        pump(lambda: ra.seen.count(("NameAcquired", name)) == 2 and
             len([s for s in rw.seen if s[1] == name]) == 3)

        # dbus-daemon's order: NameLost to the old owner before the
        # NameOwnerChanged, NameAcquired to the new one after it.
        self.assertEqual([s for s in ra.seen if s[1] == name], [
            ("NameOwnerChanged", name, "", an), ("NameAcquired", name),
            ("NameLost", name), ("NameOwnerChanged", name, an, bn),
            ("NameOwnerChanged", name, bn, an), ("NameAcquired", name)])
        self.assertIn(("NameLost", name), rb.seen)
        self.assertEqual([s for s in rw.seen if s[0] == "NameOwnerChanged" and s[1] == name], [
            ("NameOwnerChanged", name, "", an), ("NameOwnerChanged", name, an, bn),
            ("NameOwnerChanged", name, bn, an)])

    def test_disconnect_passes_the_name_on(self):
        a, b, watcher = self.connect(), self.connect(), self.connect()
        rw = Recorder(watcher)
        name = "com.example.Handover"
        an, bn = a.get_unique_name(), b.get_unique_name()
        self.assertEqual(self.driver(a).RequestName(name, 0), PRIMARY_OWNER)
        self.assertEqual(self.driver(b).RequestName(name, 0), IN_QUEUE)
        a.close()
        pump(lambda: ("NameOwnerChanged", an, an, "") in rw.seen)
        changes = [s for s in rw.seen if s[0] == "NameOwnerChanged" and s[1] in (name, an)]
        self.assertEqual(changes, [("NameOwnerChanged", name, "", an), ("NameOwnerChanged", name, an, bn),
                                   ("NameOwnerChanged", an, an, "")])
        self.assertEqual(self.driver(watcher).GetNameOwner(name), bn)

    def test_do_not_queue_owner_is_removed_on_replacement(self):
        a, b = self.connect(), self.connect()
        name = "com.example.NoQueue"
        self.assertEqual(self.driver(a).RequestName(name, ALLOW_REPLACEMENT | DO_NOT_QUEUE), PRIMARY_OWNER)
        self.assertEqual(self.driver(b).RequestName(name, REPLACE_EXISTING), PRIMARY_OWNER)
        self.assertEqual(list(self.driver(b).ListQueuedOwners(name)), [b.get_unique_name()])

    def test_signals_by_match_rules(self):
        rx, tx = self.connect(), self.connect()
        got = []
        rx.add_signal_receiver(lambda v: got.append(str(v)), signal_name="Hit",
                               dbus_interface="com.example.Sig", arg0="yes")
        everything = []
        rx.add_signal_receiver(lambda *a, **kw: everything.append(kw["member"]),
                               dbus_interface="com.example.Other", member_keyword="member")
        for value in ("no", "yes", "no", "yes"):
            tx.send_message(self.signal("Hit", value))
        tx.send_message(self.signal("Done", "x", interface="com.example.Other"))
        pump(lambda: everything == ["Done"])
        self.assertEqual(got, ["yes", "yes"])

    @staticmethod
    def signal(member, value, interface="com.example.Sig"):
        m = dbus.lowlevel.SignalMessage("/com/example", interface, member)
        m.append(value, signature="s")
        return m

    def test_credentials(self):
        c = self.connect()
        d = self.driver(c)
        me = c.get_unique_name()
        self.assertEqual(d.GetConnectionUnixUser(me), os.getuid())
        self.assertEqual(d.GetConnectionUnixProcessID(me), os.getpid())
        creds = d.GetConnectionCredentials(me)
        self.assertEqual(creds["UnixUserID"], os.getuid())
        self.assertEqual(creds["ProcessID"], os.getpid())

    def test_fd_passing(self):
        server, client = self.connect(), self.connect()

        class Reader(dbus.service.Object):
            @dbus.service.method("com.example.Fd", in_signature="h", out_signature="s")
            def Read(self, fd):
                with os.fdopen(fd.take(), "rb") as f:
                    return f.read().decode()

        server.request_name("com.example.Fd")
        Reader(server, "/reader")
        r, w = os.pipe()
        os.write(w, b"through SCM_RIGHTS")
        os.close(w)
        result = []
        proxy = client.get_object("com.example.Fd", "/reader")
        proxy.Read(dbus.types.UnixFd(r), dbus_interface="com.example.Fd",
                   reply_handler=result.append, error_handler=lambda e: result.append(e))
        os.close(r)
        pump(lambda: result)
        self.assertEqual(result, ["through SCM_RIGHTS"])

    def test_callee_disconnect_gives_no_reply(self):
        server, client = self.connect(), self.connect()
        server.request_name("com.example.Silent")
        received = []

        def swallow(_conn, msg):
            if msg.get_member() != "M":
                return None
            received.append(msg)
            return dbus.lowlevel.HANDLER_RESULT_HANDLED  # and never answer

        server.add_message_filter(swallow)
        result = []
        client.call_async("com.example.Silent", "/", "com.example.I", "M", "", (),
                          result.append, lambda e: result.append(e.get_dbus_name()), timeout=TIMEOUT)
        pump(lambda: received)
        server.close()
        pump(lambda: result)
        self.assertEqual(result, ["org.freedesktop.DBus.Error.NoReply"])


if __name__ == "__main__":
    unittest.main()
