#!/usr/bin/env bash
# Coverage-guided fuzzing of the LaTeX core and the edit applier with
# cargo-fuzz (libFuzzer), which needs a nightly toolchain: where there is
# none, say so and stop (the same properties run always as proptest tests:
# text/tests/lexer_props.rs, text/tests/latex_sections.rs,
# engine/tests/apply_props.rs).
#
#   scripts/fuzz.sh [SECONDS]   each target for SECONDS (default 600)
#
# Targets (fuzz/fuzz_targets/): lexer (no panic, tokens cover the text),
# sections (the split partitions the document byte for byte), apply (any
# accepted edits keep the document balanced, locks and preamble identical,
# and add no control sequence). Prints each target's executions; a crash
# stops the script with its input in fuzz/artifacts/ (make it a test).
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-600}"

if ! rustup toolchain list 2>/dev/null | grep -q '^nightly'; then
  echo "[fuzz] no nightly toolchain here: skipping coverage-guided fuzzing (proptest covers the same properties)"
  exit 0
fi
command -v cargo-fuzz >/dev/null 2>&1 || cargo install --locked cargo-fuzz
# Each run's corpus starts from the evaluation résumés.
for target in lexer sections apply; do
  mkdir -p "fuzz/corpus/$target"
  [ "$target" = apply ] || cp -n eval/resumes/*.tex tests/fixtures/compile/*.tex "fuzz/corpus/$target/" 2>/dev/null || true
done
# Own target directory: the nightly, sanitised build shares nothing with the stable one.
fuzz_target_dir="${FUZZ_TARGET_DIR:-${CARGO_TARGET_DIR:-$(pwd)/target}/fuzz}"
unset CARGO_TARGET_DIR
for target in lexer sections apply; do
  log="$(mktemp)"
  echo "[fuzz] $target for ${seconds}s"
  if ! (cd fuzz && cargo +nightly fuzz run --target-dir "$fuzz_target_dir" "$target" -- -max_total_time="$seconds" -print_final_stats=1 -max_len=8192) >"$log" 2>&1; then
    tail -n 40 "$log"
    echo "[fuzz] $target FAILED: the crashing input is in fuzz/artifacts/$target/" >&2
    exit 1
  fi
  runs=$(grep -m1 'stat::number_of_executed_units' "$log" | awk '{print $2}')
  echo "[fuzz] $target: ${runs:-?} executions in ${seconds}s, no finding"
  rm -f "$log"
done
