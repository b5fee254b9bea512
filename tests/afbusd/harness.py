# SPDX-License-Identifier: LGPL-2.1-or-later
"""Test fixtures for afbusd: a bus per test on a private socket, and the
reference dbus-daemon on the same terms, so a test can run real clients
against either and compare."""

import os
import select
import shutil
import signal
import subprocess
import tempfile
import time
import unittest

AFBUSD = os.environ.get("AFBUSD", "")
TIMEOUT = 20  # seconds, for any one client command or wait


def wait_for(cond, timeout=TIMEOUT, what="condition"):
    """Polls @cond (for state only visible from outside, e.g. a name owned
    by another process); fails the test after @timeout seconds."""
    deadline = time.monotonic() + timeout
    delay = 0.005
    while time.monotonic() < deadline:
        value = cond()
        if value:
            return value
        time.sleep(delay)
        delay = min(delay * 2, 0.1)
    raise AssertionError(f"timed out waiting for {what}")


def read_line(stream, timeout):
    """One line from a pipe within @timeout seconds, or None."""
    deadline = time.monotonic() + timeout
    buf = b""
    fd = stream.fileno()
    while time.monotonic() < deadline:
        ready, _, _ = select.select([fd], [], [], max(0.0, deadline - time.monotonic()))
        if not ready:
            break
        chunk = os.read(fd, 1)
        if not chunk:
            break
        if chunk == b"\n":
            return buf.decode()
        buf += chunk
    return None


class Bus:
    """afbusd (or dbus-daemon with @reference) listening in a temp dir."""

    def __init__(self, reference=False, args=(), policy=None):
        self.reference = reference
        self.dir = tempfile.mkdtemp(prefix="afbusd-test-")
        self.socket = os.path.join(self.dir, "bus")
        self.log_path = os.path.join(self.dir, "stderr.log")
        if reference:
            conf = os.path.join(self.dir, "bus.conf")
            with open(conf, "w") as f:
                f.write(reference_config(f"unix:path={self.socket}"))
            cmd = ["dbus-daemon", f"--config-file={conf}", "--nofork", "--print-address=1"]
        else:
            cmd = [AFBUSD, "--address", f"unix:path={self.socket}", "--foreground", *args]
            if policy is not None:
                path = os.path.join(self.dir, "policy")
                with open(path, "w") as f:
                    f.write(policy)
                cmd += ["--policy", path]
        self.log = open(self.log_path, "wb")
        self.proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=self.log, stdin=subprocess.DEVNULL)
        self.address = read_line(self.proc.stdout, TIMEOUT)
        if not self.address:
            self.proc.kill()
            self.proc.wait()
            raise AssertionError(f"bus did not print its address: {self.stderr()}")
        self.env = dict(os.environ, DBUS_SESSION_BUS_ADDRESS=self.address)

    def stderr(self):
        with open(self.log_path, "rb") as f:
            return f.read().decode(errors="replace")

    def alive(self):
        return self.proc.poll() is None

    def run(self, *cmd, check=True, timeout=TIMEOUT, stdin=None):
        """Runs a client on this bus; returns (returncode, stdout, stderr)."""
        r = subprocess.run(list(cmd), env=self.env, capture_output=True, timeout=timeout, input=stdin)
        out, err = r.stdout.decode(errors="replace"), r.stderr.decode(errors="replace")
        if check and r.returncode != 0:
            raise AssertionError(f"{cmd} failed ({r.returncode}): {out} {err}")
        return r.returncode, out, err

    def spawn(self, *cmd):
        return subprocess.Popen(list(cmd), env=self.env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL)

    def stop(self):
        """SIGTERM: the bus must exit 0, without sanitizer reports."""
        rc = self.proc.poll()
        if rc is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                rc = self.proc.wait(TIMEOUT)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
                rc = "hung"
        self.proc.stdout.close()
        self.log.close()
        err = self.stderr()
        shutil.rmtree(self.dir, ignore_errors=True)
        return rc, err


def reference_config(listen):
    """The allow-all dbus-daemon configuration (the template
    tests/data/dbus-daemon.conf, located by CMake) listening on @listen."""
    path = os.environ.get("DBUS_DAEMON_CONFIG") or \
        os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "data", "dbus-daemon.conf")
    with open(path) as f:
        template = f.read()
    if "{listen}" not in template:
        raise AssertionError(f"{path} has no {{listen}} placeholder")
    return template.replace("{listen}", listen)


class BusTestCase(unittest.TestCase):
    """One afbusd per test; stopping it cleanly is part of every test."""

    bus_args = ()
    policy = None

    def setUp(self):
        if not AFBUSD:
            self.skipTest("AFBUSD is not set")
        self.bus = Bus(args=self.bus_args, policy=self.policy)
        self.children = []

    def spawn(self, *cmd):
        p = self.bus.spawn(*cmd)
        self.children.append(p)
        return p

    def tearDown(self):
        for p in self.children:
            if p.poll() is None:
                p.terminate()
            try:
                p.wait(TIMEOUT)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
            if p.stdout:
                p.stdout.close()
        rc, err = self.bus.stop()
        self.assertEqual(rc, 0, f"afbusd exit status; stderr: {err}")
        for bad in ("AddressSanitizer", "runtime error:", "LeakSanitizer"):
            self.assertNotIn(bad, err)

    def name_has_owner(self, name):
        _, out, _ = self.bus.run("dbus-send", "--session", "--print-reply", "--dest=org.freedesktop.DBus",
                                 "/org/freedesktop/DBus", "org.freedesktop.DBus.NameHasOwner", f"string:{name}")
        return "boolean true" in out

    def wait_name(self, name, owned=True):
        wait_for(lambda: self.name_has_owner(name) == owned, what=f"{name} owned={owned}")
