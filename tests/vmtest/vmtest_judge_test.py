#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Host tests of tools/vmtest's verdicts: what passes, what fails, and what
a failure line names, for `run` and for `exec`. Nothing here boots a guest."""

import argparse
import contextlib
import importlib.machinery
import importlib.util
import io
import json
import sys
import tempfile
import unittest
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.dont_write_bytecode = True  # no __pycache__ in tools/vmtest
_loader = importlib.machinery.SourceFileLoader("vmtest", str(ROOT / "tools/vmtest/vmtest"))
_spec = importlib.util.spec_from_loader("vmtest", _loader)
vmtest = importlib.util.module_from_spec(_spec)
_loader.exec_module(vmtest)


def kselftest(name="c:prog", timeout=45, alone=False):
    return vmtest.Test(name, timeout, "/", "./prog", "kselftest", alone=alone)


def statuses(results):
    return [(r.status, r.name) for r in results]


class Tap(unittest.TestCase):
    def test_cases_pass_skip_fail(self):
        text = ("TAP version 13\n1..3\n# Starting 3 tests from 1 test cases.\n"
                "#  RUN           global.a ...\n#            OK  global.a\nok 1 global.a\n"
                "#  RUN           global.b ...\n# t.c:74:b:Expected 1 (1) == 2 (2)\n"
                "#            FAIL  global.b\nnot ok 2 global.b\n"
                "ok 3 global.c # SKIP no feature\n")
        results = vmtest.judge_tap(kselftest(), text, "1")
        self.assertEqual(statuses(results), [("pass", "c:prog: global.a"),
                                             ("fail", "c:prog: global.b"),
                                             ("skip", "c:prog: global.c")])
        self.assertIn("t.c:74", results[1].detail)

    def test_failure_names_its_own_assertion(self):
        # "global.a" begins "global.a_more": each failure keeps its own lines.
        text = ("TAP version 13\n1..2\n"
                "#  RUN           global.a ...\n# t.c:10:a:first\n"
                "#            FAIL  global.a\nnot ok 1 global.a\n"
                "#  RUN           global.a_more ...\n# t.c:20:a_more:second\n"
                "#            FAIL  global.a_more\nnot ok 2 global.a_more\n")
        results = vmtest.judge_tap(kselftest(), text, "1")
        self.assertIn("t.c:10", results[0].detail)
        self.assertNotIn("t.c:20", results[0].detail)
        self.assertIn("t.c:20", results[1].detail)
        self.assertNotIn("t.c:10", results[1].detail)

    def test_missing_cases_fail(self):
        results = vmtest.judge_tap(kselftest(), "1..3\nok 1 a\n", "0")
        self.assertEqual(results[-1].status, "fail")
        self.assertIn("1 of 3", results[-1].detail)

    def test_whole_program_skip_fails(self):
        results = vmtest.judge_tap(kselftest(), "1..0 # SKIP AF_BUS missing\n", "4")
        self.assertEqual(statuses(results), [("fail", "c:prog")])

    def test_timeout_fails(self):
        results = vmtest.judge_tap(kselftest(timeout=7), "1..2\nok 1 a\n", "timeout")
        self.assertEqual(results[-1].status, "fail")
        self.assertIn("timed out after 7 s", results[-1].detail)

    def test_nonzero_exit_without_failed_case_fails(self):
        results = vmtest.judge_tap(kselftest(), "1..1\nok 1 a\n", "139")
        self.assertEqual(results[-1], vmtest.Result("fail", "c:prog", "exit status 139"))


class Ktap(unittest.TestCase):
    def ktap(self, text):
        with tempfile.TemporaryDirectory() as d:
            path = Path(d) / "suite_x.ktap"
            path.write_text(text)
            return vmtest.judge_ktap(path)

    def test_cases(self):
        results = self.ktap("    # Subtest: suite_x\n    1..2\n    ok 1 one\n"
                            "    not ok 2 two\nnot ok 1 suite_x\n")
        self.assertEqual(statuses(results), [("pass", "kunit:suite_x: one"),
                                             ("fail", "kunit:suite_x: two")])

    def test_suite_not_ok_with_lost_case_lines_fails(self):
        results = self.ktap("    # Subtest: suite_x\n    1..2\n    ok 1 one\nnot ok 1 suite_x\n")
        self.assertIn(("fail", "kunit:suite_x"), statuses(results))


class KernelReports(unittest.TestCase):
    def judge(self, dmesg, log="1..1\nok 1 a\n"):
        with tempfile.TemporaryDirectory() as d:
            out = Path(d)
            (out / "c:prog.log").write_text(log)
            (out / "c:prog.dmesg").write_text(dmesg)
            return vmtest.judge(kselftest(), "c:prog", "0", out)

    def test_quiet_kernel_passes(self):
        self.assertEqual(statuses(self.judge("vmtest: running c:prog\n")),
                         [("pass", "c:prog: a")])

    def test_report_fails_and_names_the_program(self):
        results = self.judge("[ 1.0] WARNING: CPU: 0 PID: 1 at net/bus/af_bus.c:10\n")
        self.assertEqual(results[-1].status, "fail")
        self.assertEqual(results[-1].name, "c:prog (kernel log)")

    def test_report_beside_others_names_them(self):
        results = self.judge("vmtest: ran beside c:other gtest:x\n"
                             "[ 2.0] BUG: KASAN: slab-out-of-bounds in f+0x1\n")
        self.assertEqual(results[-1].status, "fail")
        self.assertEqual(results[-1].name,
                         "c:prog (kernel log; ran beside c:other gtest:x)")

    def test_banners_are_not_reports(self):
        self.assertEqual(vmtest.splats("kasan: KernelAddressSanitizer initialized\n"
                                       "Lock dependency validator: Copyright\n"), [])


class GoogleTest(unittest.TestCase):
    def test_report(self):
        report = {"testsuites": [{"name": "S", "testsuite": [
            {"name": "ok", "status": "RUN", "result": "COMPLETED"},
            {"name": "bad", "status": "RUN", "failures": [{"failure": "x.cpp:3\nExpected 1"}]},
            {"name": "skipped", "status": "RUN", "result": "SKIPPED"}]}]}
        with tempfile.TemporaryDirectory() as d:
            path = Path(d) / "r.json"
            path.write_text(json.dumps(report))
            test = vmtest.Test("gtest:t", 900, "/", "t", "gtest")
            results = vmtest.judge_gtest(test, path, "1")
        self.assertEqual(statuses(results), [("pass", "gtest:t: S.ok"),
                                             ("fail", "gtest:t: S.bad"),
                                             ("skip", "gtest:t: S.skipped")])

    def test_no_report_fails(self):
        test = vmtest.Test("gtest:t", 900, "/", "t", "gtest")
        results = vmtest.judge_gtest(test, Path("/nonexistent/r.json"), "134")
        self.assertEqual(statuses(results), [("fail", "gtest:t")])


class Schedule(unittest.TestCase):
    def test_alone_first_then_untimed_then_longest(self):
        tests = [kselftest("a:short"), kselftest("a:long"), kselftest("a:new"),
                 kselftest("a:solo", alone=True)]
        history = {"a:short": 3.0, "a:long": 90.0, "a:solo": 1.0}
        order = [t.name for t in vmtest.schedule(tests, history)]
        self.assertEqual(order, ["a:solo", "a:new", "a:long", "a:short"])

    def test_alone_programs(self):
        self.assertTrue(vmtest.ALONE.match("af_bus:af_bus_test"))
        self.assertFalse(vmtest.ALONE.match("af_bus:af_bus_delivery_test"))

    def test_durations_round_trip(self):
        with tempfile.TemporaryDirectory() as d:
            path = Path(d) / "durations.json"
            vmtest.save_durations(path, {"old": 5.0, "x": 1.0}, {"x": 2.26})
            self.assertEqual(vmtest.load_durations(path), {"old": 5.0, "x": 2.3})
            path.write_text("not json")
            self.assertEqual(vmtest.load_durations(path), {})


class Exec(unittest.TestCase):
    """`vmtest exec` end to end, with a fake guest that writes what
    guest-init would: its protocol lines and the files in the out share."""

    PASSING = ["VMTEST BEGIN exec", "VMTEST END exec 0",
               "VMTEST BEGIN kmemleak", "VMTEST END kmemleak 0", "VMTEST DONE"]
    LEAK = ("unreferenced object 0xffff888012345678 (size 64):\n"
            "  comm \"insmod\", pid 77, jiffies 4294911111 (age 8.1s)\n")
    SPLAT = "[ 5.0] BUG: KASAN: slab-use-after-free in nfdbus_hook+0x42/0x90\n"

    def exec(self, lines, files=None, finished=True, command=("true",)):
        """Runs cmd_exec against a fake guest; returns (exit status, stdout)."""
        with tempfile.TemporaryDirectory() as d:
            build = Path(d)
            files = files or {}

            class FakeGuest:
                def __init__(self, cmd, out, echo):
                    self.out = out
                    self.console_path = out / "console.log"

                def wait(self, deadline, on_line):
                    for name, text in files.items():
                        (self.out / name).write_text(text)
                    for line in lines:
                        on_line(line)
                    return finished

            saved = (vmtest.BUILD, vmtest.build_kernel, vmtest.qemu_command, vmtest.Guest)
            vmtest.BUILD = build
            vmtest.build_kernel = lambda variant, jobs: build / "obj"
            vmtest.qemu_command = lambda *a, **kw: (["qemu"], False)
            vmtest.Guest = FakeGuest
            args = argparse.Namespace(command=list(command), variant="debug", jobs=0,
                                      timeout=30, boot_timeout=60, memory="2G", smp=2)
            stdout, stderr = io.StringIO(), io.StringIO()
            try:
                with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
                    try:
                        rc = vmtest.cmd_exec(args)
                    except SystemExit as e:
                        rc = e.code
            finally:
                vmtest.BUILD, vmtest.build_kernel, vmtest.qemu_command, vmtest.Guest = saved
            return rc, stdout.getvalue() + stderr.getvalue()

    def test_passing_command_passes(self):
        rc, _ = self.exec(self.PASSING, {"exec.dmesg": "", "kmemleak.log": ""})
        self.assertEqual(rc, 0)

    def test_passing_command_on_base_passes(self):
        # The base kernel has no kmemleak: guest-init sends no kmemleak lines.
        rc, _ = self.exec(["VMTEST BEGIN exec", "VMTEST END exec 0", "VMTEST DONE"])
        self.assertEqual(rc, 0)

    def test_failing_command_fails_with_its_status(self):
        # kmemleak's END comes after the command's: it must not replace it.
        lines = list(self.PASSING)
        lines[1] = "VMTEST END exec 3"
        rc, text = self.exec(lines, {"kmemleak.log": ""}, command=("false",))
        self.assertEqual(rc, 3)
        self.assertIn("exited with status 3", text)

    def test_leak_fails_a_passing_command(self):
        lines = list(self.PASSING)
        lines[3] = "VMTEST END kmemleak 1"
        rc, text = self.exec(lines, {"kmemleak.log": self.LEAK})
        self.assertEqual(rc, 1)
        self.assertIn("1 leaked objects", text)
        self.assertIn("0xffff888012345678", text)

    def test_leak_in_the_report_fails_whatever_the_status(self):
        rc, _ = self.exec(self.PASSING, {"kmemleak.log": self.LEAK})
        self.assertEqual(rc, 1)

    def test_failed_scan_fails(self):
        lines = list(self.PASSING)
        lines[3] = "VMTEST END kmemleak 2"
        rc, text = self.exec(lines)
        self.assertEqual(rc, 1)
        self.assertIn("scan failed", text)

    def test_splat_during_the_command_fails(self):
        rc, text = self.exec(self.PASSING, {"exec.dmesg": self.SPLAT})
        self.assertEqual(rc, 1)
        self.assertIn("exec (kernel log)", text)
        self.assertIn("slab-use-after-free", text)

    def test_splat_at_boot_or_module_load_fails(self):
        for name in ("boot.dmesg", "modules.dmesg"):
            rc, text = self.exec(self.PASSING, {name: self.SPLAT})
            self.assertEqual(rc, 1, name)

    def test_timeout_fails(self):
        lines = list(self.PASSING)
        lines[1] = "VMTEST END exec timeout"
        rc, text = self.exec(lines)
        self.assertNotEqual(rc, 0)
        self.assertIn("timed out after 30 s", text)

    def test_guest_that_stops_before_done_fails(self):
        # A panic in the leak scan: the command passed, nothing else came.
        rc, text = self.exec(self.PASSING[:3], finished=False)
        self.assertNotEqual(rc, 0)

    def test_guest_that_never_ends_the_command_fails(self):
        rc, text = self.exec(["VMTEST BEGIN exec"], finished=False)
        self.assertEqual(rc, 2)
        self.assertIn("did not finish the command", text)


if __name__ == "__main__":
    sys.exit(unittest.main(verbosity=2))
