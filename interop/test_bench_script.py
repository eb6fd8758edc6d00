"""`make bench`'s summary: ratios are the median of per-round ratios, as kms-compare takes them."""
import importlib.util
import os
import re
import shutil
import types

import pytest

from conftest import raw_call

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def load_bench():
    spec = importlib.util.spec_from_file_location("trent_bench", os.path.join(ROOT, "scripts", "bench.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def ok(throughput):
    return {"status": "ok", "ok": 10, "throughput": throughput, "p50_ms": 1.0, "p99_ms": 2.0, "errors": 0}


def test_ratios_are_paired_per_round():
    bench = load_bench()
    results = {"encrypt": {
        "trent": [ok(5593), ok(6419), ok(5420)],
        # A fast round of the yardstick paired with a slow one of Trent would skew the medians of throughputs.
        "yardstick": [ok(22158), ok(23741), ok(16396)],
        "moto": [ok(228), {"status": "unsupported", "reason": "no"}, ok(230)],
    }}
    summary = bench.summarize(results, ["trent", "moto", "yardstick"])["encrypt"]
    assert summary["yardstick"]["round_ratios"] == [0.2524, 0.2704, 0.3306]
    assert abs(summary["yardstick"]["ratio"] - 6419 / 23741) < 1e-9  # the middle round's ratio
    assert summary["moto"]["round_ratios"][1] is None  # a round the peer did not run has no ratio
    assert abs(summary["moto"]["ratio"] - (5593 / 228 + 5420 / 230) / 2) < 1e-9
    assert summary["trent"]["throughput"] == 5593


def test_openssl_rsa_rate_is_read_from_speed_output():
    bench = load_bench()
    text = """CPUINFO: OPENSSL_ia32cap=0xfffa32034f8bffff:0x1b415fdef1bf27eb
                  sign    verify    sign/s verify/s
rsa 2048 bits 0.000665s 0.000038s   1503.5  26528.6
"""
    assert bench.openssl_rsa_rate(text) == 1503.5
    assert bench.openssl_rsa_rate("no such line") is None


def test_the_floor_is_the_unsigned_call_trent_refuses_before_any_signature_work(server, tmp_path):
    """`make bench`'s floor line: wrk sends the script's request, Trent answers every one with
    MissingAuthenticationTokenException (no signature read, nothing audited), and the CPU per call
    comes from the server's own counters."""
    if not shutil.which("wrk"):
        pytest.skip("wrk is not installed")
    bench = load_bench()
    body = re.search(r"wrk.body = '(.*)'", bench.FLOOR_LUA).group(1).encode()
    target = re.search(r'"X-Amz-Target"\] = "(.*)"', bench.FLOOR_LUA).group(1)
    status, _, answer = raw_call(server, target, body, sign=False)
    assert (status, answer["__type"]) == (400, "MissingAuthenticationTokenException")
    args = types.SimpleNamespace(rounds=2, duration=1.0, concurrency=2, pause=0)
    floor = bench.floor_phase(args, types.SimpleNamespace(tmp=str(tmp_path)), [("trent", server.proc.pid, server.endpoint)])
    assert floor["trent"]["throughput"] > 100
    assert 0 < floor["trent"]["cpu_us_per_call"] < 10_000
