#!/usr/bin/env python3
"""Prints scripts/bench's results (.cache/bench/results.jsonl) as Markdown tables.

npsight's `classify` wall time is split into tokenise / encode / the rest (prepare, lexicon,
heads) by the shares its workers spent in each (CPU seconds, the encoder's batches in the
workers' wall time because libtorch has threads of its own; see src/timings.rs). The encode /
raw ORT ratio compares CPU seconds of the same padded batch shapes.
"""

import json
import os
import re
import sys


def cpu_seconds(r, logs):
    """User + system CPU seconds from the run's /usr/bin/time -v log."""
    if "cpu_s" in r:
        return r["cpu_s"]
    try:
        text = open(os.path.join(logs, f"{r['n']}-{r['config']}.log"), errors="replace").read()
    except OSError:
        return None
    u = re.search(r"User time \(seconds\): ([0-9.]+)", text)
    s = re.search(r"System time \(seconds\): ([0-9.]+)", text)
    return float(u.group(1)) + float(s.group(1)) if u and s else None


def stages(r):
    s = r.get("stages", {})
    if "prepare" in s:  # npsight
        c = s["classify"]
        parts = {k: s[k] for k in ("prepare", "lexicon", "tokenise", "heads")}
        parts["encode"] = s.get("encode_wall", s["encode"])
        tot = sum(parts.values())
        tok = c * parts["tokenise"] / tot if tot else 0.0
        enc = c * parts["encode"] / tot if tot else 0.0
        return {
            "load": s["load"], "read": s["read"], "tokenise": tok, "encode": enc,
            "classify": c - tok - enc, "statistics": s["statistics"],
            "report": s["write"] + s["report"],
        }
    if s:  # peer
        return {
            "load": s["import"] + s["load"], "read": s["read"], "tokenise": s["tokenise"],
            "encode": s["encode"], "classify": s["classify"], "statistics": s["statistics"],
            "report": s["report"],
        }
    return {}


def main():
    rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
    logs = os.path.join(os.path.dirname(sys.argv[1]) or ".", "logs")
    for r in rows:
        r["cpu_s"] = cpu_seconds(r, logs)
    peers = {(r["n"], r["threads"]): r for r in rows if r["config"].startswith("peer")}
    print("| N | configuration | threads | load avg | wall s | responses/s | CPU s per 1k responses | peak RSS MB | CPU | "
          "load | read | tokenise | encode | classify | statistics | report | non-encoder % of wall | "
          "throughput x peer | CPU cost / peer | RSS / peer | encode / raw ORT |")
    print("|--:|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|")
    for r in rows:
        st = stages(r)
        peer = peers.get((r["n"], r["threads"]))
        is_peer = r["config"].startswith("peer")
        thr = f"{peer['wall'] / r['wall']:.1f}x" if peer and not is_peer else ""
        rss = f"{r['rss_mb'] / peer['rss_mb']:.2f}" if peer and not is_peer else ""
        cost = ""
        if peer and not is_peer and r["cpu_s"] and peer["cpu_s"]:
            cost = f"{r['cpu_s'] / peer['cpu_s']:.2f}"
        raw = ""
        if r.get("raw") and r.get("stages", {}).get("encode"):
            raw = f"{r['stages']['encode'] / r['raw']['seconds']:.2f}"
        non_enc = ""
        if st and r["wall"]:
            non_enc = f"{100 * (1 - st['encode'] / r['wall']):.0f} %"
        cells = [
            f"{r['n']:,}", r["config"], str(r["threads"]), f"{r['load']:.2f}",
            f"{r['wall']:.1f}", f"{r['n'] / r['wall']:.0f}",
            f"{1000 * r['cpu_s'] / r['n']:.2f}" if r["cpu_s"] else "",
            f"{r['rss_mb']:.0f}", r["cpu"],
        ] + [f"{st[k]:.2f}" if st else "" for k in
             ("load", "read", "tokenise", "encode", "classify", "statistics", "report")] + [
            non_enc, thr, cost, rss, raw]
        print("| " + " | ".join(cells) + " |")
    print()
    print("Cost per response (ms of wall time):")
    print()
    by = {}
    for r in rows:
        by.setdefault((r["config"], r["threads"]), []).append(r)
    for (cfg, t), rs in sorted(by.items()):
        print(f"- {cfg} ({t} threads): " + ", ".join(
            f"N={r['n']:,}: {1000 * r['wall'] / r['n']:.2f}" for r in sorted(rs, key=lambda r: r["n"])))


if __name__ == "__main__":
    main()
