#!/usr/bin/env python3
"""Throughput of 1, 2 and 3 `trent serve` nodes on one PostgreSQL (issue 8's benchmark).

Starts a throwaway PostgreSQL on loopback (scripts/start-test-postgres.sh), then for each node count
a fresh schema and that many nodes sharing it (the same root key, as in production), and runs the
shared load harness (../shared/bench/kms-load, or --bench) against every node at once, the total
concurrency split over them, as a load balancer would. Prints one table row per operation and node
count, the sum of the nodes' throughput. Everything — nodes, PostgreSQL, load generator — shares
this machine's cores: on a 2-core machine that, not the design, is what limits more nodes.

    scripts/bench-nodes.py --trent .build/release/trent --nodes 1,2,3 --mix encrypt,decrypt,describe-key
"""
import argparse
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(port, proc, log):
    deadline = time.time() + 60
    while time.time() < deadline:
        if proc.poll() is not None:
            sys.exit(f"trent serve exited: {open(log).read()}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    sys.exit("trent serve did not start")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--trent", default=os.path.join(ROOT, ".build", "release", "trent"))
    ap.add_argument("--bench", default=os.path.join(ROOT, "..", "shared", "bench", "kms-load"))
    ap.add_argument("--nodes", default="1,2,3")
    ap.add_argument("--mix", default="encrypt,decrypt,generate-data-key,describe-key")
    ap.add_argument("--concurrency", type=int, default=8, help="total connections, split over the nodes")
    ap.add_argument("--duration", type=int, default=10)
    ap.add_argument("--connections", type=int, default=16, help="--store-connections of each node")
    ap.add_argument("--sslmode", default="disable", help="TLS to PostgreSQL (default disable: it is on loopback)")
    args = ap.parse_args()

    url = subprocess.run([os.path.join(ROOT, "scripts", "start-test-postgres.sh")], check=True, capture_output=True, text=True)
    base_url = next(line for line in url.stdout.splitlines() if "TRENT_TEST_POSTGRES_URL=" in line).split("=", 1)[1]
    work = tempfile.mkdtemp(prefix="trent-bench-nodes-")
    rows = []
    try:
        for count in [int(n) for n in args.nodes.split(",")]:
            schema = f"bench_{count}_{int(time.time())}"
            store = f"{base_url}?schema={schema}&sslmode={args.sslmode}"
            audit = os.path.join(work, f"audit-{count}")
            nodes = []
            for i in range(count):
                data = os.path.join(work, f"n{count}-{i}")
                os.makedirs(data, mode=0o700)
                if nodes:
                    for name in ("root.key", "audit-signing.key", "credentials.json"):
                        shutil.copy2(os.path.join(nodes[0]["data"], name), os.path.join(data, name))
                port = free_port()
                log = data + ".log"
                proc = subprocess.Popen([args.trent, "serve", "--port", str(port), "--data-dir", data, "--store", store,
                                         "--audit-dir", audit, "--store-connections", str(args.connections)],
                                        stdout=open(log, "w"), stderr=subprocess.STDOUT)
                wait_for(port, proc, log)
                nodes.append({"data": data, "port": port, "proc": proc})
            credentials = json.load(open(os.path.join(nodes[0]["data"], "credentials.json")))
            admin = next(iter(credentials["accounts"].values()))["users"]["admin"]["accessKeys"][0]
            per_node = max(1, args.concurrency // count)
            runs = []
            for node in nodes:
                jsonl = os.path.join(work, f"runs-{count}-{node['port']}.jsonl")
                runs.append((jsonl, subprocess.Popen(
                    [sys.executable, args.bench, "--endpoint", f"http://127.0.0.1:{node['port']}", "--mix", args.mix, "--each",
                     "--concurrency", str(per_node), "--duration", str(args.duration), "--server-pid", str(node["proc"].pid),
                     "--access-key", admin["accessKeyId"], "--secret-key", admin["secretAccessKey"], "--jsonl", jsonl],
                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)))
            for _, proc in runs:
                proc.wait()
            totals = {}
            for jsonl, _ in runs:
                for line in open(jsonl):
                    run = json.loads(line)
                    entry = totals.setdefault(run["mix"], {"throughput": 0.0, "errors": 0, "p50": []})
                    entry["throughput"] += run["throughput"]
                    entry["errors"] += run.get("errors", 0)
                    entry["p50"].append(run.get("p50_ms"))
            for op, entry in totals.items():
                rows.append((op, count, entry["throughput"], entry["errors"], entry["p50"]))
            for node in nodes:
                node["proc"].terminate()
                node["proc"].wait()
    finally:
        shutil.rmtree(work, ignore_errors=True)

    print(f"{'operation':<20} {'nodes':>5} {'req/s (sum)':>12} {'errors':>7}  p50 ms per node")
    for op, count, throughput, errors, p50 in sorted(rows):
        print(f"{op:<20} {count:>5} {throughput:>12.0f} {errors:>7}  {p50}")


if __name__ == "__main__":
    main()
