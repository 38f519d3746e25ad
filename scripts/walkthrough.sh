#!/usr/bin/env bash
# One tailoring job through the HTTP API, as the README's curl walk-through:
# mint a dev token, create a project, a BASE version and compile it to PDF,
# a JD, an AI job, poll it, accept its (compiled) proposal, compile and
# activate the new version, and save its PDF and a preview PNG.
set -euo pipefail
cd "$(dirname "$0")/.."
set -a; [ -f .env ] && . ./.env; set +a
api="http://${API_ADDR:-127.0.0.1:8080}"
bin="${CARGO_TARGET_DIR:-target}/debug"
step() { printf '\n\033[1m$ %s\033[0m\n' "$*"; }
json() { python3 -c "import json,sys; print(json.load(sys.stdin)$1)"; }
out=".dev/out"; mkdir -p "$out"
# Poll a version until its compile is no longer PENDING; print the outcome.
wait_compiled() {
  for _ in $(seq 1 240); do
    STATE=$(curl -fsS "$api/v1/versions/$1" -H "Authorization: Bearer $TOKEN" | json "['compile']['state']")
    [ "$STATE" = PENDING ] || break
    sleep 0.5
  done
  curl -fsS "$api/v1/versions/$1" -H "Authorization: Bearer $TOKEN" | python3 -c '
import json,sys
v=json.load(sys.stdin); c=v["compile"]
print("  version %s: status %s, compile %s (%s, %s pages, %s ms), pdfUrl %s" % (v["id"], v["status"], c["state"], c["engine"], c["pages"], c["durationMs"], v["pdfUrl"]))
if c["state"] == "FAILED": print("  why:", c["message"]); sys.exit(1)'
}

TOKEN=$("$bin/dev-token" mint --key .dev/keys/dev-private.pem --sub user_demo --email demo@example.com)

step "GET /v1/me"
curl -fsS "$api/v1/me" -H "Authorization: Bearer $TOKEN"; echo

step "POST /v1/projects"
PROJECT=$(curl -fsS "$api/v1/projects" -H "Authorization: Bearer $TOKEN" -H 'content-type: application/json' \
  -d '{"name":"Backend résumé"}' | json "['id']")
echo "project $PROJECT"

step "POST /v1/projects/$PROJECT/versions (BASE)"
VERSION_JSON=$(python3 -c 'import json,sys; print(json.dumps({"type":"BASE","latexContent":open("examples/resume.tex").read()}))' \
  | curl -fsS "$api/v1/projects/$PROJECT/versions" -H "Authorization: Bearer $TOKEN" -H 'content-type: application/json' -d @-)
VERSION=$(echo "$VERSION_JSON" | json "['id']")
echo "$VERSION_JSON" | python3 -c 'import json,sys; v=json.load(sys.stdin); print("version", v["id"]); [print("  section", s["orderIndex"], s["sectionType"]) for s in v["sections"]]'

step "POST /v1/versions/$VERSION/compile (202; a worker compiles it in the sandbox)"
curl -fsS -X POST "$api/v1/versions/$VERSION/compile" -H "Authorization: Bearer $TOKEN" | json "['compile']['state']"
wait_compiled "$VERSION"

step "POST /v1/projects/$PROJECT/job-descriptions"
JD_JSON=$(python3 -c 'import json; print(json.dumps({"rawText":open("examples/jd.txt").read()}))' \
  | curl -fsS "$api/v1/projects/$PROJECT/job-descriptions" -H "Authorization: Bearer $TOKEN" -H 'content-type: application/json' -d @-)
JD=$(echo "$JD_JSON" | json "['id']")
echo "$JD_JSON" | python3 -c 'import json,sys; j=json.load(sys.stdin); print("jd", j["id"], "roleType", j["roleType"]); print("  skills", json.dumps(j["extractedSkills"]))'

step "POST /v1/projects/$PROJECT/ai-jobs"
JOB=$(curl -fsS "$api/v1/projects/$PROJECT/ai-jobs" -H "Authorization: Bearer $TOKEN" -H 'content-type: application/json' \
  -d "{\"baseVersionId\":\"$VERSION\",\"jdId\":\"$JD\",\"mode\":\"BALANCED\"}" | json "['id']")
echo "job $JOB (202 QUEUED)"

step "GET /v1/ai-jobs/$JOB (polling)"
for _ in $(seq 1 120); do
  STATUS=$(curl -fsS "$api/v1/ai-jobs/$JOB" -H "Authorization: Bearer $TOKEN" | json "['status']")
  echo "  $STATUS"
  case "$STATUS" in COMPLETED|FAILED) break;; esac
  sleep 0.5
done
curl -fsS "$api/v1/ai-jobs/$JOB" -H "Authorization: Bearer $TOKEN"; echo
[ "$STATUS" = COMPLETED ] || { echo "the job did not complete"; exit 1; }

step "GET /v1/ai-jobs/$JOB/proposal"
curl -fsS "$api/v1/ai-jobs/$JOB/proposal" -H "Authorization: Bearer $TOKEN" \
  | python3 -c '
import json,sys
p=json.load(sys.stdin); e=p["edits"]
print("proposal", p["id"], len(p["proposedLatexContent"]), "bytes of LaTeX;", len(e["applied"]), "edits applied,", len(e["refused"]), "refused")
if e.get("compile"): print("  compiled like its base: %s, %s page(s), %s compile(s)" % (e["compile"]["engine"], e["compile"]["pages"], e["compile"]["compiles"]))'
curl -fsS "$api/v1/ai-jobs/$JOB/proposal/pdf" -H "Authorization: Bearer $TOKEN" -o "$out/proposal.pdf"
echo "proposal PDF: $out/proposal.pdf"

step "POST /v1/ai-jobs/$JOB/proposal/accept with some of its edits"
EDITS=$(curl -fsS "$api/v1/ai-jobs/$JOB/proposal" -H "Authorization: Bearer $TOKEN" \
  | python3 -c 'import json,sys; a=json.load(sys.stdin)["edits"]["applied"]; print(json.dumps([e["id"] for e in a[:max(1, len(a) - 1)]]))')
# A proposal without edits (the model changed nothing) is accepted whole.
if [ "$EDITS" = "[]" ]; then BODY='{}'; else BODY="{\"edits\": $EDITS}"; fi
echo "accepting edits $EDITS (all but the last)"
NEW=$(curl -fsS -X POST "$api/v1/ai-jobs/$JOB/proposal/accept" -H "Authorization: Bearer $TOKEN" \
  -H 'content-type: application/json' -d "$BODY" | json "['id']")
echo "new AI_GENERATED version $NEW (child of $VERSION) with exactly those edits; its compile was queued with it"

step "GET /v1/versions/$NEW/diff?from=$VERSION"
curl -fsS "$api/v1/versions/$NEW/diff?from=$VERSION" -H "Authorization: Bearer $TOKEN" | python3 -c '
import json,sys
d=json.load(sys.stdin)
print(len(d["added"]), "added,", len(d["removed"]), "removed,", len(d["rewritten"]), "rewritten")
for r in d["rewritten"][:5]:
    print("  [%s] %s\n    -> %s  (similarity %.2f)" % (r["section"], r["old"], r["new"], r["similarity"]))'

step "the accepted version compiles; POST /v1/versions/$NEW/activate"
wait_compiled "$NEW"
curl -fsS -X POST "$api/v1/versions/$NEW/activate" -H "Authorization: Bearer $TOKEN" | json "['status']"
curl -fsS "$api/v1/projects/$PROJECT" -H "Authorization: Bearer $TOKEN" | python3 -c 'import json,sys; p=json.load(sys.stdin); print("project activeVersionId", p["activeVersionId"])'

step "GET /v1/versions/$NEW/pdf and /preview?page=1"
curl -fsS "$api/v1/versions/$NEW/pdf" -H "Authorization: Bearer $TOKEN" -D "$out/pdf-headers.txt" -o "$out/resume.pdf"
grep -iE '^(content-type|etag|content-disposition):' "$out/pdf-headers.txt"
curl -fsS "$api/v1/versions/$NEW/preview?page=1" -H "Authorization: Bearer $TOKEN" -o "$out/page-1.png"
echo "PDF:     $(pwd)/$out/resume.pdf"
echo "preview: $(pwd)/$out/page-1.png"
