#!/usr/bin/env python3
"""Assemble bench/bench-report.json and bench-report.md from the suite's step
reports (scripts/bench.sh writes them). Usage: bench_report.py OUT PROFILE QUICK,
bench_report.py --tracing OUT for step (h) alone, or bench_report.py --queue OUT
for the per-job cost run (bench.sh --queue)."""
import json
import os
import platform
import sys
from datetime import datetime, timezone

import glob
import statistics


def tracing_summary(out):
    """Step (h): job rate and CPU per job, tracing off vs export to an
    unreachable collector, over every run of each (medians)."""
    runs = {}
    for mode in ("off", "unreachable"):
        files = sorted(f for f in glob.glob(os.path.join(out, f"tracing-{mode}-*.json")) if not f.endswith("-cpu.json"))
        rates = [json.load(open(f))["throughputJobsPerSec"] for f in files]
        cpu = [json.load(open(f[: -len(".json")] + "-cpu.json"))["cpuMsPerJob"] for f in files]
        lost = sum(json.load(open(f))["lost"] for f in files)
        failed = sum(json.load(open(f))["failed"] for f in files)
        runs[mode] = {"jobsPerSec": rates, "cpuMsPerJob": cpu, "lost": lost, "failed": failed,
                      "medianJobsPerSec": round(statistics.median(rates), 1),
                      "medianCpuMsPerJob": round(statistics.median(cpu), 3)}
    off, on = runs["off"], runs["unreachable"]
    return {
        "off": off,
        "collectorUnreachable": on,
        "rateUnreachableVsOff": round(on["medianJobsPerSec"] / off["medianJobsPerSec"], 3),
        "cpuUnreachableVsOff": round(on["medianCpuMsPerJob"] / off["medianCpuMsPerJob"], 3),
    }


def queue_summary(out):
    """bench.sh --queue: per followed-by mode, jobs/s and what each job cost
    PostgreSQL (commits, tuples fetched), the queue table at the end, and the
    CPU seconds per job of each process."""
    drain = json.load(open(os.path.join(out, "queue-drain.json")))["tasksPerSec"]
    summary = {"bareQueueTasksPerSec": round(drain, 1)}
    for follow in ("sse", "sse-64", "poll"):
        if not os.path.exists(os.path.join(out, f"queue-{follow}.json")):
            continue  # sse-64: reports of runs before it existed
        run = json.load(open(os.path.join(out, f"queue-{follow}.json")))
        c = json.load(open(os.path.join(out, f"queue-{follow}-counters.json")))
        before, after, jobs = c["before"], c["after"], c["jobs"]
        per_job = lambda key: round((after[key] - before[key]) / jobs, 2)
        summary[follow] = {
            "concurrency": c.get("concurrency"),
            "jobsPerSec": round(run["throughputJobsPerSec"], 1),
            "vsBareQueue": round(run["throughputJobsPerSec"] / drain, 3) if drain else None,
            "lost": run["lost"],
            "failed": run["failed"],
            "commitsPerJob": per_job("commits"),
            "tuplesFetchedPerJob": per_job("tuplesFetched"),
            "queueTuplesFetchedPerJob": per_job("queueTuplesFetched"),
            "queueRowsAtEnd": after["queueRows"],
            "queueDeadRowsAtEnd": after["queueDeadRows"],
            # Requests refused with 429 (a cap the load went over) and the
            # machine's idle share: either one high, the run measured waits.
            "refused429": run.get("httpStatuses", {}).get("429", 0),
            "cpuIdleShare": c.get("cpuIdleShare"),
            "cpuSecondsPerJob": {
                "api": round(c["apiCpuMs"] / 1000 / jobs, 5),
                "workers": round(c["workersCpuMs"] / 1000 / jobs, 5),
                "postgres": round((after["postgresCpuMs"] - before["postgresCpuMs"]) / 1000 / jobs, 5),
                "llmSim": round(c.get("simCpuMs", 0) / 1000 / jobs, 5),
                "loadgen": round(c.get("loadgenCpuMs", 0) / 1000 / jobs, 5),
            },
        }
    with open(os.path.join(out, "queue.json"), "w") as f:
        json.dump(summary, f, indent=2)
    return summary


if sys.argv[1] == "--queue":
    print(json.dumps(queue_summary(sys.argv[2]), indent=2))
    sys.exit(0)

if sys.argv[1] == "--tracing":
    print(json.dumps(tracing_summary(sys.argv[2]), indent=2))
    sys.exit(0)

out, profile, quick = sys.argv[1], sys.argv[2], sys.argv[3] == "true"


def load(name):
    with open(os.path.join(out, name)) as f:
        return json.load(f)


def ratio(a, b):
    return round(a / b, 3) if b else None


drain = load("queue-drain.json")
e2e = load("e2e.json")
pickup = load("pickup.json")
bare = load("hammer-bare.json")
poll = load("hammer-poll.json")
scale = {n: load(f"scale-{n}.json") for n in (1, 2, 4)}
rss_idle = load("rss-idle.json")
rss_load = load("rss-load.json")
compile_run = load("compile.json")
tracing = tracing_summary(out)
queue = queue_summary(out)
decay = load("decay.json")

t = {n: scale[n]["throughputJobsPerSec"] for n in scale}
figures = {
    "bareQueueTasksPerSec": drain["tasksPerSec"],
    "endToEndJobsPerSec": e2e["throughputJobsPerSec"],
    "endToEnd": {k: e2e[k] for k in ("jobs", "completed", "failed", "lost", "durationSecs")},
    "endToEndLatencyMs": {"enqueue": e2e["enqueueMs"], "pickup": e2e["pickupMs"], "e2e": e2e["e2eMs"]},
    "pickupAt50PerSecMs": pickup["pickupMs"],
    "sseDelayMs": pickup.get("sseDelayMs"),
    "pickupRun": {k: pickup[k] for k in ("jobs", "completed", "failed", "lost")},
    "pollRequestsPerSec": poll["requestsPerSec"],
    "bareSelectRequestsPerSec": bare["requestsPerSec"],
    "pollLatencyMs": poll["latencyMs"],
    "bareSelectLatencyMs": bare["latencyMs"],
    "scalingJobsPerSec": {str(n): t[n] for n in t},
    "scalingIdealJobsPerSec": {str(n): n * 32 for n in t},
    "rssMb": {
        "apiIdle": round(rss_idle["apiKb"] / 1024, 1),
        "workerIdle": round(rss_idle["workerKb"] / 1024, 1),
        "apiLoad": round(rss_load["apiKb"] / 1024, 1),
        "workerLoad": round(rss_load["workerKb"] / 1024, 1),
    },
    "compile": compile_run,
    "tracing": tracing,
    "perJobCost": queue,
    "longRun": decay,
}
ratios = {
    "endToEndVsBareQueue": ratio(figures["endToEndJobsPerSec"], figures["bareQueueTasksPerSec"]),
    "pollVsBareSelect": ratio(figures["pollRequestsPerSec"], figures["bareSelectRequestsPerSec"]),
    "scalingEfficiency4": ratio(t[4], 4 * t[1]),
    "scalingEfficiency4VsIdeal": ratio(t[4], 4 * 32),
    "tracingUnreachableVsOff": tracing["rateUnreachableVsOff"],
}
targets = [
    ("endToEndVsBareQueue", ratios["endToEndVsBareQueue"], ">=", 0.15),
    ("endToEndJobsPerSec", figures["endToEndJobsPerSec"], ">=", 1000),
    ("pollVsBareSelect", ratios["pollVsBareSelect"], ">=", 0.7),
    ("scalingEfficiency4", ratios["scalingEfficiency4"], ">=", 0.9),
    ("job rate, collector unreachable vs tracing off", ratios["tracingUnreachableVsOff"], ">=", 0.95),
    (f"end to end, SSE following, {queue['sse']['concurrency']} in flight (jobs/s)", queue["sse"]["jobsPerSec"], ">=", 1000),
    ("end to end, polling every 200 ms (jobs/s)", queue["poll"]["jobsPerSec"], ">=", 600),
    ("apalis.jobs tuples fetched per job, SSE", queue["sse"]["queueTuplesFetchedPerJob"], "<=", 20),
    ("apalis.jobs tuples fetched per job, polling", queue["poll"]["queueTuplesFetchedPerJob"], "<=", 20),
    (f"long run of {decay['jobs']:,} jobs: last tenth vs first (jobs/s)", decay["lastVsFirst"], ">=", 0.9),
    ("pickup p50 ms at 50/s", pickup["pickupMs"]["p50"], "<=", 5),
    ("pickup p99 ms at 50/s", pickup["pickupMs"]["p99"], "<=", 50),
    ("lost jobs (all runs)", e2e["lost"] + pickup["lost"] + sum(scale[n]["lost"] for n in scale)
     + sum(q["lost"] for q in queue.values() if isinstance(q, dict)) + decay["lost"], "<=", 0),
    ("api RSS idle MB", figures["rssMb"]["apiIdle"], "<=", 30),
    ("worker RSS idle MB", figures["rssMb"]["workerIdle"], "<=", 30),
    ("api RSS under load MB", figures["rssMb"]["apiLoad"], "<=", 150),
    ("worker RSS under load MB", figures["rssMb"]["workerLoad"], "<=", 150),
]
if figures["sseDelayMs"]:
    targets.append(("SSE delay p99 ms (commit to client)", figures["sseDelayMs"]["p99"], "<=", 20))


def met(value, op, bound):
    if value is None:
        return None
    return value >= bound if op == ">=" else value <= bound


report = {
    "generatedAt": datetime.now(timezone.utc).isoformat(),
    "profile": profile,
    "quick": quick,
    "machine": {"cpus": os.cpu_count(), "platform": platform.platform()},
    "ratios": ratios,
    "figures": figures,
    "targets": [{"name": n, "value": v, "op": op, "target": b, "met": met(v, op, b)} for n, v, op, b in targets],
}
with open(os.path.join(out, "bench-report.json"), "w") as f:
    json.dump(report, f, indent=2)

lines = [
    f"# Benchmark report ({'smoke, ' if quick else ''}{profile} build, {report['generatedAt'][:19]} UTC)",
    "",
    f"Everything on one {os.cpu_count()}-core machine: PostgreSQL, Redis, api, workers, llm-sim and the load generator.",
    "",
    "| measure | value | target | met |",
    "|---|---|---|---|",
]
for t_ in report["targets"]:
    mark = {True: "yes", False: "**no**", None: "n/a"}[t_["met"]]
    lines.append(f"| {t_['name']} | {t_['value']} | {t_['op']} {t_['target']} | {mark} |")
lines += [
    "",
    "| raw figure | value |",
    "|---|---|",
    f"| bare queue drain (tasks/s) | {figures['bareQueueTasksPerSec']:.0f} |",
    f"| end to end (jobs/s) | {figures['endToEndJobsPerSec']:.1f} |",
    f"| end to end latency p50 / p99 (ms) | {e2e['e2eMs']['p50']} / {e2e['e2eMs']['p99']} |",
    f"| poll route (req/s) | {figures['pollRequestsPerSec']:.0f} |",
    f"| bare select route (req/s) | {figures['bareSelectRequestsPerSec']:.0f} |",
    f"| scaling 1 / 2 / 4 workers (jobs/s; ideal 32 / 64 / 128) | {t[1]:.1f} / {t[2]:.1f} / {t[4]:.1f} |",
    f"| RSS idle api / worker (MB) | {figures['rssMb']['apiIdle']} / {figures['rssMb']['workerIdle']} |",
    f"| RSS under load api / worker (MB) | {figures['rssMb']['apiLoad']} / {figures['rssMb']['workerLoad']} |",
    f"| end to end, tracing off / collector unreachable (jobs/s, median of {len(tracing['off']['jobsPerSec'])} "
    f"alternated runs each) | {tracing['off']['medianJobsPerSec']} / {tracing['collectorUnreachable']['medianJobsPerSec']} |",
    f"| CPU of api + workers per job, tracing off / collector unreachable (ms, median) | "
    f"{tracing['off']['medianCpuMsPerJob']} / {tracing['collectorUnreachable']['medianCpuMsPerJob']} |",
    "",
    "Per-job cost (step (i); `bench.sh --queue` alone), each process's CPU per job:",
    "",
    "| following by | in flight | jobs/s | vs bare drain | commits/job | tuples fetched/job (DB / apalis.jobs) "
    "| apalis.jobs rows / dead rows at end | CPU ms/job: api, workers, PostgreSQL, llm-sim, loadgen "
    "| CPU idle | 429s |",
    "|---|---|---|---|---|---|---|---|---|---|",
]
for follow, label in (("sse", "SSE"), ("sse-64", "SSE (the issue's first setup)"), ("poll", "polling 200 ms")):
    if follow not in queue:
        continue
    q = queue[follow]
    cpu = q["cpuSecondsPerJob"]
    idle = "–" if q.get("cpuIdleShare") is None else f"{q['cpuIdleShare']:.1%}"
    lines.append(
        f"| {label} | {q['concurrency']} | {q['jobsPerSec']} | {q['vsBareQueue']} | {q['commitsPerJob']} "
        f"| {q['tuplesFetchedPerJob']} / {q['queueTuplesFetchedPerJob']} | {q['queueRowsAtEnd']} / {q['queueDeadRowsAtEnd']} "
        f"| {', '.join(f'{cpu[k] * 1000:.2f}' for k in ('api', 'workers', 'postgres', 'llmSim', 'loadgen'))} "
        f"| {idle} | {q.get('refused429', '–')} |")
lines += [
    "",
    f"Long run (step (j); `bench.sh --decay`): {decay['jobs']:,} jobs, first tenth "
    f"{decay['throughputFirstTenthJobsPerSec']} jobs/s, last tenth {decay['throughputLastTenthJobsPerSec']} jobs/s "
    f"({decay['lastVsFirst']}), {decay['lost']} lost, {decay['queueRowsAtEnd']} rows left in apalis.jobs.",
    "",
    "",
    f"Compiles (sandbox: {compile_run['sandbox']}; previews included), latency per résumé style:",
    "",
    "| style | engine | pages | p50 ms | p95 ms |",
    "|---|---|---|---|---|",
]
for style, c in compile_run["latencyByStyle"].items():
    lines.append(f"| {style} | {c['engine']} | {c['pages']} | {c['p50Ms']:.0f} | {c['p95Ms']:.0f} |")
tp = compile_run["throughput"]
lines += [
    "",
    f"One worker, {tp['concurrency']} compiles at a time for {tp['seconds']:.0f} s: "
    f"**{tp['compilesPerMinutePerWorker']:.0f} compiles per minute** ({tp['compiled']} compiled, {tp['failed']} failed).",
    "",
    "Charts: `e2e.svg`, `pickup.svg`, `scale-*.svg` beside this file.",
]
with open(os.path.join(out, "bench-report.md"), "w") as f:
    f.write("\n".join(lines) + "\n")
print("\n".join(lines))

# The smoke run's figures mean nothing, but a lost or failed job is a bug.
traced = (tracing["off"], tracing["collectorUnreachable"])
lost = (e2e["lost"] + pickup["lost"] + sum(scale[n]["lost"] for n in scale) + sum(run["lost"] for run in traced)
        + sum(q["lost"] for q in queue.values() if isinstance(q, dict)) + decay["lost"])
failed = (e2e["failed"] + pickup["failed"] + sum(scale[n]["failed"] for n in scale) + tp["failed"]
          + sum(run["failed"] for run in traced))
if lost or failed:
    print(f"FAILED: {lost} jobs lost and {failed} jobs or compiles failed in the benchmark runs", file=sys.stderr)
    sys.exit(1)
