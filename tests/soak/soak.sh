#!/bin/sh
# soak (issue 12): a federation under steady load for SOAK_SECONDS (default 600), outside
# make check (run by `make soak`). 1 authority + SOAK_PLATFORMS (3) platforms, real
# hashfed-node processes on loopback mutual TLS:
#  - orders: SOAK_ORDER_RATE (10) per second, round-robin over the platforms, POSTed once
#    a second in one bulk request;
#  - list updates: every SOAK_BATCH_S (10) seconds a batch of SOAK_BATCH (2000) PDQ entries
#    to a list entitled to every platform, and every 6th update removes 100 entries.
# Every SOAK_SAMPLE_S (15) seconds each node's VmRSS and open file descriptor count are
# sampled (SOAK_DIR/samples.jsonl). At the end, after a drain (at most 120 s):
#  - no message lost: every order accepted exactly once by its platform and its receipt back
#    at the authority, every platform at the issuer's head with the same head hash and
#    active entry count, no refusal counted anywhere (hashfed_rejects_total) but expired
#    pulls (they live 10 s and are replaced, never retried);
#  - flat: per node, fds at the end ≤ fds after warm-up + SOAK_FD_SLACK (4), and RSS over
#    the last fifth of the run ≤ RSS over the second fifth × 1.15 + 16 MiB (SQLite's page
#    cache grows with the database up to its bound; a leak grows without one).
# Prints one JSON line per figure (the form of scripts/run-benches) and exits 1 on failure.
# env: BUILD (build dir, default build), SOAK_* above.
set -eu
BUILD=${BUILD:-build}
BIN=$BUILD/bin
W=${SOAK_DIR:-$BUILD/soak}
LOG_LEVEL=${LOG_LEVEL:-warn}
SOAK_PLATFORMS=${SOAK_PLATFORMS:-3}
. "$(dirname "$0")/../integration/lib_fed.sh"
NODES="auth"
i=1
while [ "$i" -le "$SOAK_PLATFORMS" ]; do NODES="$NODES p$i"; i=$((i + 1)); done
cleanup() { for n in $NODES; do killhard "$n"; done; }
trap cleanup EXIT
specs="auth:authority"
for n in $NODES; do [ "$n" = auth ] || specs="$specs $n:platform"; done
# shellcheck disable=SC2086
fed_init $specs
for n in $NODES; do start "$n"; done
for n in $NODES; do wait_api "$n"; done
: >"$W/nodes"
for n in $NODES; do eval "echo \"$n \$PID_$n \$API_$n \$ID_$n\"" >>"$W/nodes"; done

python3 - "$W" "$TOKEN" <<'PY'
import http.client, json, os, statistics, sys, time
W, tok = sys.argv[1], sys.argv[2]
env = lambda k, d: int(os.environ.get(k, d))
dur, rate = env("SOAK_SECONDS", 600), env("SOAK_ORDER_RATE", 10)
batch_s, batch_n, sample_s = env("SOAK_BATCH_S", 10), env("SOAK_BATCH", 2000), env("SOAK_SAMPLE_S", 15)
fd_slack = env("SOAK_FD_SLACK", 4)
nodes = []
for line in open(f"{W}/nodes"):
    name, pid, api, mid = line.split()
    nodes.append({"name": name, "pid": int(pid), "api": api, "id": mid})
auth, plats = nodes[0], nodes[1:]
H = {"Authorization": "Bearer " + tok, "Content-Type": "application/json"}
conns = {}
def call(node, m, p, b=None):
    for attempt in (0, 1):
        c = conns.get(node["name"])
        if c is None:
            h, port = node["api"].split(":")
            c = conns[node["name"]] = http.client.HTTPConnection(h, int(port), timeout=120)
        try:
            c.request(m, p, body=json.dumps(b) if b is not None else None, headers=H)
            r = c.getresponse(); raw = r.read()
            break
        except (http.client.HTTPException, OSError):
            conns.pop(node["name"]).close()
            if attempt: raise
    if r.status != 200:
        raise SystemExit(f"{node['name']} {m} {p}: {r.status} {raw[:300]!r}")
    return raw
req = lambda node, m, p, b=None: json.loads(call(node, m, p, b))
def metric(node, name, label=""):
    return sum(int(l.split()[-1]) for l in call(node, "GET", "/metrics").decode().splitlines()
               if l.startswith(name + "{") and label in l)
def proc(pid):
    rss = 0.0
    for l in open(f"/proc/{pid}/status"):
        if l.startswith("VmRSS:"):
            rss = int(l.split()[1]) / 1024.0
    return rss, len(os.listdir(f"/proc/{pid}/fd"))
def emit(name, unit, ours, baseline, bval, **kw):
    d = {"bench": name, "unit": unit, "ours": ours, "baseline": baseline, "baseline_value": bval,
         "ratio": round(ours / bval, 3) if bval else None}
    d.update(kw)
    print(json.dumps(d), flush=True)

L = req(auth, "POST", "/v1/lists", {"name": "soak", "algs": ["pdq"],
                                     "platforms": [p["id"] for p in plats]})["id"]
sent = {p["name"]: 0 for p in plats}
n_orders = n_entries = n_removed = updates = seq = 0
samples = []
fs = open(f"{W}/samples.jsonl", "w")
t0 = time.time()
next_order = next_batch = next_sample = t0
while True:
    now = time.time()
    if now - t0 >= dur:
        break
    if now >= next_sample:
        s = {"t": round(now - t0, 1)}
        for n in nodes:
            s[n["name"]] = proc(n["pid"])
        samples.append(s)
        fs.write(json.dumps(s) + "\n"); fs.flush()
        next_sample += sample_s
    if now >= next_batch:
        ents = [{"alg": "pdq", "value": os.urandom(32).hex(), "quality": 90,
                 "pseudonym": os.urandom(16).hex()} for _ in range(batch_n)]
        first = req(auth, "POST", f"/v1/lists/{L}/entries", {"entries": ents})["first_id"]
        n_entries += batch_n
        updates += 1
        if updates % 6 == 0:
            req(auth, "POST", f"/v1/lists/{L}/remove", {"ids": list(range(first, first + 100))})
            n_removed += 100
        next_batch += batch_s
    if now >= next_order:
        os_ = []
        for _ in range(rate):
            p = plats[seq % len(plats)]
            seq += 1
            sent[p["name"]] += 1
            os_.append({"platform": p["id"], "category": "deepfake_sexual",
                        "legal_basis": "Act 44-7(1)", "case": f"SOAK-{seq}", "deadline": "24h",
                        "items": [{"url": f"https://video.example/s/{seq:08d}"}]})
        req(auth, "POST", "/v1/orders", {"orders": os_})
        n_orders += rate
        next_order += 1.0
    time.sleep(max(0.0, min(next_order, next_batch, next_sample) - time.time()))
fs.close()
# drain
head = req(auth, "GET", f"/v1/lists/{L}")
t_end = time.time()
fails = []
while time.time() - t_end < 120:
    back = metric(auth, "hashfed_messages_in_total", 'type="33"')
    heads = [req(p, "GET", f"/v1/lists/{L}") for p in plats]
    if back >= n_orders and all(h["head"] == head["head"] for h in heads):
        break
    time.sleep(1)
drain = time.time() - t_end
back = metric(auth, "hashfed_messages_in_total", 'type="33"')
if back != n_orders:
    fails.append(f"receipts: {back} of {n_orders}")
for p in plats:
    got = metric(p, "hashfed_messages_in_total", 'type="32"')
    if got != sent[p["name"]]:
        fails.append(f"{p['name']}: accepted {got} orders of {sent[p['name']]}")
    h = req(p, "GET", f"/v1/lists/{L}")
    if h["head"] != head["head"] or h["head_hash"] != head["head_hash"] or \
            h["entries"]["active"] != head["entries"]["active"]:
        fails.append(f"{p['name']}: list at {h['head']} ({h['entries']}), issuer {head['head']} ({head['entries']})")
# Pulls and hellos live 10 s (node/lists/lists.c): under load some expire before they are
# delivered and are refused HF_EEXPIRED, by design (the next pull replaces them). Any other
# refusal fails the soak.
expired = 0
for n in nodes:
    rj = metric(n, "hashfed_rejects_total")
    ex = metric(n, "hashfed_rejects_total", 'code="HF_EEXPIRED"')
    expired += ex
    if rj - ex:
        fails.append(f"{n['name']}: {rj - ex} refusals counted (besides {ex} HF_EEXPIRED)")
# flatness
k = len(samples)
early = samples[k // 5: 2 * k // 5 or 1]
late = samples[-max(1, k // 5):]
warm = samples[min(k - 1, max(1, k // 5))]
for n in nodes:
    nm = n["name"]
    r_early = statistics.median(s[nm][0] for s in early)
    r_late = statistics.median(s[nm][0] for s in late)
    f_warm, f_end = warm[nm][1], samples[-1][nm][1]
    emit(f"soak_rss_{nm}_mib", "MiB (lower is better)", round(r_late, 1),
         "the same node's RSS in the second fifth of the run", round(r_early, 1),
         peak=round(max(s[nm][0] for s in samples), 1))
    emit(f"soak_fds_{nm}", "open fds (lower is better)", f_end, "after warm-up", f_warm,
         max=max(s[nm][1] for s in samples))
    if r_late > r_early * 1.15 + 16:
        fails.append(f"{nm}: RSS grew from {r_early:.1f} to {r_late:.1f} MiB")
    if f_end > f_warm + fd_slack:
        fails.append(f"{nm}: fds grew from {f_warm} to {f_end}")
emit("soak_orders_receipts", "receipts back (all of them)", back, "orders sent", n_orders,
     seconds=dur, platforms=len(plats), entries_added=n_entries, entries_removed=n_removed,
     list_batches=head["head"], drain_s=round(drain, 1), samples=k,
     expired_pulls_refused=expired)
if fails:
    print("soak FAILED:\n  " + "\n  ".join(fails), file=sys.stderr)
    sys.exit(1)
print(f"soak: ok ({dur} s, {n_orders} orders, {head['head']} batches)", file=sys.stderr)
PY
