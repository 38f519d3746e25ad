#!/usr/bin/env bash
# Checks the deployment and operations files without a cluster, a Prometheus
# server or a Docker engine:
#   - Prometheus: alert rules, their unit tests, the compose profile's config;
#   - Kubernetes: every built-in kind against the API schemas (strict: unknown
#     fields fail), KEDA's objects against their CRD schemas (deploy/schemas),
#     and the invariants the manifests' comments promise (hardened containers,
#     limits, probes, KEDA targets equal to the workers' concurrency...);
#   - Grafana: valid JSON, every PromQL expression parses (promtool), and only
#     the metrics the binaries export are used (alerts included);
#   - .dockerignore: the build context keeps what the build needs (.sqlx!)
#     and leaves secrets and build output out;
#   - docker compose config, where a Docker CLI with compose exists.
# Installs what it lacks (promtool from Debian's prometheus package,
# kubernetes-validate from PyPI). Idempotent; prints one line per check and
# exits non-zero if any failed.
set -euo pipefail
cd "$(dirname "$0")/.."

K8S_VERSION=1.37.0
KUBERNETES_VALIDATE_VERSION=1.37.0
DOCKER_SDK_VERSION=7.1.0

failures=0
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

say() { printf '%s\n' "$*"; }

# check NAME COMMAND...: run it, print one line, keep going on failure.
check() {
    local name=$1 out
    shift
    if out=$("$@" 2>&1); then
        say "ok    $name"
    else
        say "FAIL  $name"
        printf '%s\n' "$out" | sed 's/^/      /'
        failures=$((failures + 1))
    fi
}

as_root() {
    if [ "$(id -u)" -eq 0 ]; then
        "$@"
    elif command -v sudo >/dev/null 2>&1; then
        sudo "$@"
    else
        say "need root for: $*" >&2
        return 1
    fi
}

pip_install() { python3 -m pip install -q --disable-pip-version-check "$@"; }

# --- tools --------------------------------------------------------------------
if ! command -v promtool >/dev/null 2>&1; then
    say "installing promtool (Debian package prometheus)"
    # Note: on a host with systemd the package also enables a Prometheus
    # service; CI machines and containers have none.
    as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends prometheus >/dev/null
fi
if [ "$(python3 -c 'import kubernetes_validate.version as v; print(v.__version__)' 2>/dev/null || true)" != "$KUBERNETES_VALIDATE_VERSION" ]; then
    say "installing kubernetes-validate==$KUBERNETES_VALIDATE_VERSION"
    pip_install "kubernetes-validate==$KUBERNETES_VALIDATE_VERSION"
fi
# PyYAML and jsonschema come with kubernetes-validate; the Docker SDK carries
# the reference implementation of .dockerignore matching.
if ! python3 -c 'import docker.utils.build' >/dev/null 2>&1; then
    say "installing docker==$DOCKER_SDK_VERSION (Python SDK, for .dockerignore matching)"
    pip_install "docker==$DOCKER_SDK_VERSION"
fi
say "promtool $(promtool --version 2>&1 | awk 'NR==1 {print $3}'), kubernetes-validate $KUBERNETES_VALIDATE_VERSION, Kubernetes schemas $K8S_VERSION"

# --- Prometheus -----------------------------------------------------------------
check "promtool check rules deploy/prometheus/alerts.yaml" \
    promtool check rules deploy/prometheus/alerts.yaml
check "promtool test rules deploy/prometheus/alerts_test.yaml" \
    promtool test rules deploy/prometheus/alerts_test.yaml
# rule_files in prometheus.yml are relative to the config file, as in the container.
check "promtool check config deploy/prometheus/prometheus.yml" \
    promtool check config deploy/prometheus/prometheus.yml

# --- Kubernetes -------------------------------------------------------------------
# kubernetes-validate knows the built-in kinds only: for a CRD's kind it warns
# "Couldn't find schema" and passes. So it gets the files without KEDA objects,
# and every document is accounted for by the Python check below (a kind with
# neither a built-in nor a vendored schema fails there).
builtin_files=()
for f in deploy/k8s/*.yaml; do
    if ! grep -q '^apiVersion: keda\.sh/' "$f"; then builtin_files+=("$f"); fi
done
check "kubernetes-validate --strict (${K8S_VERSION}): ${builtin_files[*]}" \
    python3 -m kubernetes_validate --strict --quiet -k "$K8S_VERSION" "${builtin_files[@]}"

cat >"$work/k8s.py" <<'PY'
"""Every document in deploy/k8s: KEDA kinds against the vendored CRD schemas
(made strict: unknown fields fail, as kubectl's server-side validation does),
built-in kinds must have a schema, and the manifests' promises hold."""
import glob, json, re, sys
import jsonschema, yaml
import kubernetes_validate

K8S_VERSION = sys.argv[1]
SCHEMAS = {
    ("keda.sh/v1alpha1", "ScaledObject"): "deploy/schemas/keda.sh_scaledobjects.v1alpha1.json",
    ("keda.sh/v1alpha1", "TriggerAuthentication"): "deploy/schemas/keda.sh_triggerauthentications.v1alpha1.json",
}

def strict(schema):
    """additionalProperties: false wherever an object lists its properties and
    does not say otherwise (CRD schemas prune unknown fields instead)."""
    if isinstance(schema, dict):
        if (schema.get("type") == "object" and "properties" in schema
                and "additionalProperties" not in schema
                and not schema.get("x-kubernetes-preserve-unknown-fields")):
            schema["additionalProperties"] = False
        for v in schema.values():
            strict(v)
    elif isinstance(schema, list):
        for v in schema:
            strict(v)
    return schema

errors, docs = [], []
for path in sorted(glob.glob("deploy/k8s/*.yaml")):
    for doc in yaml.safe_load_all(open(path)):
        if doc:
            docs.append((path, doc))

def where(path, doc):
    return f"{path}: {doc.get('kind')}/{doc.get('metadata', {}).get('name')}"

keda_checked = 0
for path, doc in docs:
    key = (doc.get("apiVersion"), doc.get("kind"))
    if key in SCHEMAS:
        schema = strict(json.load(open(SCHEMAS[key])))
        schema.pop("$comment", None)
        for e in jsonschema.Draft7Validator(schema).iter_errors(doc):
            errors.append(f"{where(path, doc)}: {'.'.join(map(str, e.absolute_path))}: {e.message}")
        if not doc.get("metadata", {}).get("name"):
            errors.append(f"{where(path, doc)}: metadata.name missing")
        keda_checked += 1
    elif str(key[0]).startswith("keda.sh/"):
        errors.append(f"{where(path, doc)}: no vendored schema for {key}")
    else:
        try:
            kubernetes_validate.validate(doc, K8S_VERSION, strict=True)
        except kubernetes_validate.SchemaNotFoundError as e:
            errors.append(f"{where(path, doc)}: {e.message}")
        except kubernetes_validate.ValidationError as e:
            errors.append(f"{where(path, doc)}: {e.message}")

# --- promises the comments make ---------------------------------------------
by_kind = {}
for path, doc in docs:
    by_kind.setdefault(doc["kind"], {})[doc["metadata"]["name"]] = (path, doc)

def pod_specs():
    for kind in ("Deployment", "Job"):
        for name, (path, doc) in by_kind.get(kind, {}).items():
            yield f"{path}: {kind}/{name}", doc["spec"]["template"]

HARDENED = {"runAsNonRoot": True, "runAsUser": 65534, "readOnlyRootFilesystem": True,
            "allowPrivilegeEscalation": False}
for at, template in pod_specs():
    spec = template["spec"]
    annotations = template.get("metadata", {}).get("annotations", {})
    for c in spec.get("containers", []) + spec.get("initContainers", []):
        cat = f"{at} container {c['name']}"
        sc = c.get("securityContext", {})
        for k, v in HARDENED.items():
            if sc.get(k) != v:
                errors.append(f"{cat}: securityContext.{k} must be {v!r}")
        if sc.get("capabilities", {}).get("drop") != ["ALL"]:
            errors.append(f"{cat}: securityContext.capabilities.drop must be [ALL]")
        res = c.get("resources", {})
        for part in ("requests", "limits"):
            for r in ("cpu", "memory"):
                if r not in res.get(part, {}):
                    errors.append(f"{cat}: resources.{part}.{r} missing")
        if not any(s.get("secretRef", {}).get("name") == "tailor-env" for s in c.get("envFrom", [])):
            errors.append(f"{cat}: envFrom must include secretRef tailor-env")
        ports = {p.get("name"): p["containerPort"] for p in c.get("ports", [])}
        if at.split(": ")[1].startswith("Deployment/"):
            for probe in ("livenessProbe", "readinessProbe"):
                if probe not in c:
                    errors.append(f"{cat}: {probe} missing")
            if annotations.get("prometheus.io/scrape") != "true":
                errors.append(f"{at}: prometheus.io/scrape annotation missing")
            port = annotations.get("prometheus.io/port")
            if port is None or int(port) not in ports.values():
                errors.append(f"{at}: prometheus.io/port {port} is not a containerPort")
            if not ({"metrics", "admin"} & set(ports)):
                errors.append(f"{cat}: no containerPort named metrics or admin")
            env = {e["name"]: e.get("value") for e in c.get("env", [])}
            for var in ("METRICS_ADDR", "WORKER_ADMIN_ADDR"):
                if var in env and not str(env[var]).startswith("0.0.0.0:"):
                    errors.append(f"{cat}: {var} must listen on 0.0.0.0 in a pod")
        mounts = {m["mountPath"] for m in c.get("volumeMounts", [])}
        if sc.get("readOnlyRootFilesystem") and c.get("command", [""])[0] == "worker" and "/tmp" not in mounts:
            errors.append(f"{cat}: a worker with a read-only root needs /tmp mounted")

for name, (path, doc) in by_kind.get("Deployment", {}).items():
    labels = doc["spec"]["selector"]["matchLabels"]
    if not any(p["spec"]["selector"].get("matchLabels") == labels
               for _, p in by_kind.get("PodDisruptionBudget", {}).values()):
        errors.append(f"{path}: Deployment/{name} has no PodDisruptionBudget")
    if "replicas" in doc["spec"]:
        errors.append(f"{path}: Deployment/{name} sets replicas, which its autoscaler owns")

# Services never expose the admin/metrics ports.
for name, (path, doc) in by_kind.get("Service", {}).items():
    for p in doc["spec"]["ports"]:
        if str(p.get("targetPort")) in ("metrics", "admin", "9464", "9465"):
            errors.append(f"{path}: Service/{name} exposes {p['targetPort']}")

# The api's HPA and the workers' ScaledObjects target existing Deployments, and
# each KEDA target equals the concurrency of the Deployment it scales.
for name, (path, doc) in by_kind.get("HorizontalPodAutoscaler", {}).items():
    if doc["spec"]["scaleTargetRef"]["name"] not in by_kind.get("Deployment", {}):
        errors.append(f"{path}: HPA/{name} targets an unknown Deployment")
secrets = {n: d.get("stringData", {}) for n, (_, d) in by_kind.get("Secret", {}).items()}
for name, (path, doc) in by_kind.get("TriggerAuthentication", {}).items():
    for ref in doc["spec"].get("secretTargetRef", []):
        if ref["key"] not in secrets.get(ref["name"], {}):
            errors.append(f"{path}: TriggerAuthentication/{name} reads {ref['name']}/{ref['key']}, absent from the Secret template")
QUEUES = {"ai-jobs": ("tailor.ai-jobs", "WORKER_CONCURRENCY", "16"),
          "compile": ("tailor.compile", "COMPILE_CONCURRENCY", None)}
for name, (path, doc) in by_kind.get("ScaledObject", {}).items():
    target = doc["spec"]["scaleTargetRef"]["name"]
    dep = by_kind.get("Deployment", {}).get(target)
    if dep is None:
        errors.append(f"{path}: ScaledObject/{name} targets unknown Deployment {target}")
        continue
    env = {e["name"]: e.get("value") for e in dep[1]["spec"]["template"]["spec"]["containers"][0].get("env", [])}
    queue = env.get("WORKER_QUEUES")
    if queue not in QUEUES:
        errors.append(f"{path}: ScaledObject/{name}: {target} must take exactly one queue, has {queue!r}")
        continue
    job_type, var, default = QUEUES[queue]
    concurrency = env.get(var, default)
    for t in doc["spec"]["triggers"]:
        if t.get("authenticationRef", {}).get("name") not in by_kind.get("TriggerAuthentication", {}):
            errors.append(f"{path}: ScaledObject/{name}: unknown TriggerAuthentication")
        m = t["metadata"]
        if t["type"] != "postgresql":
            errors.append(f"{path}: ScaledObject/{name}: trigger {t['type']} is not postgresql")
        if f"job_type = '{job_type}'" not in m.get("query", ""):
            errors.append(f"{path}: ScaledObject/{name}: query does not count {job_type}")
        if m.get("targetQueryValue") != concurrency:
            errors.append(f"{path}: ScaledObject/{name}: targetQueryValue {m.get('targetQueryValue')} != {target}'s {var} {concurrency}")

if errors:
    print("\n".join(errors))
    sys.exit(1)
print(f"{len(docs)} documents; {keda_checked} KEDA objects")
PY
check "KEDA objects (CRD schemas, deploy/schemas) and manifest invariants" \
    python3 "$work/k8s.py" "$K8S_VERSION"

# --- Grafana and PromQL ------------------------------------------------------------
check "deploy/grafana/tailor.json is JSON" python3 -m json.tool deploy/grafana/tailor.json /dev/null

cat >"$work/promql.py" <<'PY'
"""The dashboard's expressions become recording rules (so promtool parses
them), and every metric the dashboard and the alerts name must be one the
binaries export (shared/src/metrics.rs)."""
import json, re, sys
import yaml

work = sys.argv[1]
GAUGES_COUNTERS = ["tailor_queue_depth", "tailor_queue_oldest_pending_seconds", "tailor_jobs_total",
                   "tailor_provider_requests_total", "tailor_provider_retries_total",
                   "tailor_provider_tokens_total", "tailor_edits_total"]
HISTOGRAMS = ["tailor_job_duration_seconds", "tailor_provider_request_duration_seconds",
              "tailor_compile_duration_seconds", "http_server_request_duration_seconds"]
KNOWN = set(GAUGES_COUNTERS) | {h + s for h in HISTOGRAMS for s in ("_bucket", "_sum", "_count")}
KEYWORDS = {"and", "or", "unless", "by", "without", "on", "ignoring", "group_left", "group_right",
            "bool", "offset", "inf", "nan", "le"}

def metrics(expr):
    e = re.sub(r'"(?:[^"\\]|\\.)*"', '""', expr)
    e = re.sub(r"\{[^}]*\}", "", e)
    e = re.sub(r"\[[^\]]*\]", "", e)
    e = re.sub(r"\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)", "", e)
    out = set()
    for m in re.finditer(r"(?<![\w.$])([A-Za-z_:][A-Za-z0-9_:]*)\s*(\()?", e):
        word, call = m.group(1), m.group(2)
        if not call and word.lower() not in KEYWORDS:
            out.add(word)
    return out

dash = json.load(open("deploy/grafana/tailor.json"))
assert any(i.get("name") == "DS_PROMETHEUS" for i in dash.get("__inputs", [])), "no DS_PROMETHEUS input"
exprs = []
def walk(panels):
    for p in panels:
        ds = p.get("datasource")
        if ds and ds.get("uid") != "${DS_PROMETHEUS}":
            raise SystemExit(f"panel {p.get('title')!r}: datasource is not ${{DS_PROMETHEUS}}")
        for t in p.get("targets", []):
            exprs.append((p["title"], t["expr"]))
        walk(p.get("panels", []))
walk(dash["panels"])

errors, used = [], set()
rules = []
for i, (title, expr) in enumerate(exprs):
    # Grafana's variables are not PromQL: stand in a duration for them.
    promql = re.sub(r"\$__(rate_)?interval|\$__range", "5m", expr)
    rules.append({"record": f"dashboard:expr_{i}", "expr": promql})
    for name in metrics(promql):
        used.add(name)
        if name not in KNOWN:
            errors.append(f"dashboard panel {title!r}: unknown metric {name}")
yaml.safe_dump({"groups": [{"name": "dashboard", "rules": rules}]}, open(f"{work}/dashboard_rules.yaml", "w"))

for group in yaml.safe_load(open("deploy/prometheus/alerts.yaml"))["groups"]:
    for rule in group["rules"]:
        for name in metrics(rule["expr"]):
            if name not in KNOWN:
                errors.append(f"alert {rule.get('alert')}: unknown metric {name}")

missing = [m for m in GAUGES_COUNTERS + HISTOGRAMS if not any(u.startswith(m) for u in used)]
if missing:
    errors.append(f"metrics not on the dashboard: {', '.join(missing)}")
if errors:
    print("\n".join(errors))
    sys.exit(1)
print(f"{len(exprs)} expressions, {len(used)} metric names, all known")
PY
check "dashboard and alert expressions name only exported metrics" python3 "$work/promql.py" "$work"
if [ -f "$work/dashboard_rules.yaml" ]; then
    check "dashboard expressions parse (promtool check rules)" promtool check rules "$work/dashboard_rules.yaml"
fi

# --- build context ------------------------------------------------------------------
cat >"$work/dockerignore.py" <<'PY'
"""What `docker build .` would send, by the Docker SDK's implementation of
.dockerignore: the build's inputs stay, secrets and build output go."""
import sys
from docker.utils.build import exclude_paths

patterns = [l.strip() for l in open(".dockerignore") if l.strip() and not l.lstrip().startswith("#")]
sent = set(exclude_paths(".", patterns))
def present(p):
    return p in sent or any(s.startswith(p + "/") for s in sent)
NEEDED = ["Cargo.toml", "Cargo.lock", ".sqlx", "migrations", "api/src", "worker/src", "shared/src",
          "text/src", "text/data", "engine/src", "tools/src", "tests/Cargo.toml",
          "scripts/ensure-tools.sh", "worker/src/compile/fonts.conf", "deploy/Dockerfile"]
SECRET_OR_HEAVY = [".env", ".dev", ".data", "target", "fuzz/target", ".git", "bench/keys"]
# Files the binaries embed (include_str!/include_bytes! in the crates' src/).
import os, re
for crate in ("api", "worker", "shared", "text", "engine", "tools"):
    for root, _, files in os.walk(f"{crate}/src"):
        for name in files:
            if name.endswith(".rs"):
                path = os.path.join(root, name)
                for target in re.findall(r'include_(?:str|bytes)!\(\s*"([^"]+)"', open(path).read()):
                    NEEDED.append(os.path.relpath(os.path.normpath(os.path.join(root, target))))
errors = [f"needed by the build but excluded: {p}" for p in NEEDED if not present(p)]
errors += [f"sent to the builder: {p}" for p in SECRET_OR_HEAVY if present(p)]
if errors:
    print("\n".join(errors))
    sys.exit(1)
print(f"{len(sent)} files in the context")
PY
check ".dockerignore keeps the build's inputs and drops secrets/target" python3 "$work/dockerignore.py"

# --- docker compose ---------------------------------------------------------------
if command -v docker >/dev/null 2>&1 && docker compose version >/dev/null 2>&1; then
    # .env is the app services' env_file; an empty stand-in lets config
    # resolve on a fresh clone without creating one in the work tree.
    if [ -f .env ]; then
        check "docker compose config -q (all profiles)" \
            docker compose --profile app --profile observability config -q
    else
        check "docker compose config -q (all profiles)" \
            sh -c 'touch .env && trap "rm -f .env" EXIT && docker compose --profile app --profile observability config -q'
    fi
else
    say "skip  docker compose config (no Docker CLI with the compose plugin here)"
    check "docker-compose.yml parses; its profiles and mounted files exist" python3 - <<'PY'
import os, sys, yaml
c = yaml.safe_load(open("docker-compose.yml"))
errors = []
profiles = {p for s in c["services"].values() for p in s.get("profiles", [])}
for want in ("app", "observability"):
    if want not in profiles:
        errors.append(f"no service in profile {want}")
for name, s in c["services"].items():
    for v in s.get("volumes", []):
        src = v.split(":")[0]
        if src.startswith(".") and not os.path.exists(src):
            errors.append(f"{name}: mounts missing {src}")
    b = s.get("build")
    if b and not os.path.exists(os.path.join(b.get("context", "."), b.get("dockerfile", "Dockerfile"))):
        errors.append(f"{name}: missing Dockerfile")
for name in ("api", "worker"):
    env = c["services"][name].get("environment", {})
    if not str(env.get("OTEL_EXPORTER_OTLP_ENDPOINT", "")).startswith("http://jaeger:"):
        errors.append(f"{name}: OTEL_EXPORTER_OTLP_ENDPOINT should point at jaeger")
if errors:
    print("\n".join(errors)); sys.exit(1)
PY
fi

if [ "$failures" -gt 0 ]; then
    say "$failures check(s) failed"
    exit 1
fi
say "all deployment checks passed"
