#!/usr/bin/env bash
# The tailoring evaluation: tailor-eval over eval/resumes × eval/jds × every
# mode with the local simulator, each proposal compiled with pdflatex, and
# the promises checked: no failure, no locked section changed, no invented
# fact, no unbalanced LaTeX, every mode within its budget, coverage up in
# every mode, every proposal compiles.
#   scripts/eval.sh                  as CI runs it
#   scripts/eval.sh --base-url URL   against a real provider (NEBIUS_API_KEY)
set -euo pipefail
cd "$(dirname "$0")/.."
# TeX Live and what the résumés in eval/ load.
scripts/ensure-tools.sh
SQLX_OFFLINE=true cargo build -q -p tailor-tools --bin tailor-eval
target="${CARGO_TARGET_DIR:-target}"
out="${EVAL_OUT:-$(mktemp -d)}"
"$target/debug/tailor-eval" --resumes eval/resumes --jds eval/jds --lock EDUCATION --out "$out" --compile "$@" | tee "$out/report.txt"
tail -n 1 "$out/report.txt" | python3 -c '
import json, sys
s = json.load(sys.stdin)
bad = [k for k in ("failed", "lockedChanged", "inventedFacts", "latexUnbalanced", "overBudget", "compileFailed") if s[k] != 0]
bad += ["coverage did not rise in " + m for m, v in s["modes"].items() if not v["coverageAfter"] > v["coverageBefore"]]
if bad:
    sys.exit("eval FAILED: " + ", ".join(bad))
print("eval ok: %d pairs, %d compiled, coverage %.3f -> %.3f" % (s["pairs"], s["compiled"], s["coverageBefore"], s["coverageAfter"]))
'
