#!/usr/bin/env python3
"""make bench: Trent side by side with the KMS emulators and a bare Hummingbird endpoint.

Starts, on loopback, a release `trent serve` (SQLite, fresh data directory), the yardstick
`trent-yardstick` (a bare Hummingbird endpoint: reads the body, answers a fixed JSON), and the
peers that are installed: moto's server (`moto_server`, PyPI `moto[server]`) and LocalStack's KMS
(localstack-core in its own venv, LOCALSTACK_PYTHON, run in host mode; skipped with a note otherwise).
Then, with the shared load harness (../shared/bench, `kmsbench.py`; BENCH_HARNESS overrides),
for each operation and round runs Trent, each peer and the yardstick one after the other
(closed loop, wrk, concurrency 8), and prints one table of medians and ratios, then the BYOK
cycle rate (on a second `trent serve` with a stock of --byok-stock RSA_2048 wrapping key pairs,
measured once the stock is full), GetParametersForImport latency per wrapping key spec and
Trent's memory. The last
line is the whole result as JSON (also written to --json FILE).

Ratios, not absolute numbers, are what compare across machines: all servers and the load
generator share this machine's cores.
"""
import argparse
import copy
import json
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
HARNESS = os.environ.get("BENCH_HARNESS") or os.path.join(os.path.dirname(ROOT), "shared", "bench")
sys.dont_write_bytecode = True
sys.path.insert(0, HARNESS)
try:
    import kmsbench as kb  # noqa: E402
except ImportError:
    kb = None  # main() says where it looked; the summary code is usable without it

OPS = ["encrypt", "decrypt", "generate-data-key", "generate-mac", "describe-key", "sign"]
# The targets: throughput ratios at concurrency 8.
TARGETS = {"localstack": 20.0, "moto": 40.0, "yardstick": 0.5}
SIGN_TARGET_LOCALSTACK = 10.0


def log(*a):
    print(*a, file=sys.stderr, flush=True)


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def wait_port(port, proc, seconds=60):
    deadline = time.time() + seconds
    while time.time() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"process {proc.args[0]} ended with {proc.returncode} before listening on {port}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"nothing listens on {port} after {seconds}s")


def rss_kb(pid, field="VmRSS"):
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except OSError:
        return None


class Servers:
    """Every process this run starts, stopped at the end whatever happens."""

    def __init__(self):
        self.procs = []
        self.tmp = tempfile.mkdtemp(prefix="trent-bench-")

    def start(self, cmd, port, env=None, log_name="log", cwd=None):
        out = open(os.path.join(self.tmp, log_name), "w")
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, env=env, start_new_session=True, cwd=cwd)
        self.procs.append(proc)
        wait_port(port, proc)
        return proc

    def stop(self):
        for proc in self.procs:
            if proc.poll() is None:
                try:
                    os.killpg(proc.pid, signal.SIGTERM)
                except ProcessLookupError:
                    pass
        for proc in self.procs:
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
        shutil.rmtree(self.tmp, ignore_errors=True)


def options(args, access_key="testing", secret_key="testing"):
    ap = argparse.ArgumentParser()
    kb.add_common_args(ap)
    o = ap.parse_args([])
    o.duration = args.duration
    o.access_key, o.secret_key = access_key, secret_key
    o.region = "us-east-1"
    o.import_keys = 400
    return o


def start_trent(servers, args, name="trent", pool=None):
    port = free_port()
    data = os.path.join(servers.tmp, f"{name}-data")
    cmd = [args.trent, "serve", "--data-dir", data, "--port", str(port), "--wrapping-key-pool", pool or str(args.wrapping_key_pool)]
    proc = servers.start(cmd, port, log_name=f"{name}.log")
    if name == "trent":
        args.trent_cmd, args.trent_port = cmd, port
    with open(os.path.join(data, "credentials.json")) as f:
        creds = json.load(f)
    account = next(iter(creds["accounts"].values()))
    key = account["users"]["admin"]["accessKeys"][0]
    return proc, f"http://127.0.0.1:{port}", key["accessKeyId"], key["secretAccessKey"]


def start_yardstick(servers, args):
    port = free_port()
    proc = servers.start([args.yardstick, str(port)], port, log_name="yardstick.log")
    return proc, f"http://127.0.0.1:{port}"


def start_moto(servers):
    exe = shutil.which("moto_server")
    if not exe:
        return None, None, "moto_server is not installed (pip install 'moto[server]')"
    port = free_port()
    proc = servers.start([exe, "-H", "127.0.0.1", "-p", str(port)], port, log_name="moto.log")
    return proc, f"http://127.0.0.1:{port}", None


def start_localstack(servers):
    """LocalStack's KMS in host mode: its runtime (`python -m localstack.runtime.main`) from the venv
    scripts/install-localstack.sh makes (LOCALSTACK_PYTHON), no Docker, no account (the CLI's
    `localstack start` now insists on an auth token)."""
    python = os.environ.get("LOCALSTACK_PYTHON") or os.path.join(ROOT, ".venv-localstack", "bin", "python")
    if not os.path.exists(python) or subprocess.run([python, "-c", "import localstack.aws.components"],
                                                    capture_output=True).returncode != 0:
        return None, None, "LocalStack is not installed here (scripts/install-localstack.sh; needs Python 3.13+)"
    port = free_port()
    home = os.path.join(servers.tmp, "localstack")
    os.makedirs(home, exist_ok=True)
    env = dict(os.environ, GATEWAY_LISTEN=f"127.0.0.1:{port}", SERVICES="kms", DISABLE_EVENTS="1",
               LOCALSTACK_VOLUME_DIR=home, TMPDIR=home)
    try:
        proc = servers.start([python, "-m", "localstack.runtime.main"], port, env=env, log_name="localstack.log", cwd=home)
    except SystemExit as e:
        return None, None, f"LocalStack did not start: {e}"
    return proc, f"http://127.0.0.1:{port}", None


def median(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def ratio(a, b):
    return a / b if a and b else None


def fmt(x, nd=1, suffix=""):
    if x is None:
        return "-"
    return f"{x:,.{nd}f}{suffix}"


def load_phase(args, targets):
    """targets: [(name, runner)]; returns {op: {name: [run, ...]}}."""
    results = {op: {name: [] for name, _ in targets} for op in args.ops}
    for rnd in range(1, args.rounds + 1):
        for op in args.ops:
            for name, runner in targets:
                if args.pause:
                    time.sleep(args.pause)
                run = runner.run({op: 1.0}, args.concurrency, args.duration)
                results[op][name].append(run)
                if run.get("status") == "ok":
                    srv = run.get("server") or {}
                    log(f"  round {rnd} {op:<18} {name:<10} {run['throughput']:>10.1f} req/s  p50 {run['p50_ms']} ms  "
                        f"srv {srv.get('cpu_us_per_op')} us/op  errors {run['errors']}")
                else:
                    log(f"  round {rnd} {op:<18} {name:<10} not run: {run.get('reason')}")
    return results


def summarize(results, names):
    rows, summary = [], {}
    for op, by_name in results.items():
        entry = {}
        for name in names:
            ok = [r for r in by_name.get(name, []) if r.get("status") == "ok" and r.get("ok")]
            entry[name] = {
                "throughput": median([r["throughput"] for r in ok]),
                "p50_ms": median([r["p50_ms"] for r in ok]),
                "p99_ms": median([r["p99_ms"] for r in ok]),
                "cpu_us_per_op": median([(r.get("server") or {}).get("cpu_us_per_op") for r in ok]),
                "peak_rss_kb": max([(r.get("server") or {}).get("peak_rss_kb") or 0 for r in ok] or [0]) or None,
                "errors": sum(r.get("errors", 0) for r in ok),
                "not_run": next((r.get("reason") for r in by_name.get(name, []) if r.get("status") != "ok"), None),
            }
        # Ratios as kms-compare takes them: per round (Trent's run and the peer's, seconds apart,
        # see the same machine), then the median of those; the medians of the throughputs alone
        # pair a fast moment of one with a slow moment of the other.
        for peer in ("moto", "localstack", "yardstick"):
            if peer in entry:
                pairs = [ratio(t.get("throughput") if t.get("status") == "ok" and t.get("ok") else None,
                               p.get("throughput") if p.get("status") == "ok" and p.get("ok") else None)
                         for t, p in zip(by_name.get("trent", []), by_name.get(peer, []))]
                entry[peer]["round_ratios"] = [round(x, 4) if x else None for x in pairs]
                entry[peer]["ratio"] = median(pairs)
        summary[op] = entry
    return summary


def table(summary, names):
    cols = ["op (c=8)", "Trent req/s", "p50 ms", "srv CPU us/op"]
    if "moto" in names:
        cols += ["moto req/s", "x moto"]
    if "localstack" in names:
        cols += ["LocalStack req/s", "x LocalStack"]
    cols += ["yardstick req/s", "% of yardstick"]
    rows = []
    for op, e in summary.items():
        t = e["trent"]
        row = [op, fmt(t["throughput"]), fmt(t["p50_ms"], 2), fmt(t["cpu_us_per_op"])]
        if "moto" in names:
            row += [fmt(e["moto"]["throughput"]), fmt(e["moto"].get("ratio"), 1, "x")]
        if "localstack" in names:
            row += [fmt(e["localstack"]["throughput"]), fmt(e["localstack"].get("ratio"), 1, "x")]
        y = e["yardstick"].get("ratio")
        row += [fmt(e["yardstick"]["throughput"]), fmt(y * 100 if y else None, 0, "%")]
        rows.append(row)
    return kb.table(rows, cols)


def cpu_ticks(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])  # utime + stime


def wait_until_idle(pid, limit_s=900):
    """Until the process uses under 5% of a core over 2 s (its wrapping key stock is full)."""
    hz = os.sysconf("SC_CLK_TCK")
    start = time.time()
    while time.time() - start < limit_s:
        before = cpu_ticks(pid)
        time.sleep(2)
        if cpu_ticks(pid) - before < 0.1 * hz:
            return time.time() - start
    return None


FLOOR_LUA = """wrk.method = "POST"
wrk.headers["Content-Type"] = "application/x-amz-json-1.1"
wrk.headers["X-Amz-Target"] = "TrentService.DescribeKey"
wrk.body = '{"KeyId":"alias/floor"}'
"""


def floor_phase(args, servers, targets):
    """What a call costs below any KMS work: the same unsigned DescribeKey (no Authorization
    header) sent to Trent, which answers MissingAuthenticationTokenException before reading a
    signature (nothing is audited), and to the yardstick. targets: [(name, pid, url)];
    returns {name: {"cpu_us_per_call", "throughput"}} (medians of the rounds), or None without wrk."""
    wrk = shutil.which("wrk")
    if not wrk:
        return None
    script = os.path.join(servers.tmp, "floor.lua")
    with open(script, "w") as f:
        f.write(FLOOR_LUA)
    hz = os.sysconf("SC_CLK_TCK")
    threads = str(max(1, min(os.cpu_count() or 1, args.concurrency)))
    runs = {name: [] for name, _, _ in targets}
    for _ in range(args.rounds):
        for name, pid, url in targets:
            if args.pause:
                time.sleep(args.pause)
            before = cpu_ticks(pid)
            out = subprocess.run([wrk, "-t", threads, "-c", str(args.concurrency), "-d", f"{args.duration:g}s", "-s", script, url + "/"],
                                 capture_output=True, text=True).stdout
            ticks = cpu_ticks(pid) - before
            done = re.search(r"(\d+) requests in ([0-9.]+)s", out)
            if not done or int(done.group(1)) == 0:
                continue
            calls, seconds = int(done.group(1)), float(done.group(2))
            runs[name].append((ticks / hz * 1e6 / calls, calls / seconds))
            log(f"  floor {name:<10} {calls / seconds:>10.1f} req/s  srv {ticks / hz * 1e6 / calls:.1f} us/call")
    return {name: {"cpu_us_per_call": median([r[0] for r in rs]), "throughput": median([r[1] for r in rs])} for name, rs in runs.items()}


def byok_phase(args, servers, main_pid, main_url, main_access_key, main_secret_key):
    """BYOK cycles per second (the harness's import scenario) against a server of its own with a
    stock of --byok-stock RSA_2048 pairs, waited for until full; then GetParametersForImport
    latency per wrapping key spec on the main server (--wrapping-key-pool), refilled before each."""
    import boto3

    pool = f"RSA_2048={args.byok_stock},RSA_3072={args.wrapping_key_pool},RSA_4096={args.wrapping_key_pool}"
    proc, trent_url, access_key, secret_key = start_trent(servers, args, name="trent-byok", pool=pool)
    log(f"trent serve for BYOK pid {proc.pid} at {trent_url}, --wrapping-key-pool {pool}: waiting for the stock")
    filled = wait_until_idle(proc.pid)
    log(f"stock ready after {fmt(filled, 0)} s")
    o = options(args, access_key, secret_key)
    o.import_keys = args.byok_stock
    runner = kb.Runner(trent_url, o, label="trent", server_pid=proc.pid)
    runner.prepare(["import"], args.concurrency)
    run = runner.run({"import": 1.0}, args.concurrency, args.duration, "python")
    os.killpg(proc.pid, signal.SIGTERM)  # it would refill its stock on both cores while the latencies below are timed
    proc.wait(timeout=60)
    client = boto3.client("kms", endpoint_url=main_url, region_name="us-east-1",
                          aws_access_key_id=main_access_key, aws_secret_access_key=main_secret_key)
    latency = {}
    for spec in ("RSA_2048", "RSA_3072", "RSA_4096"):
        wait_until_idle(main_pid)  # its pool is full again
        times = []
        for _ in range(args.wrapping_key_pool):
            key_id = client.create_key(Origin="EXTERNAL")["KeyMetadata"]["KeyId"]
            start = time.perf_counter()
            client.get_parameters_for_import(KeyId=key_id, WrappingAlgorithm="RSAES_OAEP_SHA_256", WrappingKeySpec=spec)
            times.append((time.perf_counter() - start) * 1000)
            time.sleep(0.05)
        latency[spec] = {"calls": len(times), "p50_ms": round(statistics.median(times), 2), "max_ms": round(max(times), 2)}
    return {"cycles_per_s": run.get("throughput"), "p50_ms": run.get("p50_ms"), "errors": run.get("errors"),
            "server_cpu_us_per_cycle": (run.get("server") or {}).get("cpu_us_per_op"), "stock": args.byok_stock,
            "stock_fill_s": filled, "get_parameters_for_import": latency}


def openssl_rsa_rate(text):
    """RSA-2048 signatures per second from `openssl speed rsa2048` output (with -multi: all processes)."""
    for line in text.splitlines():
        fields = line.split()
        if fields[:3] == ["rsa", "2048", "bits"] and len(fields) >= 7:
            return float(fields[5])
    return None


def rsa_phase(args, pid, url, access_key, secret_key):
    """RSA_2048 Sign (RSASSA_PSS_SHA_256) and Decrypt (RSAES_OAEP_SHA_256) at --concurrency, and
    OpenSSL's own rate of RSA-2048 private-key operations on every core (`openssl speed -multi`):
    how close Trent comes to the RSA maths itself (both are one private-key operation per call)."""
    import base64
    import random

    import boto3

    client = boto3.client("kms", endpoint_url=url, region_name="us-east-1",
                          aws_access_key_id=access_key, aws_secret_access_key=secret_key)
    sign_key = client.create_key(KeySpec="RSA_2048", KeyUsage="SIGN_VERIFY")["KeyMetadata"]["KeyId"]
    decrypt_key = client.create_key(KeySpec="RSA_2048", KeyUsage="ENCRYPT_DECRYPT")["KeyMetadata"]["KeyId"]
    rng = random.Random(2048)
    endpoint = kb.Endpoint(url)
    signer = kb.Signer(endpoint, "us-east-1", access_key, secret_key)

    def b64(data):
        return base64.b64encode(data).decode()

    ciphertexts = [client.encrypt(KeyId=decrypt_key, Plaintext=rng.randbytes(32), EncryptionAlgorithm="RSAES_OAEP_SHA_256")["CiphertextBlob"]
                   for _ in range(16)]
    requests = {
        "Sign": [signer.build("Sign", {"KeyId": sign_key, "Message": b64(rng.randbytes(32)), "MessageType": "RAW",
                                       "SigningAlgorithm": "RSASSA_PSS_SHA_256"}) for _ in range(64)],
        "Decrypt": [signer.build("Decrypt", {"KeyId": decrypt_key, "CiphertextBlob": b64(c), "EncryptionAlgorithm": "RSAES_OAEP_SHA_256"})
                    for c in ciphertexts],
    }
    hz = os.sysconf("SC_CLK_TCK")
    cores = os.cpu_count() or 1
    openssl = None
    if shutil.which("openssl"):
        speed = subprocess.run(["openssl", "speed", "-seconds", str(max(1, round(args.duration))), "-multi", str(cores), "rsa2048"],
                               capture_output=True, text=True)
        openssl = openssl_rsa_rate(speed.stdout)
    result = {"openssl_rsa2048_signs_per_s": openssl, "cores": cores}
    for name, pool in requests.items():
        before = cpu_ticks(pid)
        run = kb.run_wrk(endpoint, pool, args.concurrency, args.duration, 2, 10)
        cpu_s = (cpu_ticks(pid) - before) / hz
        result[name] = {"throughput": run["throughput"], "errors": run["errors"], "p50_ms": run["p50_ms"],
                        "server_cpu_us_per_call": round(cpu_s * 1e6 / max(1, run["ok"])),
                        "share_of_openssl": round(run["throughput"] / openssl, 3) if openssl else None}
    return result


def growth_phase(args, servers):
    """Cost as keys grow, on a server of its own: its store is filled straight (`trent
    unsafe-seed-keys`, stopped server) to 1,000 keys, 100,000 when --growth is above that, and
    --growth keys; at each size the server is started (time to listening), then measured quiet:
    Decrypt p50 over ciphertexts of 200 random keys, ListKeys page p50 (first, and deep), RSS; at
    100,000 keys also RSS under load. The server runs without its key cache (--key-cache-keys 0),
    so that every call reads the store: the cost that could grow with the number of keys."""
    import boto3
    import random
    import sqlite3

    port = free_port()
    data = os.path.join(servers.tmp, "trent-growth-data")
    cmd = [args.trent, "serve", "--data-dir", data, "--port", str(port), "--wrapping-key-pool", "0", "--key-cache-keys", "0"]
    proc = servers.start(cmd, port, log_name="trent-growth.log")
    with open(os.path.join(data, "credentials.json")) as f:
        account, entry = next(iter(json.load(f)["accounts"].items()))
    key = entry["users"]["admin"]["accessKeys"][0]
    access_key, secret_key = key["accessKeyId"], key["secretAccessKey"]

    def stop(p):
        os.killpg(p.pid, signal.SIGTERM)
        p.wait(timeout=120)

    def p50(calls):
        times = []
        for call in calls:
            start = time.perf_counter()
            call()
            times.append((time.perf_counter() - start) * 1000)
        return round(statistics.median(times), 2)

    stop(proc)
    have, sizes = 0, {}
    for size in sorted({1000, args.growth} | ({100_000} if args.growth > 100_000 else set())):
        started = time.time()
        subprocess.run([args.trent, "unsafe-seed-keys", "--data-dir", data, "--keys", str(size - have), "--account-id", account],
                       check=True, stdout=subprocess.DEVNULL)
        have = size
        log(f"growth: {size:,} keys in the store ({time.time() - started:.0f} s to add)")
        started = time.perf_counter()
        proc = servers.start(cmd, port, log_name=f"trent-growth-{size}.log")
        startup = round(time.perf_counter() - started, 2)
        wait_until_idle(proc.pid)
        with sqlite3.connect(os.path.join(data, "trent.sqlite")) as db:
            sample = [r[0] for r in db.execute("SELECT id FROM keys ORDER BY random() LIMIT 200")]
        client = boto3.client("kms", endpoint_url=f"http://127.0.0.1:{port}", region_name="us-east-1",
                              aws_access_key_id=access_key, aws_secret_access_key=secret_key)
        blobs = [client.encrypt(KeyId=k, Plaintext=b"growth")["CiphertextBlob"] for k in sample]
        random.shuffle(blobs)
        middle = client.list_keys(Limit=1000)["Keys"][-1]["KeyId"]
        numbers = {
            "startup_s": startup,
            "decrypt_p50_ms": p50([lambda b=b: client.decrypt(CiphertextBlob=b) for b in blobs * 2]),
            "list_keys_first_page_p50_ms": p50([lambda: client.list_keys(Limit=100)] * 100),
            "list_keys_deep_page_p50_ms": p50([lambda: client.list_keys(Limit=100, Marker=middle)] * 100),
            "rss_kib": rss_kb(proc.pid),
        }
        if size == 100_000 or (size == args.growth and args.growth <= 100_000):
            runner = kb.Runner(f"http://127.0.0.1:{port}", options(args, access_key, secret_key), label="trent", server_pid=proc.pid)
            runner.prepare(["encrypt", "decrypt"], args.concurrency)
            for op in ("encrypt", "decrypt"):
                runner.run({op: 1.0}, args.concurrency, args.duration, "auto")
            numbers["peak_rss_under_load_kib"] = rss_kb(proc.pid, "VmHWM")
        sizes[size] = numbers
        log(f"growth: {size:,} keys: {numbers}")
        stop(proc)
    return {"sizes": sizes, "keys": have}


def main():
    if kb is None:
        raise SystemExit(f"the load harness (kmsbench.py) is not in {HARNESS}; set BENCH_HARNESS")
    ap = argparse.ArgumentParser(prog="make bench", description=__doc__.split("\n\n")[0])
    ap.add_argument("--trent", default=os.path.join(ROOT, ".build", "release", "trent"))
    ap.add_argument("--yardstick", default=os.path.join(ROOT, ".build", "release", "trent-yardstick"))
    ap.add_argument("--ops", default=",".join(OPS))
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--duration", type=float, default=5.0, help="seconds per run (default 5)")
    ap.add_argument("--concurrency", type=int, default=8)
    ap.add_argument("--pause", type=float, default=0.5)
    ap.add_argument("--wrapping-key-pool", type=int, default=16, help="trent serve --wrapping-key-pool (default 16)")
    ap.add_argument("--byok-stock", type=int, default=2500, help="RSA_2048 pairs kept ready for the BYOK cycles (default 2500)")
    ap.add_argument("--no-peers", action="store_true", help="Trent and the yardstick only")
    ap.add_argument("--no-byok", action="store_true")
    ap.add_argument("--no-rsa", action="store_true", help="skip RSA_2048 Sign and Decrypt next to OpenSSL's own rate")
    ap.add_argument("--growth", type=int, default=0, help="also measure cost as keys grow to this many (off: 0)")
    ap.add_argument("--json", help="also write the result here")
    args = ap.parse_args()
    args.ops = [x for x in args.ops.split(",") if x]

    servers = Servers()
    notes = []
    try:
        trent_proc, trent_url, access_key, secret_key = start_trent(servers, args)
        wait_until_idle(trent_proc.pid)  # its wrapping key pool is full: no key generation during the runs
        idle_rss = rss_kb(trent_proc.pid)
        log(f"trent serve pid {trent_proc.pid} at {trent_url} (idle RSS {idle_rss} KiB)")
        yard_proc, yard_url = start_yardstick(servers, args)
        log(f"trent-yardstick pid {yard_proc.pid} at {yard_url}")
        targets = []
        trent = kb.Runner(trent_url, options(args, access_key, secret_key), label="trent", server_pid=trent_proc.pid)
        trent.prepare(args.ops, args.concurrency)
        targets.append(("trent", trent))
        if not args.no_peers:
            for name, starter in (("moto", start_moto), ("localstack", start_localstack)):
                proc, url, why = starter(servers)
                if proc is None:
                    notes.append(f"{name}: {why}")
                    log(f"{name}: {why}")
                    continue
                log(f"{name} pid {proc.pid} at {url}")
                runner = kb.Runner(url, options(args), label=name, server_pid=proc.pid)
                runner.prepare(args.ops, args.concurrency)
                targets.append((name, runner))
        yard = kb.Runner(yard_url, options(args), label="yardstick", server_pid=yard_proc.pid, fake=True)
        yard.prepare(args.ops, args.concurrency)
        targets.append(("yardstick", yard))
        names = [n for n, _ in targets]

        results = load_phase(args, targets)
        summary = summarize(results, names)
        floor = floor_phase(args, servers, [("trent", trent_proc.pid, trent_url), ("yardstick", yard_proc.pid, yard_url)])
        rsa = None if args.no_rsa else rsa_phase(args, trent_proc.pid, trent_url, access_key, secret_key)
        byok = None if args.no_byok else byok_phase(args, servers, trent_proc.pid, trent_url, access_key, secret_key)
        memory = {"idle_rss_kib": idle_rss, "peak_rss_under_load_kib": max(
            [e["trent"]["peak_rss_kb"] or 0 for e in summary.values()] or [0])}
        growth = growth_phase(args, servers) if args.growth else None
    finally:
        servers.stop()

    machine = kb.machine_info()
    print(f"Trent benchmark, {time.strftime('%Y-%m-%d')}, {machine.get('nproc')} cores ({machine.get('cpu_model')}), "
          f"{args.rounds} rounds of {args.duration:g}s per operation and server, concurrency {args.concurrency}, medians")
    print(table(summary, names))
    for note in notes:
        print(f"  note: {note}")
    targets_line = [f"x moto >= {TARGETS['moto']:g}", f"x LocalStack >= {TARGETS['localstack']:g} (sign {SIGN_TARGET_LOCALSTACK:g})",
                    f"yardstick >= {TARGETS['yardstick'] * 100:g}%"]
    print("targets: " + ", ".join(targets_line))
    if floor:
        print(f"floor (c={args.concurrency}, the same unsigned DescribeKey; Trent refuses it before any signature work, "
              f"audits nothing): Trent {fmt(floor['trent']['cpu_us_per_call'])} us CPU/call "
              f"({fmt(floor['trent']['throughput'])} req/s), yardstick {fmt(floor['yardstick']['cpu_us_per_call'])} us CPU/call "
              f"({fmt(floor['yardstick']['throughput'])} req/s)")
    if rsa:
        calls = ", ".join(f"{name} {fmt(rsa[name]['throughput'], 0)} req/s ({fmt(rsa[name]['server_cpu_us_per_call'], 0)} us CPU/call, "
                          f"{fmt((rsa[name]['share_of_openssl'] or 0) * 100, 0)}% of OpenSSL alone)" for name in ("Sign", "Decrypt"))
        print(f"RSA_2048 (c={args.concurrency}): {calls}; OpenSSL alone, {rsa['cores']} processes: "
              f"{fmt(rsa['openssl_rsa2048_signs_per_s'], 0)} private-key operations/s")
    if byok:
        gp = ", ".join(f"{k} p50 {v['p50_ms']} ms (max {v['max_ms']})" for k, v in byok["get_parameters_for_import"].items())
        print(f"BYOK cycle (GetParametersForImport RSA_2048, client wrap, ImportKeyMaterial): {fmt(byok['cycles_per_s'])} cycles/s, "
              f"errors {byok['errors']}, server CPU {fmt(byok['server_cpu_us_per_cycle'], 0)} us/cycle, from a stock of "
              f"{byok['stock']:,} RSA_2048 pairs (filled in {fmt(byok['stock_fill_s'], 0)} s)")
        print(f"GetParametersForImport with a pool of {args.wrapping_key_pool}: {gp}")
    print(f"memory: idle RSS {fmt((memory['idle_rss_kib'] or 0) / 1024)} MiB, peak under load "
          f"{fmt((memory['peak_rss_under_load_kib'] or 0) / 1024)} MiB")
    if growth:
        for size, n in growth["sizes"].items():
            under_load = n.get("peak_rss_under_load_kib")
            print(f"growth, {size:,} keys: start-up {n['startup_s']} s, Decrypt p50 {n['decrypt_p50_ms']} ms (200 random keys), "
                  f"ListKeys page p50 {n['list_keys_first_page_p50_ms']} ms (first) {n['list_keys_deep_page_p50_ms']} ms (deep), "
                  f"RSS {fmt((n['rss_kib'] or 0) / 1024)} MiB"
                  + (f", peak under load {fmt(under_load / 1024)} MiB" if under_load else ""))
    result = {"tool": "trent-bench", "date": time.strftime("%Y-%m-%d"), "machine": machine, "rounds": args.rounds,
              "duration_s": args.duration, "concurrency": args.concurrency, "summary": summary, "floor": floor, "rsa": rsa, "byok": byok,
              "memory": memory, "growth": growth, "notes": notes}
    if args.json:
        with open(args.json, "w") as f:
            json.dump(result, f, indent=1, default=str)
    print(json.dumps(result, default=str))


if __name__ == "__main__":
    main()
