#!/usr/bin/env python3
"""The pass/fail verdicts of scripts/bench.sh --decay and scripts/resilience.sh.

One pure function per verdict: parsed inputs in (loadgen's JSON report as a
dict, counts as ints), the result dict out, with its "ok" (resilience) or
"met" (decay) verdict. The CLI reads the files the scripts wrote, writes the
result next to them and prints it:

  bench_verdicts.py decay OUT ROWS
      OUT/decay-run.json -> OUT/decay.json
  bench_verdicts.py resilience-pg OUT CODE PROBE_MS CODE2 ROUTE_MS DONE UNFINISHED
      OUT/resilience-pg-load.json -> OUT/resilience-pg.json
  bench_verdicts.py resilience-redis OUT DONE UNFINISHED
      OUT/resilience-redis-load.json -> OUT/resilience-redis.json
  bench_verdicts.py resilience-soak OUT DONE UNFINISHED TASKS
      OUT/resilience-soak-load.json, OUT/resilience-soak-rss.csv -> OUT/resilience-soak.json
  bench_verdicts.py resilience-rpm OUT STATS_JSON
      OUT/resilience-rpm-load.json -> OUT/resilience-rpm.json

Tests: scripts/test_bench_verdicts.py.
"""
import json
import sys

# The long run compares the throughput of its first and its last tenth.
DECAY_SHARE = 10


def decay(run, rows):
    """The long run (loadgen report `run`, `rows` queue rows left at the end):
    met when its last tenth of jobs ran at least 90 % as fast as its first
    tenth (100,000 jobs: the first and the last 10,000)."""
    cum = 0
    total = run["completed"] + run["failed"]
    window = max(1, total // DECAY_SHARE)
    marks = {}
    for b in run["timeline"]:
        before = cum
        cum += b["completed"] + b["failed"]
        for name, target in (("first", window), ("lastStart", total - window)):
            if name not in marks and cum >= target:
                # interpolate within the second
                frac = (target - before) / max(1, cum - before)
                marks[name] = b["t"] + frac
    end = run["durationSecs"]
    first_rate = window / max(1e-9, marks["first"])
    last_rate = window / max(1e-9, end - marks["lastStart"])
    return {"jobs": run["jobs"], "completed": run["completed"], "lost": run["lost"], "window": window,
            "throughputFirstTenthJobsPerSec": round(first_rate, 1),
            "throughputLastTenthJobsPerSec": round(last_rate, 1),
            "lastVsFirst": round(last_rate / first_rate, 3), "queueRowsAtEnd": rows,
            "met": last_rate >= 0.9 * first_rate and run["lost"] == 0}  # no decay, and nothing lost


def resilience_pg(lg, code, probe_ms, code2, route_ms, done, unfinished):
    """PostgreSQL restarted mid-load: /readyz (`code` in `probe_ms`) and a
    database route (`code2` in `route_ms`) answered 503 within 5 s while it
    was down, and no job was lost or left unfinished."""
    r = {"scenario": "postgres restarted mid-load", "readyzWhileDown": {"status": int(code), "ms": int(probe_ms)},
         "routeWhileDown": {"status": int(code2), "ms": int(route_ms)},
         "accepted": lg["completed"] + lg["failed"] + lg["lost"], "completed": lg["completed"], "failed": lg["failed"],
         "lostByLoadgen": lg["lost"], "submitErrors": lg["submitErrors"], "httpStatuses": lg["httpStatuses"],
         "aiJobsFinal": int(done), "aiJobsUnfinished": int(unfinished)}
    r["ok"] = r["readyzWhileDown"]["status"] == 503 and r["readyzWhileDown"]["ms"] < 5000 \
        and r["routeWhileDown"]["status"] == 503 and r["routeWhileDown"]["ms"] < 5000 \
        and r["aiJobsUnfinished"] == 0 and r["lostByLoadgen"] == 0
    return r


def resilience_redis(lg, done, unfinished):
    """Redis restarted mid-load: no job lost or unfinished, no submission refused."""
    r = {"scenario": "redis restarted mid-load", "completed": lg["completed"], "failed": lg["failed"],
         "lostByLoadgen": lg["lost"], "submitErrors": lg["submitErrors"], "httpStatuses": lg["httpStatuses"],
         "e2eMs": lg["e2eMs"], "aiJobsFinal": int(done), "aiJobsUnfinished": int(unfinished)}
    r["ok"] = r["lostByLoadgen"] == 0 and r["aiJobsUnfinished"] == 0 and r["submitErrors"] == 0
    return r


def parse_rss_csv(text):
    """The soak's RSS samples: lines `secs,apiKb,worker1Kb,worker2Kb`."""
    return [list(map(int, line.split(","))) for line in text.splitlines() if line.strip()]


def resilience_soak(lg, rss_rows, done, unfinished, tasks):
    """The soak (`rss_rows` from parse_rss_csv): no job lost or unfinished,
    and no process's RSS grew by 20 MB or more from the first tenth of the
    run to the last."""
    def mb(kb):
        return round(kb / 1024, 1)
    rows = rss_rows
    n = max(1, len(rows) // 10)
    first, last = rows[:n], rows[-n:]
    rss = {p: {"firstTenthMb": mb(max(r[i] for r in first)), "lastTenthMb": mb(max(r[i] for r in last)),
               "peakMb": mb(max(r[i] for r in rows))} for p, i in (("api", 1), ("worker1", 2), ("worker2", 3))}
    tl = [b for b in lg["timeline"] if b["completed"] or b["failed"]]
    k = max(1, len(tl) // 10)
    r = {"scenario": "soak with 5% provider errors", "durationSecs": lg["durationSecs"], "completed": lg["completed"],
         "failed": lg["failed"], "lostByLoadgen": lg["lost"], "throughputJobsPerSec": lg["throughputJobsPerSec"],
         "e2eMs": lg["e2eMs"], "rss": rss, "queueRowsLeft": int(tasks),
         "throughputFirstTenth": round(sum(b["completed"] + b["failed"] for b in tl[:k]) / k, 1),
         "throughputLastTenth": round(sum(b["completed"] + b["failed"] for b in tl[-k:]) / k, 1),
         "aiJobsFinal": int(done), "aiJobsUnfinished": int(unfinished)}
    growth = max(v["lastTenthMb"] - v["firstTenthMb"] for v in rss.values())
    r["rssGrowthMb"] = round(growth, 1)
    r["ok"] = r["lostByLoadgen"] == 0 and r["aiJobsUnfinished"] == 0 and growth < 20
    return r


def resilience_rpm(lg, stats):
    """4 workers against a provider limited to 60 requests/min (`stats`:
    llm-sim's /sim/stats): at most two 429s, nothing failed or lost, and
    50 to 61 jobs per minute."""
    per_min = round((lg["completed"] + lg["failed"]) / (lg["durationSecs"] / 60), 1)
    r = {"scenario": "4 workers, provider limited to 60 requests/min", "workers": 4, "deepseekRpm": 58,
         "completed": lg["completed"], "failed": lg["failed"], "lostByLoadgen": lg["lost"],
         "providerRequests": stats["chatRequests"], "provider429s": stats["status429"],
         "jobsPerMinute": per_min, "durationSecs": lg["durationSecs"], "e2eMs": lg["e2eMs"]}
    r["ok"] = r["provider429s"] <= 2 and r["failed"] == 0 and r["lostByLoadgen"] == 0 and 50 <= per_min <= 61
    return r


def _load(path):
    with open(path) as f:
        return json.load(f)


def _emit(r, path):
    with open(path, "w") as f:
        json.dump(r, f, indent=2)
    print(json.dumps(r, indent=2))


def _read(path):
    with open(path) as f:
        return f.read()


# verb: (arguments after OUT, function of (out, *args) -> (result, file name))
VERBS = {
    "decay": (["ROWS"], lambda out, rows: (decay(_load(f"{out}/decay-run.json"), int(rows)), "decay.json")),
    "resilience-pg": (["CODE", "PROBE_MS", "CODE2", "ROUTE_MS", "DONE", "UNFINISHED"],
                      lambda out, *a: (resilience_pg(_load(f"{out}/resilience-pg-load.json"), *a),
                                       "resilience-pg.json")),
    "resilience-redis": (["DONE", "UNFINISHED"],
                         lambda out, *a: (resilience_redis(_load(f"{out}/resilience-redis-load.json"), *a),
                                          "resilience-redis.json")),
    "resilience-soak": (["DONE", "UNFINISHED", "TASKS"],
                        lambda out, *a: (resilience_soak(_load(f"{out}/resilience-soak-load.json"),
                                                         parse_rss_csv(_read(f"{out}/resilience-soak-rss.csv")), *a),
                                         "resilience-soak.json")),
    "resilience-rpm": (["STATS_JSON"],
                       lambda out, stats: (resilience_rpm(_load(f"{out}/resilience-rpm-load.json"),
                                                          json.loads(stats)), "resilience-rpm.json")),
}


def main(argv):
    def usage():
        lines = [f"  {sys.argv[0]} {verb} OUT {' '.join(args)}" for verb, (args, _) in VERBS.items()]
        print("usage:\n" + "\n".join(lines), file=sys.stderr)
        return 2
    if not argv or argv[0] not in VERBS:
        return usage()
    args, run = VERBS[argv[0]]
    if len(argv) != 2 + len(args):
        return usage()
    out = argv[1]
    r, name = run(out, *argv[2:])
    _emit(r, f"{out}/{name}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
