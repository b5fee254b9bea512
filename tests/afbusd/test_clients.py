# SPDX-License-Identifier: LGPL-2.1-or-later
"""afbusd serving the Debian clients: dbus-send, dbus-monitor,
dbus-test-tool, gdbus and busctl."""

import re
import unittest

from harness import TIMEOUT, BusTestCase, read_line

DRIVER = ("--dest=org.freedesktop.DBus", "/org/freedesktop/DBus")


class DbusSend(BusTestCase):
    def send(self, method, *args, check=True):
        return self.bus.run("dbus-send", "--session", "--print-reply", *DRIVER,
                            "org.freedesktop.DBus." + method, *args, check=check)

    def test_get_id_is_the_guid_of_the_address(self):
        _, out, _ = self.send("GetId")
        guid = re.search(r'string "([0-9a-f]{32})"', out).group(1)
        self.assertIn(f"guid={guid}", self.bus.address)

    def test_list_names_starts_with_the_driver(self):
        _, out, _ = self.send("ListNames")
        names = re.findall(r'string "([^"]*)"', out)
        self.assertEqual(names[0], "org.freedesktop.DBus")
        self.assertTrue(any(n.startswith(":1.") for n in names), names)

    def test_errors_have_dbus_daemon_names(self):
        cases = [
            (("GetNameOwner", "string:com.example.Nobody"), "org.freedesktop.DBus.Error.NameHasNoOwner"),
            (("RequestName", "string::1.99", "uint32:0"), "org.freedesktop.DBus.Error.InvalidArgs"),
            (("RequestName", "string:org.freedesktop.DBus", "uint32:0"), "org.freedesktop.DBus.Error.InvalidArgs"),
            (("RequestName", "string:com.example", "string:x"), "org.freedesktop.DBus.Error.InvalidArgs"),
            (("ReleaseName", "string:com.example.Nobody"), None),
            (("StartServiceByName", "string:com.example.Nobody", "uint32:0"),
             "org.freedesktop.DBus.Error.ServiceUnknown"),
            (("AddMatch", "string:type='nonsense'"), "org.freedesktop.DBus.Error.MatchRuleInvalid"),
            (("RemoveMatch", "string:type='signal'"), "org.freedesktop.DBus.Error.MatchRuleNotFound"),
            (("NoSuchMethod",), "org.freedesktop.DBus.Error.UnknownMethod"),
            (("GetConnectionUnixUser", "string::1.9999"), "org.freedesktop.DBus.Error.NameHasNoOwner"),
        ]
        for args, error in cases:
            with self.subTest(args=args):
                rc, out, err = self.send(*args, check=False)
                if error is None:
                    self.assertEqual(rc, 0, err)
                    self.assertIn("uint32 2", out)  # NON_EXISTENT
                else:
                    self.assertNotEqual(rc, 0)
                    self.assertIn(error, err)

    def test_call_to_a_name_without_owner(self):
        rc, _, err = self.bus.run("dbus-send", "--session", "--print-reply", "--dest=com.example.Nobody",
                                  "/", "com.example.I.M", check=False)
        self.assertNotEqual(rc, 0)
        self.assertIn("org.freedesktop.DBus.Error.ServiceUnknown", err)

    def test_peer_and_properties(self):
        _, out, _ = self.bus.run("dbus-send", "--session", "--print-reply", *DRIVER,
                                 "org.freedesktop.DBus.Peer.GetMachineId")
        self.assertRegex(out, r'string "[0-9a-f]{32}"')
        self.bus.run("dbus-send", "--session", "--print-reply", *DRIVER, "org.freedesktop.DBus.Peer.Ping")
        _, out, _ = self.bus.run("dbus-send", "--session", "--print-reply", *DRIVER,
                                 "org.freedesktop.DBus.Properties.Get", "string:org.freedesktop.DBus",
                                 "string:Interfaces")
        self.assertIn("org.freedesktop.DBus.Monitoring", out)

    def test_own_credentials(self):
        _, out, _ = self.send("GetConnectionUnixUser", "string:org.freedesktop.DBus")
        self.assertIn("uint32", out)


class TestTool(BusTestCase):
    def start_echo(self, name="com.example.Echo"):
        self.spawn("dbus-test-tool", "echo", f"--name={name}")
        self.wait_name(name)

    def test_spam_calls_against_echo(self):
        self.start_echo()
        self.bus.run("dbus-test-tool", "spam", "--dest=com.example.Echo", "--count=2000", "--queue=16")

    def test_spam_bytes_and_no_reply(self):
        self.start_echo()
        self.bus.run("dbus-test-tool", "spam", "--dest=com.example.Echo", "--count=200", "--bytes",
                     "--payload=" + "x" * 60000)
        self.bus.run("dbus-test-tool", "spam", "--dest=com.example.Echo", "--count=2000", "--no-reply")
        # The echo service is still there and answering.
        self.bus.run("dbus-test-tool", "spam", "--dest=com.example.Echo", "--count=10")

    def test_echo_gone_means_service_unknown(self):
        self.start_echo()
        self.children[0].terminate()
        self.children[0].wait(TIMEOUT)
        self.wait_name("com.example.Echo", owned=False)
        # spam reports the error but exits 0.
        _, out, err = self.bus.run("dbus-test-tool", "spam", "--dest=com.example.Echo", "--count=1", check=False)
        self.assertIn("org.freedesktop.DBus.Error.ServiceUnknown", out + err)


class Monitor(BusTestCase):
    def read_until(self, proc, needle):
        lines = []
        while True:
            line = read_line(proc.stdout, TIMEOUT)
            if line is None:
                self.fail(f"{needle!r} not seen; got {lines}")
            lines.append(line)
            if needle in line:
                return lines

    def test_dbus_monitor_sees_signals_and_calls(self):
        mon = self.spawn("dbus-monitor", "--session")
        # dbus-monitor prints its own NameLost once it is a monitor.
        self.read_until(mon, "NameLost")
        self.bus.run("dbus-send", "--session", "--type=signal", "/com/example", "com.example.I.Ping",
                     "string:marker-one")
        self.read_until(mon, "marker-one")
        self.bus.run("dbus-send", "--session", "--print-reply", *DRIVER, "org.freedesktop.DBus.GetId")
        lines = self.read_until(mon, "member=GetId")
        self.assertTrue(any("method call" in line and "member=Hello" in line for line in lines), lines)

    def test_gdbus_monitor_sees_name_owner_changed(self):
        mon = self.spawn("gdbus", "monitor", "--session", "--dest", "org.freedesktop.DBus")
        # "Monitoring signals" is printed before gdbus's AddMatch is
        # answered; the owner line comes from the reply to a GetNameOwner
        # it sent after the AddMatch, so the rule is in place by then (the
        # bus handles one connection's messages in order).
        self.read_until(mon, "is owned by")
        self.bus.run("dbus-send", "--session", "--print-reply", *DRIVER, "org.freedesktop.DBus.GetId")
        self.read_until(mon, "NameOwnerChanged")


class Gdbus(BusTestCase):
    def gdbus_call(self, method, *args):
        return self.bus.run("gdbus", "call", "--session", "--dest", "org.freedesktop.DBus", "--object-path",
                            "/org/freedesktop/DBus", "--method", method, *args)[1]

    def test_calls(self):
        self.assertIn("('org.freedesktop.DBus',)",
                      self.gdbus_call("org.freedesktop.DBus.GetNameOwner", "org.freedesktop.DBus"))
        self.assertIn("HeaderFiltering",
                      self.gdbus_call("org.freedesktop.DBus.Properties.Get", "org.freedesktop.DBus", "Features"))
        self.assertIn("(uint32 1,)", self.gdbus_call("org.freedesktop.DBus.RequestName", "com.example.G", "0"))

    def test_introspect(self):
        _, out, _ = self.bus.run("gdbus", "introspect", "--session", "--dest", "org.freedesktop.DBus",
                                 "--object-path", "/org/freedesktop/DBus")
        for member in ("RequestName", "BecomeMonitor", "NameOwnerChanged", "GetMachineId", "Features"):
            self.assertIn(member, out)

    def test_error_name(self):
        rc, _, err = self.bus.run("gdbus", "call", "--session", "--dest", "org.freedesktop.DBus",
                                  "--object-path", "/org/freedesktop/DBus", "--method",
                                  "org.freedesktop.DBus.GetNameOwner", "com.example.Nobody", check=False)
        self.assertNotEqual(rc, 0)
        self.assertIn("NameHasNoOwner", err)


class Busctl(BusTestCase):
    def busctl(self, *args, check=True):
        return self.bus.run("busctl", f"--address={self.bus.address}", "--no-pager", *args, check=check)

    def test_list(self):
        self.spawn("dbus-test-tool", "echo", "--name=com.example.Echo")
        self.wait_name("com.example.Echo")
        _, out, _ = self.busctl("list", "--no-legend")
        self.assertIn("org.freedesktop.DBus", out)
        self.assertIn("com.example.Echo", out)

    def test_call_and_introspect(self):
        _, out, _ = self.busctl("call", "org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus",
                                "NameHasOwner", "s", "org.freedesktop.DBus")
        self.assertEqual(out.strip(), "b true")
        _, out, _ = self.busctl("introspect", "org.freedesktop.DBus", "/org/freedesktop/DBus")
        self.assertIn("ListQueuedOwners", out)

    def test_status_of_the_driver(self):
        _, out, _ = self.busctl("status", "org.freedesktop.DBus")
        self.assertIn("UID=", out)


if __name__ == "__main__":
    unittest.main()
