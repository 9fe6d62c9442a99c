"""The benchmarks' CPU readings (bench/common.py) agree with Python's own clock of this
process, and a reading covers only the processes registered when the block began."""

import os
import sys
import time

import pytest

from bench.common import PROCESSES, cpu_seconds, cpu_used, registered

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
TICK = 1 / os.sysconf("SC_CLK_TCK")


def burn(seconds: float) -> None:
    until = time.process_time() + seconds
    while time.process_time() < until:
        pass


def test_a_reading_is_this_process_cpu():
    began_proc, began = time.process_time(), cpu_seconds(os.getpid())
    burn(0.2)
    assert cpu_seconds(os.getpid()) - began == pytest.approx(time.process_time() - began_proc, abs=2 * TICK)


def test_cpu_used_reads_each_registered_process_and_leaves_out_the_unreadable():
    with registered("gone", 2**22 + 12345), cpu_used() as used:  # no such process
        burn(0.1)
    assert set(used) == {"client"} and used["client"] == pytest.approx(0.1, abs=3 * TICK)
    assert "gone" not in PROCESSES


def test_a_name_stays_with_the_process_that_registered_it_first():
    with registered("api", os.getpid()):
        with registered("api", 1):  # a second server started inside the first
            assert PROCESSES["api"] == os.getpid()
        assert PROCESSES["api"] == os.getpid()  # the inner one's exit leaves it
    assert "api" not in PROCESSES
