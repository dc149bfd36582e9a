#!/usr/bin/env python3
"""The side-by-side tables of docs/reality.md from docs/reality/CASE/.

  report.py DOCS_REALITY_DIR CASE...   -> markdown on stdout
For each case: kdrsim's median and p1..p99 over its 1,000 trials, the real
repetitions' median, min..max and every value.
"""
import csv, os, statistics, sys

KEY = ["acked_lost_records", "rpo_ms", "write_unavailable_ms", "max_write_outage_ms",
       "read_unavailable_ms", "max_read_outage_ms", "duplicates_delivered", "skipped_records",
       "failed_sends", "ack_latency_p99_us"]


def load(path):
    if not os.path.exists(path):
        return None
    rows = list(csv.DictReader(open(path)))
    return {m: [int(r[m]) for r in rows] for m in KEY} if rows else None


def q(xs, p):
    s = sorted(xs)
    return s[min(len(s) - 1, max(0, int(round(p * (len(s) - 1)))))]


def main(root, cases):
    for c in cases:
        r = load(os.path.join(root, c, "trials.csv"))
        k = load(os.path.join(root, c, "kdrsim", "trials.csv"))
        n = len(r[KEY[0]]) if r else 0
        print(f"#### {c}\n")
        print(f"Real repetitions: {n}" + (f"; kdrsim trials: {len(k[KEY[0]])}" if k else "; kdrsim: no scenario (see the text)") + "\n")
        if not r:
            print("(no completed real repetition)\n")
            continue
        print("| metric | kdrsim p50 | kdrsim p1..p99 | real median | real min..max | real values |")
        print("| --- | ---: | ---: | ---: | ---: | --- |")
        for m in KEY:
            kk = f"{statistics.median(k[m]):.0f} | {q(k[m], .01)}..{q(k[m], .99)}" if k else "- | -"
            print(f"| {m} | {kk} | {statistics.median(r[m]):.0f} | {min(r[m])}..{max(r[m])} | {' '.join(map(str, r[m]))} |")
        print()


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2:])
