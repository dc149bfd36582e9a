#!/usr/bin/env python3
"""Puts kdrsim's trials beside the real repetitions of a reality case.

  compare.py csv OUTCOMES.jsonl             -> trials.csv (kdrsim's columns)
  compare.py table KDRSIM_TRIALS.csv REAL_TRIALS.csv [--check SPEC...]

SPEC is metric:kind:value, checked against the real repetitions:
  acked_lost_records:eq:0         every real repetition has exactly 0
  max_write_outage_ms:within:3000 every real value is within 3000 of kdrsim's median
  max_write_outage_ms:ratio:0.5   every real value is within 50% of kdrsim's median
Exit 1 if a check fails.
"""
import csv, json, statistics, sys

METRICS = ["acked_lost_records", "rpo_ms", "write_unavailable_ms", "max_write_outage_ms",
           "read_unavailable_ms", "max_read_outage_ms", "duplicates_delivered", "skipped_records",
           "failed_sends", "producer_down_ms", "cross_dc_bytes", "ack_latency_p99_us"]


def to_csv(path, scenario="reality"):
    w = csv.writer(sys.stdout, lineterminator="\n")
    w.writerow(["scenario", "seed", "trial"] + METRICS)
    for i, line in enumerate(open(path)):
        if line.strip():
            o = json.loads(line)
            w.writerow([scenario, 0, i] + [o[m] for m in METRICS])


def load(path):
    rows = list(csv.DictReader(open(path)))
    return {m: [int(r[m]) for r in rows] for m in METRICS}


def q(xs, p):
    s = sorted(xs)
    return s[min(len(s) - 1, max(0, int(round(p * (len(s) - 1)))))]


def table(kpath, rpath, checks):
    k, r = load(kpath), load(rpath)
    print(f"kdrsim trials: {len(k[METRICS[0]])}, real repetitions: {len(r[METRICS[0]])}")
    print(f"{'metric':22} | {'kdrsim p50':>10} | {'kdrsim p1..p99':>19} | {'real median':>11} | {'real min..max':>19}")
    for m in METRICS:
        print(f"{m:22} | {statistics.median(k[m]):>10.0f} | {q(k[m],0.01):>8}..{q(k[m],0.99):<9} | "
              f"{statistics.median(r[m]):>11.0f} | {min(r[m]):>8}..{max(r[m]):<9}")
    ok = True
    for spec in checks:
        m, kind, v = spec.split(":")
        v = float(v)
        med = statistics.median(k[m])
        for x in r[m]:
            good = {"eq": x == v, "within": abs(x - med) <= v, "ratio": abs(x - med) <= v * max(med, 1)}[kind]
            if not good:
                print(f"check failed: {m} {kind} {v:g}: real {x} vs kdrsim median {med:.0f}")
                ok = False
        if ok:
            print(f"check ok: {spec} (kdrsim median {med:.0f}, real {r[m]})")
    return ok


if __name__ == "__main__":
    if sys.argv[1] == "csv":
        to_csv(sys.argv[2])
    elif sys.argv[1] == "table":
        checks = sys.argv[sys.argv.index("--check") + 1:] if "--check" in sys.argv else []
        sys.exit(0 if table(sys.argv[2], sys.argv[3], checks) else 1)
