# SPDX-License-Identifier: LGPL-2.1-or-later
"""Routing by raw clients that see every byte: unicast by unique and
well-known name, broadcast, eavesdropping, monitors, and the driver's
remaining methods."""

import os
import socket
import struct
import unittest

import rawdbus
from harness import BusTestCase
from rawdbus import ERROR, METHOD_CALL, METHOD_RETURN, NO_REPLY_EXPECTED, SIGNAL, Client

NO_AUTO_START = 0x2


class Routing(BusTestCase):
    def client(self):
        c = Client(self.bus.socket)
        self.addCleanup(c.close)
        return c

    def marker(self, sender, to):
        """A call @to must see after everything @sender sent before."""
        sender.send(METHOD_CALL, flags=NO_REPLY_EXPECTED, path="/m", interface="com.example.M", member="Marker",
                    destination=to.unique_name)

    def receive_until_marker(self, c):
        seen = []
        while True:
            m = c.receive()
            if m.member == "Marker":
                return seen
            seen.append(m)

    def test_well_known_name_routes_to_its_owner(self):
        owner, caller = self.client(), self.client()
        self.assertEqual(owner.call("RequestName", "com.example.Svc", 0).args, [1])
        caller.send(METHOD_CALL, path="/o", interface="com.example.I", member="Do", destination="com.example.Svc",
                    body_args=("arg",))
        m = owner.receive()
        self.assertEqual((m.member, m.destination, m.sender, m.args), ("Do", "com.example.Svc", caller.unique_name,
                                                                       ["arg"]))

    def test_no_auto_start_gives_name_has_no_owner(self):
        c = self.client()
        serial = c.send(METHOD_CALL, flags=NO_AUTO_START, path="/o", interface="com.example.I", member="Do",
                        destination="com.example.Nobody")
        m = c.receive()
        self.assertEqual((m.type, m.reply_serial, m.error_name),
                         (ERROR, serial, "org.freedesktop.DBus.Error.NameHasNoOwner"))

    def test_unicast_signal_reaches_only_its_destination_and_eavesdroppers(self):
        tx, rx, plain, spy = self.client(), self.client(), self.client(), self.client()
        plain.call("AddMatch", "interface='com.example.Uni'")
        spy.call("AddMatch", "interface='com.example.Uni',eavesdrop='true'")
        tx.send(SIGNAL, path="/s", interface="com.example.Uni", member="Ping", destination=rx.unique_name)
        for c in (rx, plain, spy):
            self.marker(tx, c)
        self.assertEqual([m.member for m in self.receive_until_marker(rx)], ["Ping"])
        self.assertEqual([m.member for m in self.receive_until_marker(plain)], [])
        self.assertEqual([m.member for m in self.receive_until_marker(spy)], ["Ping"])

    def test_broadcast_follows_match_rules(self):
        tx, a, b = self.client(), self.client(), self.client()
        a.call("AddMatch", "type='signal',interface='com.example.B',arg0='one'")
        b.call("AddMatch", f"type='signal',sender='{tx.unique_name}',path_namespace='/a'")
        tx.send(SIGNAL, path="/a/b", interface="com.example.B", member="S", body_args=("one",))
        tx.send(SIGNAL, path="/z", interface="com.example.B", member="S", body_args=("two",))
        tx.send(SIGNAL, path="/a", interface="com.example.B", member="S", body_args=("two",))
        for c in (a, b):
            self.marker(tx, c)
        self.assertEqual([(m.path, m.args) for m in self.receive_until_marker(a)], [("/a/b", ["one"])])
        self.assertEqual([(m.path, m.args) for m in self.receive_until_marker(b)],
                         [("/a/b", ["one"]), ("/a", ["two"])])

    def test_remove_match_stops_delivery(self):
        tx, rx = self.client(), self.client()
        rule = "type='signal',interface='com.example.R'"
        rx.call("AddMatch", rule)
        self.assertEqual(rx.call("RemoveMatch", rule).type, METHOD_RETURN)
        tx.send(SIGNAL, path="/r", interface="com.example.R", member="S")
        self.marker(tx, rx)
        self.assertEqual(self.receive_until_marker(rx), [])

    def test_monitor_sees_calls_and_replies_and_cannot_send(self):
        mon, a, b = self.client(), self.client(), self.client()
        self.assertEqual(mon.call("BecomeMonitor", interface="org.freedesktop.DBus.Monitoring", raw=("asu", bytes(8))).type, METHOD_RETURN)
        lost = mon.receive()
        self.assertEqual((lost.member, lost.args), ("NameLost", [mon.unique_name]))
        serial = a.send(METHOD_CALL, path="/o", interface="com.example.I", member="Q", destination=b.unique_name)
        call = b.receive()
        b.send(METHOD_RETURN, reply_serial=call.serial, destination=a.unique_name)
        self.assertEqual(a.receive().reply_serial, serial)
        seen = []
        while len(seen) < 2:
            m = mon.receive()
            if m.sender in (a.unique_name, b.unique_name):
                seen.append((m.type, m.member))
        self.assertEqual(seen, [(METHOD_CALL, "Q"), (METHOD_RETURN, None)])
        # Nobody can reach it any more, and it may not speak.
        self.assertEqual(a.call("NameHasOwner", mon.unique_name).args, [0])
        mon.send(SIGNAL, path="/x", interface="com.example.X", member="Y")
        self.assertTrue(mon.closed_by_peer())

    def test_driver_odds_and_ends(self):
        c = self.client()
        self.assertEqual(c.call("ListQueuedOwners", c.unique_name).type, METHOD_RETURN)
        sig, body = rawdbus.body_of(("org.freedesktop.DBus", "Features"))
        body = rawdbus.put_value(body, "g", "as")
        body = rawdbus.pad(body, 4) + bytes(4)  # an empty array in the variant
        self.assertEqual(c.call("Set", raw=(sig + "v", body), interface="org.freedesktop.DBus.Properties").error_name,
                         "org.freedesktop.DBus.Error.PropertyReadOnly")
        self.assertEqual(c.call("GetAll", "org.freedesktop.DBus",
                                interface="org.freedesktop.DBus.Properties").type, METHOD_RETURN)
        self.assertEqual(c.call("UpdateActivationEnvironment", raw=("a{ss}", bytes(8))).type, METHOD_RETURN)
        self.assertEqual(c.call("StartServiceByName", "org.freedesktop.DBus", 0).args, [2])
        self.assertEqual(c.call("GetConnectionSELinuxSecurityContext", c.unique_name).error_name,
                         "org.freedesktop.DBus.Error.SELinuxSecurityContextUnknown")
        self.assertEqual(c.call("Ping", interface="org.freedesktop.DBus.Peer").type, METHOD_RETURN)
        self.assertEqual(c.call("Frobnicate", interface="com.example.Nope").error_name,
                         "org.freedesktop.DBus.Error.UnknownInterface")
        self.assertEqual(c.call("ReloadConfig").type, METHOD_RETURN)

    def test_fds_to_a_peer_that_cannot_take_them(self):
        tx = Client(self.bus.socket, hello=False, auth=False)
        self.addCleanup(tx.close)
        rx = self.client()  # did not negotiate fds
        tx.sock.sendall(b"\0AUTH EXTERNAL " + str(os.getuid()).encode().hex().encode() + b"\r\n")
        self.assertTrue(tx.read_line().startswith("OK"))
        tx.sock.sendall(b"NEGOTIATE_UNIX_FD\r\n")
        self.assertEqual(tx.read_line(), "AGREE_UNIX_FD")
        tx.sock.sendall(b"BEGIN\r\n")
        tx.unique_name = tx.call("Hello").args[0]
        r, w = os.pipe()
        msg = rawdbus.build(METHOD_CALL, 50, path="/o", interface="com.example.I", member="TakeFd",
                            destination=rx.unique_name, unix_fds=1, raw_body=b"\0\0\0\0", signature="h")
        tx.sock.sendmsg([msg], [(socket.SOL_SOCKET, socket.SCM_RIGHTS, struct.pack("i", r))])
        os.close(r)
        os.close(w)
        while True:
            m = tx.receive()
            if m.reply_serial == 50:
                break
        self.assertEqual(m.error_name, "org.freedesktop.DBus.Error.NotSupported")


if __name__ == "__main__":
    unittest.main()
