# SPDX-License-Identifier: LGPL-2.1-or-later
"""A deliberately small D-Bus client over a raw socket, for what real
clients will not do: garbage, truncated or oversized messages, forged
replies and SENDER fields, floods without reading. It marshals only the
header and bodies of strings and uint32s, little-endian."""

import os
import select
import socket
import struct
import time

METHOD_CALL, METHOD_RETURN, ERROR, SIGNAL = 1, 2, 3, 4
NO_REPLY_EXPECTED = 0x1
FIELDS = {"path": (1, "o"), "interface": (2, "s"), "member": (3, "s"), "error_name": (4, "s"),
          "reply_serial": (5, "u"), "destination": (6, "s"), "sender": (7, "s"), "signature": (8, "g"),
          "unix_fds": (9, "u")}
CODES = {code: (name, sig) for name, (code, sig) in FIELDS.items()}


def pad(buf, n):
    return buf + b"\0" * (-len(buf) % n)


def put_value(buf, sig, value):
    if sig in "so":
        data = value.encode()
        return pad(buf, 4) + struct.pack("<I", len(data)) + data + b"\0"
    if sig == "g":
        data = value.encode()
        return buf + struct.pack("<B", len(data)) + data + b"\0"
    if sig == "u":
        return pad(buf, 4) + struct.pack("<I", value)
    raise ValueError(sig)


def body_of(args):
    """(signature, bytes) of a body of str and int (as uint32) values."""
    sig, buf = "", b""
    for a in args:
        s = "s" if isinstance(a, str) else "u"
        sig += s
        buf = put_value(buf, s, a)
    return sig, buf


def build(mtype, serial, flags=0, body_args=(), raw_body=None, signature=None, **fields):
    sig, body = body_of(body_args)
    if raw_body is not None:
        body, sig = raw_body, signature or ""
    if sig:
        fields["signature"] = sig
    hdr = b""
    for name, value in fields.items():
        code, fsig = FIELDS[name]
        hdr = pad(hdr, 8) + struct.pack("<BB", code, 1) + fsig.encode() + b"\0"
        hdr = put_value(hdr, fsig, value)
    fixed = struct.pack("<cBBBIII", b"l", mtype, flags, 1, len(body), serial, len(hdr))
    return pad(fixed + hdr, 8) + body


def get_value(buf, pos, sig):
    if sig in "so":
        pos += -pos % 4
        (n,) = struct.unpack_from("<I", buf, pos)
        return buf[pos + 4:pos + 4 + n].decode(), pos + 5 + n
    if sig == "g":
        n = buf[pos]
        return buf[pos + 1:pos + 1 + n].decode(), pos + 2 + n
    if sig in "ub":
        pos += -pos % 4
        return struct.unpack_from("<I", buf, pos)[0], pos + 4
    raise ValueError(sig)


class Message:
    def __init__(self, raw):
        mtype, self.flags, _, blen, self.serial, flen = struct.unpack_from("<BBBIII", raw, 1)
        self.type = mtype
        self.fields = {}
        pos, end = 16, 16 + flen
        while pos < end:
            pos += -pos % 8
            code = raw[pos]
            vsig_len = raw[pos + 1]
            vsig = raw[pos + 2:pos + 2 + vsig_len].decode()
            pos += 3 + vsig_len
            value, pos = get_value(raw, pos, vsig)
            self.fields[CODES.get(code, (str(code), vsig))[0]] = value
        start = 16 + flen + (-(16 + flen) % 8)
        self.body_raw = raw[start:start + blen]
        self.args = []
        p = 0
        for s in self.fields.get("signature", ""):
            if s not in "sogub":
                break
            value, p = get_value(self.body_raw, p, s)
            self.args.append(value)

    def __getattr__(self, name):
        if name in FIELDS:
            return self.fields.get(name)
        raise AttributeError(name)

    def __repr__(self):
        return f"<type {self.type} {self.fields} {self.args}>"


class Client:
    """A raw connection; auth=False leaves SASL to the test."""

    def __init__(self, path, auth=True, hello=True):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(20)
        self.sock.connect(path)
        self.buf = b""
        self.serial = 0
        self.unique_name = None
        if auth:
            uid = str(os.getuid()).encode().hex()
            self.sock.sendall(b"\0AUTH EXTERNAL " + uid.encode() + b"\r\n")
            line = self.read_line()
            assert line.startswith("OK "), line
            self.sock.sendall(b"BEGIN\r\n")
        if auth and hello:
            reply = self.call("Hello")
            self.unique_name = reply.args[0]
            acquired = self.receive()  # the bus's NameAcquired follows the reply
            assert acquired.member == "NameAcquired", acquired

    def close(self):
        self.sock.close()

    def read_line(self):
        while b"\r\n" not in self.buf:
            chunk = self.sock.recv(4096)
            if not chunk:
                raise EOFError
            self.buf += chunk
        line, self.buf = self.buf.split(b"\r\n", 1)
        return line.decode()

    def next_serial(self):
        self.serial += 1
        return self.serial

    def send(self, mtype, **kw):
        serial = kw.pop("serial", None) or self.next_serial()
        self.sock.sendall(build(mtype, serial, **kw))
        return serial

    def call(self, member, *args, dest="org.freedesktop.DBus", path="/org/freedesktop/DBus",
             interface="org.freedesktop.DBus", raw=None):
        """A method call; returns its reply, keeping other messages in
        self.other. @raw: (signature, body bytes) instead of @args."""
        body = {"raw_body": raw[1], "signature": raw[0]} if raw else {"body_args": args}
        serial = self.send(METHOD_CALL, path=path, interface=interface, member=member, destination=dest, **body)
        self.other = []
        while True:
            m = self.receive()
            if m.type in (METHOD_RETURN, ERROR) and m.reply_serial == serial:
                return m
            self.other.append(m)

    def receive(self, timeout=20):
        deadline = time.monotonic() + timeout
        while True:
            if len(self.buf) >= 16:
                blen, _, flen = struct.unpack_from("<III", self.buf, 4)
                total = 16 + flen + (-(16 + flen) % 8) + blen
                if len(self.buf) >= total:
                    raw, self.buf = self.buf[:total], self.buf[total:]
                    return Message(raw)
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([self.sock], [], [], left)[0]:
                raise TimeoutError("no message")
            chunk = self.sock.recv(65536)
            if not chunk:
                raise EOFError
            self.buf += chunk

    def closed_by_peer(self, timeout=20):
        return closed_by_peer(self.sock, timeout)


def closed_by_peer(sock, timeout=20):
    """True once the bus has closed @sock (EOF or reset), reading and
    discarding what it sent before; False after @timeout seconds."""
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            if select.select([sock], [], [], max(0.0, deadline - time.monotonic()))[0]:
                if not sock.recv(65536):
                    return True
    except (ConnectionResetError, BrokenPipeError):
        return True
    return False
