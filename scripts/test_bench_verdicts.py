"""Tests of scripts/bench_verdicts.py: every verdict passes and fails on
small synthetic loadgen reports, and the CLI writes and prints the result.

  python3 -m unittest discover -s scripts -p 'test_*.py'
"""
import contextlib
import io
import json
import os
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench_verdicts as v  # noqa: E402


def load_report(completed=100, failed=0, lost=0, submit_errors=0, timeline=None, duration=10.0, e2e=None):
    """A loadgen report with the keys the verdicts read."""
    if timeline is None:
        timeline = [{"t": t, "completed": completed // 10, "failed": 0} for t in range(10)]
    return {"jobs": completed + failed + lost, "completed": completed, "failed": failed, "lost": lost,
            "submitErrors": submit_errors, "httpStatuses": {"202": completed + failed + lost},
            "e2eMs": e2e or {"p50": 12.0, "p99": 80.0}, "timeline": timeline, "durationSecs": duration,
            "throughputJobsPerSec": (completed + failed) / duration}


def decay_run(first_rate, last_rate, jobs=40000):
    """`jobs` jobs, one bucket a second: `first_rate` jobs/s for the first half,
    `last_rate` for the rest."""
    timeline, t, done, end = [], 0, 0, 0.0
    while done < jobs:
        rate = first_rate if done < jobs // 2 else last_rate
        n = min(rate, jobs - done)
        timeline.append({"t": t, "completed": n, "failed": 0})
        done += n
        end = t + n / rate  # the last second may be partly idle
        t += 1
    return {"jobs": jobs, "completed": jobs, "failed": 0, "lost": 0, "timeline": timeline,
            "durationSecs": end}


class Decay(unittest.TestCase):
    def test_steady_run_is_met(self):
        r = v.decay(decay_run(1000, 1000), rows=7)
        self.assertTrue(r["met"])
        self.assertEqual(r["lastVsFirst"], 1.0)
        self.assertEqual(r["queueRowsAtEnd"], 7)
        self.assertEqual((r["jobs"], r["completed"], r["lost"]), (40000, 40000, 0))

    def test_last_at_95_percent_is_met(self):
        r = v.decay(decay_run(1000, 950), rows=0)
        self.assertTrue(r["met"])
        self.assertAlmostEqual(r["throughputFirstTenthJobsPerSec"], 1000, delta=15)
        self.assertAlmostEqual(r["throughputLastTenthJobsPerSec"], 950, delta=15)
        self.assertAlmostEqual(r["lastVsFirst"], 0.95, delta=0.02)

    def test_last_at_70_percent_is_not_met(self):
        r = v.decay(decay_run(1000, 700), rows=0)
        self.assertFalse(r["met"])
        self.assertAlmostEqual(r["lastVsFirst"], 0.7, delta=0.02)
        self.assertLess(r["throughputLastTenthJobsPerSec"], r["throughputFirstTenthJobsPerSec"])

    def test_interpolates_within_a_second(self):
        # 4,000 jobs/s for 5 s: the tenth (2,000 jobs) ends halfway through
        # the first second, and the last tenth starts halfway through the last.
        run = {"jobs": 20000, "completed": 19000, "failed": 1000, "lost": 0, "durationSecs": 5.0,
               "timeline": [{"t": t, "completed": 3800, "failed": 200} for t in range(5)]}
        r = v.decay(run, rows=0)
        self.assertEqual(r["window"], 2000)
        self.assertEqual(r["throughputFirstTenthJobsPerSec"], round(2000 / 0.5, 1))
        self.assertEqual(r["throughputLastTenthJobsPerSec"], round(2000 / 0.5, 1))
        self.assertTrue(r["met"])

    def test_a_lost_job_is_not_met(self):
        run = decay_run(1000, 1000)
        run["lost"] = 1
        self.assertFalse(v.decay(run, rows=0)["met"])


class ResiliencePg(unittest.TestCase):
    def test_503_fast_and_nothing_lost_is_ok(self):
        r = v.resilience_pg(load_report(completed=2900, failed=90, lost=0), 503, 200, 503, 350, 2990, 0)
        self.assertTrue(r["ok"])
        self.assertEqual(r["accepted"], 2990)
        self.assertEqual(r["readyzWhileDown"], {"status": 503, "ms": 200})
        self.assertEqual(r["routeWhileDown"], {"status": 503, "ms": 350})

    def test_cli_strings_are_parsed(self):
        r = v.resilience_pg(load_report(), "503", "200", "000", "30001", "100", "0")
        self.assertEqual(r["routeWhileDown"], {"status": 0, "ms": 30001})
        self.assertEqual(r["aiJobsFinal"], 100)
        self.assertFalse(r["ok"])

    def test_readyz_200_is_not_ok(self):
        self.assertFalse(v.resilience_pg(load_report(), 200, 200, 503, 200, 100, 0)["ok"])

    def test_slow_answer_is_not_ok(self):
        self.assertFalse(v.resilience_pg(load_report(), 503, 5000, 503, 200, 100, 0)["ok"])
        self.assertFalse(v.resilience_pg(load_report(), 503, 200, 503, 6000, 100, 0)["ok"])

    def test_route_not_503_is_not_ok(self):
        self.assertFalse(v.resilience_pg(load_report(), 503, 200, 500, 200, 100, 0)["ok"])

    def test_lost_job_is_not_ok(self):
        r = v.resilience_pg(load_report(completed=99, lost=1), 503, 200, 503, 200, 99, 0)
        self.assertFalse(r["ok"])
        self.assertEqual(r["lostByLoadgen"], 1)
        self.assertEqual(r["accepted"], 100)

    def test_unfinished_job_is_not_ok(self):
        self.assertFalse(v.resilience_pg(load_report(), 503, 200, 503, 200, 99, 1)["ok"])


class ResilienceRedis(unittest.TestCase):
    def test_nothing_lost_is_ok(self):
        r = v.resilience_redis(load_report(completed=3000), 3000, 0)
        self.assertTrue(r["ok"])
        self.assertEqual((r["aiJobsFinal"], r["aiJobsUnfinished"]), (3000, 0))
        self.assertEqual(r["e2eMs"], {"p50": 12.0, "p99": 80.0})

    def test_lost_unfinished_or_refused_is_not_ok(self):
        self.assertFalse(v.resilience_redis(load_report(completed=2999, lost=1), 2999, 0)["ok"])
        self.assertFalse(v.resilience_redis(load_report(), 99, "1")["ok"])
        self.assertFalse(v.resilience_redis(load_report(submit_errors=3), 100, 0)["ok"])


def rss_rows(samples, api_start_kb, api_end_kb, worker_kb=50_000):
    """`samples` rows, the api's RSS growing linearly, the workers flat."""
    step = (api_end_kb - api_start_kb) / max(1, samples - 1)
    return [[10 * i, round(api_start_kb + step * i), worker_kb, worker_kb + 1024] for i in range(samples)]


class ResilienceSoak(unittest.TestCase):
    def test_flat_rss_is_ok(self):
        rows = rss_rows(60, 40 * 1024, 42 * 1024)
        r = v.resilience_soak(load_report(), rows, 100, 0, 3)
        self.assertTrue(r["ok"])
        self.assertLess(r["rssGrowthMb"], 20)
        self.assertEqual(r["rss"]["worker2"]["peakMb"], round((50_000 + 1024) / 1024, 1))
        self.assertEqual(r["queueRowsLeft"], 3)

    def test_rss_growth_of_25_mb_is_not_ok(self):
        rows = rss_rows(60, 40 * 1024, 65 * 1024)
        r = v.resilience_soak(load_report(), rows, 100, 0, 0)
        self.assertFalse(r["ok"])
        self.assertGreaterEqual(r["rssGrowthMb"], 20)
        self.assertEqual(r["rss"]["api"]["peakMb"], 65.0)
        self.assertEqual(r["rss"]["api"]["firstTenthMb"], round(max(x[1] for x in rows[:6]) / 1024, 1))
        self.assertEqual(r["rss"]["worker1"]["lastTenthMb"], round(50_000 / 1024, 1))

    def test_lost_or_unfinished_is_not_ok(self):
        rows = rss_rows(60, 40 * 1024, 40 * 1024)
        self.assertFalse(v.resilience_soak(load_report(completed=99, lost=1), rows, 99, 0, 0)["ok"])
        self.assertFalse(v.resilience_soak(load_report(), rows, 99, 1, 0)["ok"])

    def test_throughput_tenths_skip_empty_seconds(self):
        timeline = [{"t": 0, "completed": 0, "failed": 0}] + \
                   [{"t": t, "completed": 20 if t <= 10 else 10, "failed": 1} for t in range(1, 101)]
        r = v.resilience_soak(load_report(completed=1500, failed=100, timeline=timeline),
                              rss_rows(5, 1024, 1024), 1600, 0, 0)
        self.assertEqual(r["throughputFirstTenth"], 21.0)
        self.assertEqual(r["throughputLastTenth"], 11.0)

    def test_parse_rss_csv(self):
        self.assertEqual(v.parse_rss_csv("0,1,2,3\n\n10,4,5,6\n"), [[0, 1, 2, 3], [10, 4, 5, 6]])


class ResilienceRpm(unittest.TestCase):
    def stats(self, n429):
        return {"chatRequests": 400, "status429": n429}

    def test_paced_under_the_limit_is_ok(self):
        # 180 jobs in 3 min 10 s: 56.8 jobs/min.
        r = v.resilience_rpm(load_report(completed=180, duration=190.0), self.stats(0))
        self.assertTrue(r["ok"])
        self.assertEqual(r["jobsPerMinute"], round(180 / (190 / 60), 1))
        self.assertEqual((r["providerRequests"], r["provider429s"]), (400, 0))

    def test_three_429s_is_not_ok(self):
        r = v.resilience_rpm(load_report(completed=180, duration=190.0), self.stats(3))
        self.assertFalse(r["ok"])
        self.assertTrue(v.resilience_rpm(load_report(completed=180, duration=190.0), self.stats(2))["ok"])

    def test_too_slow_too_fast_failed_or_lost_is_not_ok(self):
        self.assertFalse(v.resilience_rpm(load_report(completed=180, duration=240.0), self.stats(0))["ok"])
        self.assertFalse(v.resilience_rpm(load_report(completed=180, duration=170.0), self.stats(0))["ok"])
        self.assertFalse(v.resilience_rpm(load_report(completed=179, failed=1, duration=190.0), self.stats(0))["ok"])
        self.assertFalse(v.resilience_rpm(load_report(completed=179, lost=1, duration=190.0), self.stats(0))["ok"])


class Cli(unittest.TestCase):
    def run_cli(self, *argv):
        buf = io.StringIO()
        with contextlib.redirect_stdout(buf), contextlib.redirect_stderr(io.StringIO()):
            code = v.main(list(argv))
        return code, buf.getvalue()

    def test_writes_and_prints_the_result(self):
        with tempfile.TemporaryDirectory() as out:
            with open(f"{out}/resilience-redis-load.json", "w") as f:
                json.dump(load_report(completed=10, lost=1), f)
            code, printed = self.run_cli("resilience-redis", out, "10", "0")
            self.assertEqual(code, 0)
            with open(f"{out}/resilience-redis.json") as f:
                written = json.load(f)
            self.assertEqual(json.loads(printed), written)
            self.assertFalse(written["ok"])

    def test_soak_reads_the_csv(self):
        with tempfile.TemporaryDirectory() as out:
            with open(f"{out}/resilience-soak-load.json", "w") as f:
                json.dump(load_report(), f)
            with open(f"{out}/resilience-soak-rss.csv", "w") as f:
                f.write("".join(f"{10 * i},{40960 + 512 * i},51200,51200\n" for i in range(60)))
            code, printed = self.run_cli("resilience-soak", out, "100", "0", "0")
            self.assertEqual(code, 0)
            self.assertFalse(json.loads(printed)["ok"])  # the api grew by about 26 MB

    def test_bad_usage(self):
        self.assertEqual(self.run_cli()[0], 2)
        self.assertEqual(self.run_cli("nope", "/tmp")[0], 2)
        self.assertEqual(self.run_cli("decay", "/tmp")[0], 2)


if __name__ == "__main__":
    unittest.main()
