#!/usr/bin/env python3
"""Turns one run-benchmarks.sh run (the JSON under loadtest/results/<date>/) into a markdown
table: each figure beside its ratio to the baseline measured in the same run."""
import json
import os
import platform
import sys


def load(out, name):
    path = os.path.join(out, name + ".json")
    if not os.path.exists(path):
        return None
    with open(path) as f:
        return json.load(f)


def ms(us):
    return f"{us / 1000:.2f} ms"


def machine():
    model = "unknown CPU"
    try:
        with open("/proc/cpuinfo") as f:
            model = next(l.split(":", 1)[1].strip() for l in f if l.startswith("model name"))
    except (OSError, StopIteration):
        pass
    with open("/proc/meminfo") as f:
        mem = int(next(l.split()[1] for l in f if l.startswith("MemTotal"))) / 1024 / 1024
    return f"{os.cpu_count()} cores ({model}), {mem:.0f} GiB, {platform.system()} {platform.release()}"


def main():
    out, stamp, commands = sys.argv[1], sys.argv[2], sys.argv[3]
    rows = []
    off = load(out, "read-off")
    for tier in ["l1", "redis", "db", "off"]:
        r = load(out, "read-" + tier)
        if not r:
            continue
        ratio = f"{r['requests_per_sec'] / off['requests_per_sec']:.1f}× `--cache off`" if off else "-"
        rows.append((f"read /live, {tier}", f"{r['requests_per_sec']:.0f} req/s; p50 {ms(r['latency']['p50_us'])}, "
                     f"p99 {ms(r['latency']['p99_us'])}; status {r['status']}; X-Cache {r['x_cache']}", ratio))
    ing = load(out, "ingest")
    if ing:
        p = ing["post_latency"]
        rows.append(("ingest (POST /balls, Postgres+Redis)", f"{p['count']} POSTs; p50 {ms(p['p50_us'])}, "
                     f"p99 {ms(p['p99_us'])}, max {ms(p['max_us'])}", "-"))
    base = load(out, "fanout-ws-1000")
    for name in ["fanout-ws-1000", "fanout-ws-10000", "fanout-ws-19000", "fanout-sse-10000",
                 "fanout-two-nodes-10000", "burst-1000-to-10000"]:
        r = load(out, name)
        if not r:
            continue
        lat = r["latency"]
        per = r.get("node_cpu_us_per_msg")
        ratio = "-"
        if per and base and base.get("node_cpu_us_per_msg"):
            ratio = f"{per / base['node_cpu_us_per_msg']:.2f}× node CPU/msg of 1,000 WS"
        rows.append((name, f"{r['connected']}/{r['clients']} connected ({r['failed']} failed); "
                     f"{r['received']}/{r['expected']} received, {r.get('covered_by_resync', 0)} made good by "
                     f"{r['resyncs']} resync snapshots, {r['missing']} missing, "
                     f"{r['duplicated']} dup, {r['out_of_order']} out of order; latency p50 {ms(lat['p50_us'])}, "
                     f"p99 {ms(lat['p99_us'])}, p99.9 {ms(lat['p999_us'])}, max {ms(lat['max_us'])}; "
                     f"{r['delivered_per_sec']:.0f} msg/s; node {per} µs CPU/msg; "
                     f"connect p99 {ms(r['connect']['p99_us'])}", ratio))
    idle_base = None
    for c in ["10000", "19000"]:
        r = load(out, "idle-" + c)
        if not r:
            continue
        k = r.get("node_kib_per_connection")
        idle_base = idle_base or k
        ratio = f"{k / idle_base:.2f}× the 10,000 run" if k and idle_base else "-"
        rows.append((f"idle, {c} WS", f"{r['connected']} held; node RSS {r['node_rss_before_kib']} → "
                     f"{r['node_rss_after_kib']} KiB = {k} KiB/connection", ratio))
    print(f"\n### Crease benchmarks, {stamp}\n\nMachine: {machine()}; node(s) and generator as separate "
          "processes on the same machine.\n")
    print("| run | figures | ratio |\n|---|---|---|")
    for name, fig, ratio in rows:
        print(f"| {name} | {fig} | {ratio} |")
    print()
    with open(commands) as f:
        print(f.read())


main()
