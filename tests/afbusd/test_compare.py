# SPDX-License-Identifier: LGPL-2.1-or-later
"""The same transcripts against afbusd and the reference dbus-daemon: the
error names clients see and the order of the driver's messages."""

import re
import unittest

import rawdbus
from harness import AFBUSD, Bus
from rawdbus import METHOD_CALL, Client

DRIVER = ("--dest=org.freedesktop.DBus", "/org/freedesktop/DBus")

# dbus-send invocations whose outcome (reply or error name) must agree.
COMMANDS = [
    ("--print-reply", *DRIVER, "org.freedesktop.DBus.GetNameOwner", "string:com.example.Nobody"),
    ("--print-reply", *DRIVER, "org.freedesktop.DBus.GetNameOwner", "string:org.freedesktop.DBus"),
    ("--print-reply", *DRIVER, "org.freedesktop.DBus.NameHasOwner", "string:com.example.Nobody"),
    ("--print-reply", *DRIVER, "org.freedesktop.DBus.RequestName", "string::1.77", "uint32:0"),
    ("--print-reply", *DRIVER, "org.freedesktop.DBus.RequestName", "string:org.freedesktop.DBus", "uint32:0"),
    ("--print-reply", *DRIVER, "org.freedesktop.DBus.RequestName", "string:com.example.A", "uint32:0"),
    ("--print-reply", *DRIVER, "org.freedesktop.DBus.ReleaseName", "string:com.example.A"),
    ("--print-reply", *DRIVER, "org.freedesktop.DBus.ReleaseName", "string:com.example.Nobody"),
    ("--print-reply", *DRIVER, "org.freedesktop.DBus.ListQueuedOwners", "string:com.example.Nobody"),
    ("--print-reply", *DRIVER, "org.freedesktop.DBus.StartServiceByName", "string:com.example.Nobody",
     "uint32:0"),
    ("--print-reply", *DRIVER, "org.freedesktop.DBus.AddMatch", "string:type='bogus'"),
    ("--print-reply", *DRIVER, "org.freedesktop.DBus.AddMatch", "string:type='signal',arg0='x'"),
    ("--print-reply", *DRIVER, "org.freedesktop.DBus.RemoveMatch", "string:type='signal'"),
    ("--print-reply", *DRIVER, "org.freedesktop.DBus.GetConnectionUnixUser", "string:com.example.Nobody"),
    ("--print-reply", *DRIVER, "org.freedesktop.DBus.GetConnectionUnixProcessID", "string::1.9999"),
    ("--print-reply", *DRIVER, "org.freedesktop.DBus.GetConnectionCredentials", "string::1.9999"),
    ("--print-reply", *DRIVER, "org.freedesktop.DBus.NoSuchMethod"),
    ("--print-reply", *DRIVER, "org.freedesktop.DBus.GetId", "string:unexpected"),
    ("--print-reply", *DRIVER, "org.freedesktop.DBus.Peer.Ping"),
    ("--print-reply", *DRIVER, "org.freedesktop.DBus.Properties.Get", "string:org.freedesktop.DBus",
     "string:NoSuchProperty"),
    ("--print-reply", "--dest=com.example.Nobody", "/", "com.example.I.M"),
    ("--print-reply", "--dest=:1.9999", "/", "com.example.I.M"),
]


def outcome(bus, args):
    rc, out, err = bus.run("dbus-send", "--session", *args, check=False)
    if rc == 0:
        # The reply's type line and values, without serials and times.
        return "ok " + " ".join(line.split()[0] for line in out.splitlines()[1:] if line.split())
    match = re.search(r"Error (\S+?):", err)
    return "error " + (match.group(1) if match else err)


def transcript(bus):
    """The driver's messages around Hello and a name's life, as (type,
    member or reply) pairs, the unique names replaced by roles."""
    a = Client(bus.socket, hello=False)
    serial = a.send(METHOD_CALL, path="/org/freedesktop/DBus", interface="org.freedesktop.DBus",
                    member="Hello", destination="org.freedesktop.DBus")
    seen = []
    a.call("AddMatch", "type='signal',sender='org.freedesktop.DBus'")
    seen += ["hello"] + [describe(m) for m in a.other]
    b = Client(bus.socket)
    b.call("AddMatch", "type='signal',sender='org.freedesktop.DBus'")
    for who, c, flags in (("a", a, 1), ("b", b, 2), ("a", a, 0)):
        reply = c.call("RequestName", "com.example.T", flags)
        seen += [f"{who} RequestName"] + [describe(m) for m in c.other] + [describe(reply)]
    reply = b.call("ReleaseName", "com.example.T")
    seen += ["b ReleaseName"] + [describe(m) for m in b.other] + [describe(reply)]
    a.call("GetId")
    seen += ["a sync"] + [describe(m) for m in a.other]
    del serial
    a.close()
    b.close()
    names = {}

    def role(text):
        for word in text.split():
            if word.startswith(":1."):
                names.setdefault(word, f"<peer{len(names)}>")
                text = text.replace(word, names[word])
        return text

    return [role(s) for s in seen]


def describe(m):
    kind = {1: "call", 2: "return", 3: "error", 4: "signal"}[m.type]
    what = m.member or m.error_name or ""
    return " ".join([kind, what, *[str(a) for a in m.args]])


class CompareWithDbusDaemon(unittest.TestCase):
    def setUp(self):
        if not AFBUSD:
            self.skipTest("AFBUSD is not set")
        self.ours = Bus()
        self.reference = Bus(reference=True)

    def tearDown(self):
        rc, err = self.ours.stop()
        self.reference.stop()
        self.assertEqual(rc, 0, err)

    def test_dbus_send_outcomes(self):
        for args in COMMANDS:
            with self.subTest(args=args[-2:]):
                self.assertEqual(outcome(self.ours, args), outcome(self.reference, args))

    def test_driver_message_order(self):
        self.assertEqual(transcript(self.ours), transcript(self.reference))


if __name__ == "__main__":
    unittest.main()
