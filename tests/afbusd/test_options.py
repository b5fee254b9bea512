# SPDX-License-Identifier: LGPL-2.1-or-later
"""The command line: the policy file, abstract addresses, detaching, bad
options."""

import os
import signal
import socket
import subprocess
import tempfile
import unittest

from harness import AFBUSD, TIMEOUT, BusTestCase, read_line, wait_for
from rawdbus import METHOD_CALL, Client

POLICY = """# test policy
deny own com.example.Secret
deny own com.example.Private.*
allow own com.example.Private.Open
deny send com.example.Closed
"""


class PolicyFile(BusTestCase):
    policy = POLICY

    def test_own_rules(self):
        c = Client(self.bus.socket)
        for name, expected in (("com.example.Secret", "AccessDenied"), ("com.example.Private", "AccessDenied"),
                               ("com.example.Private.X", "AccessDenied"), ("com.example.Private.Open", None),
                               ("com.example.Other", None)):
            reply = c.call("RequestName", name, 0)
            with self.subTest(name=name):
                if expected:
                    self.assertEqual(reply.error_name, "org.freedesktop.DBus.Error." + expected)
                else:
                    self.assertEqual(reply.args, [1])

    def test_send_rules_cover_every_name_of_the_owner(self):
        owner, caller = Client(self.bus.socket), Client(self.bus.socket)
        owner.call("RequestName", "com.example.Closed", 0)
        for dest in ("com.example.Closed", owner.unique_name):
            serial = caller.send(METHOD_CALL, path="/o", interface="com.example.I", member="M", destination=dest)
            m = caller.receive()
            self.assertEqual((m.reply_serial, m.error_name), (serial, "org.freedesktop.DBus.Error.AccessDenied"))


class CommandLine(unittest.TestCase):
    def setUp(self):
        if not AFBUSD:
            self.skipTest("AFBUSD is not set")
        self.dir = tempfile.TemporaryDirectory(prefix="afbusd-test-")
        self.addCleanup(self.dir.cleanup)

    def run_afbusd(self, *args):
        return subprocess.run([AFBUSD, *args], capture_output=True, timeout=TIMEOUT, text=True)

    def test_bad_options_and_policy(self):
        self.assertEqual(self.run_afbusd().returncode, 2)
        self.assertEqual(self.run_afbusd("--address").returncode, 2)
        self.assertEqual(self.run_afbusd("--address", "x", "--bogus").returncode, 2)
        self.assertEqual(self.run_afbusd("--address", "x", "--log-level", "loud").returncode, 2)
        bad = os.path.join(self.dir.name, "bad")
        with open(bad, "w") as f:
            f.write("allow own *\npermit send *\n")
        r = self.run_afbusd("--address", f"unix:path={self.dir.name}/s", "--policy", bad, "--foreground")
        self.assertEqual(r.returncode, 1)
        self.assertIn("line 2", r.stderr)
        r = self.run_afbusd("--address", "tcp:host=localhost,port=1", "--foreground")
        self.assertEqual(r.returncode, 1)
        self.assertIn("unix:path=", r.stderr)
        self.assertEqual(self.run_afbusd("--help").returncode, 0)

    def test_abstract_address(self):
        name = "afbusd-test-" + os.path.basename(self.dir.name)
        p = subprocess.Popen([AFBUSD, "--address", f"unix:abstract={name}", "--foreground"],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        try:
            address = read_line(p.stdout, TIMEOUT)
            self.assertTrue(address.startswith(f"unix:abstract={name},guid="), address)
            r = subprocess.run(["dbus-send", f"--bus={address}", "--print-reply", "--dest=org.freedesktop.DBus",
                                "/org/freedesktop/DBus", "org.freedesktop.DBus.GetId"],
                               capture_output=True, timeout=TIMEOUT, text=True)
            self.assertEqual(r.returncode, 0, r.stderr)
        finally:
            p.send_signal(signal.SIGTERM)
            self.assertEqual(p.wait(TIMEOUT), 0)
            p.stdout.close()
            p.stderr.close()

    def test_detaches_and_stops_on_sigterm(self):
        path = f"{self.dir.name}/bus"
        # The detached child keeps stderr: a file, so that run() sees EOF.
        with open(f"{self.dir.name}/stderr", "w") as err:
            r = subprocess.run([AFBUSD, "--address", f"unix:path={path}"], stdout=subprocess.PIPE, stderr=err,
                               timeout=TIMEOUT, text=True)
        self.assertEqual(r.returncode, 0)
        address = r.stdout.strip()
        self.assertTrue(address.startswith(f"unix:path={path},guid="), address)
        c = Client(path)
        reply = c.call("GetConnectionUnixProcessID", "org.freedesktop.DBus")
        pid = reply.args[0]
        c.close()
        self.assertNotEqual(pid, os.getpid())
        os.kill(pid, signal.SIGTERM)
        wait_for(lambda: not os.path.exists(path), what="the socket file to go")

    def test_existing_socket_file_is_refused(self):
        path = f"{self.dir.name}/bus"
        open(path, "w").close()
        r = self.run_afbusd("--address", f"unix:path={path}", "--foreground")
        self.assertEqual(r.returncode, 1)
        self.assertIn("bind", r.stderr)

    def test_several_addresses_serve_one_bus(self):
        first, second = f"{self.dir.name}/one", f"{self.dir.name}/two"
        p = subprocess.Popen([AFBUSD, "--address", f"unix:path={first}", "--address", f"unix:path={second}",
                              "--foreground"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            printed = read_line(p.stdout, TIMEOUT).split(";")
            self.assertEqual(len(printed), 2, printed)
            self.assertTrue(printed[0].startswith(f"unix:path={first},guid="), printed)
            self.assertTrue(printed[1].startswith(f"unix:path={second},guid="), printed)
            # One bus: a name owned through one listener is seen through the other.
            owner = Client(first)
            self.assertEqual(owner.call("RequestName", "com.example.Both", 0).args, [1])
            other = Client(second)
            self.assertEqual(other.call("GetNameOwner", "com.example.Both").args, [owner.unique_name])
            owner.close()
            other.close()
        finally:
            p.send_signal(signal.SIGTERM)
            self.assertEqual(p.wait(TIMEOUT), 0)
            p.stdout.close()
            p.stderr.close()

    def test_one_afbus_address_at_most(self):
        r = self.run_afbusd("--address", f"afbus:path={self.dir.name}/a", "--address",
                            f"afbus:path={self.dir.name}/b", "--foreground")
        self.assertEqual(r.returncode, 2)
        self.assertIn("at most one afbus:", r.stderr)

    def test_afbus_without_af_bus_fails_clearly(self):
        try:
            socket.socket(46, socket.SOCK_SEQPACKET).close()
            self.skipTest("this kernel has AF_BUS")
        except OSError:
            pass
        # Also when a unix: listener comes with it: nothing is served.
        r = self.run_afbusd("--address", f"unix:path={self.dir.name}/u", "--address",
                            f"afbus:path={self.dir.name}/bus", "--foreground")
        self.assertEqual(r.returncode, 1)
        self.assertIn("no AF_BUS", r.stderr)
        self.assertIn("Address family not supported", r.stderr)
        self.assertEqual(r.stdout, "")


if __name__ == "__main__":
    unittest.main()
