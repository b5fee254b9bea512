# SPDX-License-Identifier: LGPL-2.1-or-later
"""Bad input disconnects the client that sent it, and only that client:
garbage, auth nonsense, malformed, truncated and oversized messages, forged
replies and senders, and clients that flood without reading."""

import os
import socket
import struct
import time
import unittest

import rawdbus
from harness import BusTestCase
from rawdbus import METHOD_CALL, METHOD_RETURN, SIGNAL, Client


class Robustness(BusTestCase):
    # Small bounds so the flood tests reach them quickly.
    bus_args = ("--max-queued-bytes", "1048576", "--max-message-size", "1048576", "--auth-timeout", "500")

    def assert_serving(self):
        """The bus is up and answers another client."""
        self.assertTrue(self.bus.alive())
        c = Client(self.bus.socket)
        reply = c.call("GetId")
        self.assertEqual(len(reply.args[0]), 32)
        c.close()

    def raw(self):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.settimeout(20)
        s.connect(self.bus.socket)
        self.addCleanup(s.close)
        return s

    def test_garbage_before_auth(self):
        s = self.raw()
        s.sendall(os.urandom(4096).replace(b"\0", b"x"))  # no leading NUL byte
        self.assertEqual(s.recv(100), b"")
        self.assert_serving()

    def test_auth_nonsense(self):
        s = self.raw()
        s.sendall(b"\0AUTH BOGUS\r\n")
        self.assertTrue(s.recv(100).startswith(b"REJECTED EXTERNAL"))
        s.sendall(b"AUTH EXTERNAL " + b"99999".hex().encode() + b"\r\n")  # someone else's uid
        self.assertTrue(s.recv(100).startswith(b"REJECTED"))
        s.sendall(b"\xff\xfe not a command\r\n")
        self.assertTrue(s.recv(100).startswith(b"ERROR"))
        s.sendall(b"BEGIN\r\n")  # before OK
        self.assertEqual(s.recv(100), b"")
        self.assert_serving()

    def test_endless_auth_line(self):
        s = self.raw()
        s.sendall(b"\0AUTH ")
        try:
            for _ in range(64):
                s.sendall(b"A" * 1024)
        except (BrokenPipeError, ConnectionResetError):
            pass
        self.assertTrue(rawdbus.closed_by_peer(s))
        self.assert_serving()

    def test_silent_and_slow_clients_time_out(self):
        silent = self.raw()
        slow = self.raw()
        slow.sendall(b"\0AUTH EXTERNAL " + str(os.getuid()).encode().hex().encode() + b"\r\n")
        self.assertTrue(slow.recv(100).startswith(b"OK"))  # and never BEGIN
        start = time.monotonic()
        self.assertTrue(rawdbus.closed_by_peer(silent, timeout=10))
        self.assertTrue(rawdbus.closed_by_peer(slow, timeout=10))
        self.assertLess(time.monotonic() - start, 5)
        self.assert_serving()

    def test_garbage_after_auth(self):
        c = Client(self.bus.socket)
        c.sock.sendall(b"Q" + os.urandom(1000))  # not 'l' or 'B'
        self.assertTrue(c.closed_by_peer())
        self.assert_serving()

    def test_invalid_message_disconnects(self):
        c = Client(self.bus.socket)
        msg = bytearray(rawdbus.build(METHOD_CALL, 5, path="/a", member="M", destination="org.freedesktop.DBus"))
        msg[3] = 2  # protocol version
        c.sock.sendall(bytes(msg))
        self.assertTrue(c.closed_by_peer())
        self.assert_serving()

    def test_bad_utf8_member_disconnects(self):
        c = Client(self.bus.socket)
        msg = rawdbus.build(SIGNAL, 5, path="/a", interface="a.b", member="Mé")
        c.sock.sendall(msg)
        self.assertTrue(c.closed_by_peer())
        self.assert_serving()

    def test_truncated_message_then_hangup(self):
        c = Client(self.bus.socket)
        msg = rawdbus.build(METHOD_CALL, 5, body_args=("x" * 100,), path="/a", member="M", destination="a.b")
        c.sock.sendall(msg[: len(msg) // 2])
        c.close()
        self.assert_serving()

    def test_oversized_message_is_refused_from_its_header(self):
        c = Client(self.bus.socket)
        header = struct.pack("<cBBBIII", b"l", METHOD_CALL, 0, 1, 200 << 20, 5, 0)
        c.sock.sendall(header)
        self.assertTrue(c.closed_by_peer())
        c = Client(self.bus.socket)
        big = rawdbus.build(SIGNAL, 9, body_args=("y" * (2 << 20),), path="/a", interface="a.b", member="M")
        try:
            c.sock.sendall(big)  # over --max-message-size
        except (BrokenPipeError, ConnectionResetError):
            pass
        self.assertTrue(c.closed_by_peer())
        self.assert_serving()

    def test_message_before_hello(self):
        c = Client(self.bus.socket, hello=False)
        c.send(METHOD_CALL, path="/org/freedesktop/DBus", interface="org.freedesktop.DBus", member="GetId",
               destination="org.freedesktop.DBus")
        self.assertTrue(c.closed_by_peer())
        self.assert_serving()

    def test_second_hello_fails(self):
        c = Client(self.bus.socket)
        reply = c.call("Hello")
        self.assertEqual(reply.error_name, "org.freedesktop.DBus.Error.Failed")

    def test_sender_is_stamped(self):
        rx, tx = Client(self.bus.socket), Client(self.bus.socket)
        rx.call("AddMatch", "type='signal',interface='com.example.S'")
        tx.send(SIGNAL, path="/a", interface="com.example.S", member="Forged", sender="org.freedesktop.DBus",
                destination=rx.unique_name)
        m = rx.receive()
        self.assertEqual((m.member, m.sender), ("Forged", tx.unique_name))

    def test_unexpected_reply_is_dropped(self):
        victim, forger = Client(self.bus.socket), Client(self.bus.socket)
        forger.send(METHOD_RETURN, reply_serial=1, destination=victim.unique_name, body_args=("forged",))
        forger.send(METHOD_CALL, flags=rawdbus.NO_REPLY_EXPECTED, path="/a", interface="com.example.I",
                    member="Marker", destination=victim.unique_name)
        m = victim.receive()
        self.assertEqual((m.type, m.member), (METHOD_CALL, "Marker"))

    def test_reply_to_a_real_call_is_delivered_once(self):
        caller, callee = Client(self.bus.socket), Client(self.bus.socket)
        serial = caller.send(METHOD_CALL, path="/a", interface="com.example.I", member="Q",
                             destination=callee.unique_name)
        call = callee.receive()
        self.assertEqual(call.member, "Q")
        for _ in range(2):  # the second is unexpected
            callee.send(METHOD_RETURN, reply_serial=call.serial, destination=caller.unique_name,
                        body_args=("answer",))
        m = caller.receive()
        self.assertEqual((m.type, m.reply_serial, m.args), (METHOD_RETURN, serial, ["answer"]))
        caller.send(METHOD_CALL, flags=rawdbus.NO_REPLY_EXPECTED, path="/a", interface="com.example.I",
                    member="Marker", destination=caller.unique_name)
        self.assertEqual(caller.receive().member, "Marker")

    def test_subscriber_that_does_not_read_is_disconnected(self):
        sleeper = Client(self.bus.socket)
        sleeper.call("AddMatch", "type='signal',interface='com.example.Flood'")
        sleeper.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        watcher = Client(self.bus.socket)
        watcher.call("AddMatch", f"type='signal',member='NameOwnerChanged',arg0='{sleeper.unique_name}'")
        tx = Client(self.bus.socket)
        payload = "z" * 60000
        deadline = time.monotonic() + 20
        gone = None
        while gone is None and time.monotonic() < deadline:
            tx.send(SIGNAL, path="/a", interface="com.example.Flood", member="Data", body_args=(payload,))
            try:
                gone = watcher.receive(timeout=0.001)
            except TimeoutError:
                pass
        self.assertIsNotNone(gone, "the sleeper was never disconnected")
        self.assertEqual(gone.args, [sleeper.unique_name, sleeper.unique_name, ""])
        self.assertEqual(len(tx.call("GetId").args[0]), 32)  # the flooder itself is fine
        self.assert_serving()

    def test_caller_that_does_not_read_replies_is_disconnected(self):
        flooder = Client(self.bus.socket)
        call = rawdbus.build(METHOD_CALL, 7, path="/org/freedesktop/DBus", interface="org.freedesktop.DBus",
                             member="ListNames", destination="org.freedesktop.DBus")
        flooder.sock.settimeout(1)
        deadline = time.monotonic() + 30
        disconnected = False
        while not disconnected and time.monotonic() < deadline:
            try:
                flooder.sock.sendall(call * 256)
            except (BrokenPipeError, ConnectionResetError):
                disconnected = True
            except socket.timeout:
                # The bus stopped reading us only if it disconnected us.
                disconnected = flooder.closed_by_peer(timeout=5)
        self.assertTrue(disconnected)
        self.assert_serving()


if __name__ == "__main__":
    unittest.main()
