#!/bin/bash
# SIGKILL at random moments (issue 12, "Faults"): an authority publishes list batches and
# issues orders to a platform, the platform receipts them and posts outcomes, while one of
# the two nodes is killed with SIGKILL HF_CRASH_KILLS times (default 16; 200 from
# tests/bench/crash_kills.sh) at a random moment and restarted, sometimes before its API is
# up (startup recovery, catch-up pulls, inbox replay). Where each kill landed (node, ms after
# start, what the node was doing: the last event it logged, and what was in flight) is one
# JSON line in $W/kills.jsonl. After the last restart:
#  - every acknowledged message is present exactly once: each list entry the authority's
#    API acknowledged is on the platform, each acknowledged order is held by both sides once
#    and has its receipt, each acknowledged outcome is applied at the authority once;
#  - nothing applied twice or out of order: the platform's batch chain is 1..head with the
#    authority's head hash, and every order's message history (ids, in order) is the same on
#    both nodes;
#  - PRAGMA integrity_check is ok on both databases.
# usage: kill.sh BIN_DIR TEST_BIN_DIR WORK_DIR
set -eu
BIN=$1
TBIN=$2
W=$3
KILLS=${HF_CRASH_KILLS:-16}
. "$(dirname "$0")/../integration/lib_fed.sh"
. "$(dirname "$0")/../integration/lib_orders.sh"
WL=
trap 'set +e; [ -n "$WL" ] && kill $WL 2>/dev/null; for n in auth p1; do killhard $n; done; true' EXIT

fed_init auth:authority p1:platform
orders_cfg auth
orders_cfg p1
start auth; start p1; wait_api auth; wait_api p1
L=$(api auth POST /v1/lists "{\"name\":\"crash\",\"category\":7,\"algs\":[\"sha256\"],\"platforms\":[\"$ID_p1\"]}" | jget "['id']")
[ -n "$L" ] || fail "no list"
: > "$W/acked_entries"; : > "$W/acked_orders"; : > "$W/acked_outcomes"; : > "$W/kills.jsonl"

# The workload: runs until $W/stop exists; records only what an API acknowledged (HTTP 200).
workload() {
  local i=0 code
  while [ ! -e "$W/stop" ]; do
    i=$((i + 1))
    python3 - "$i" > "$W/wl_e.json" <<'PY'
import hashlib, json, sys
i = int(sys.argv[1])
print(json.dumps({"entries": [{"alg": "sha256", "value": hashlib.sha256(f"k/{i}/{j}".encode()).hexdigest(),
    "quality": 90, "category": 7, "case": f"K-{i}"} for j in range(200)]}))
PY
    code=$(curl -s -o "$W/wl_r.json" -w '%{http_code}' --max-time 10 -X POST \
      -H "Authorization: Bearer $TOKEN" --data-binary @"$W/wl_e.json" \
      "http://$API_auth/v1/lists/$L/entries" 2>/dev/null || true)
    [ "$code" = 200 ] && echo "$i 200" >> "$W/acked_entries"
    code=$(curl -s -o "$W/wl_o.json" -w '%{http_code}' --max-time 10 -X POST \
      -H "Authorization: Bearer $TOKEN" --data-binary \
      "{\"platform\":\"$ID_p1\",\"category\":\"csam\",\"deadline\":\"24h\",\"legal_basis\":\"Act 44-7\",\"case\":\"K-$i\",\"items\":[{\"url\":\"https://media.example/k/$i\"}]}" \
      "http://$API_auth/v1/orders" 2>/dev/null || true)
    [ "$code" = 200 ] && python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['id'])" "$W/wl_o.json" >> "$W/acked_orders" 2>/dev/null
    # An outcome for an order the platform holds and has not answered yet.
    if [ $((i % 2)) = 0 ]; then
      local o
      o=$(sed -n "$((i / 2))p" "$W/acked_orders" 2>/dev/null || true)
      if [ -n "$o" ]; then
        code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 10 -X POST \
          -H "Authorization: Bearer $TOKEN" \
          --data-binary '{"results":[{"item":0,"outcome":"removed"}]}' \
          "http://$API_p1/v1/orders/$o/outcomes" 2>/dev/null || true)
        [ "$code" = 200 ] && echo "$o" >> "$W/acked_outcomes"
      fi
    fi
    sleep 0.0$((RANDOM % 5))
  done
}
workload &
WL=$!

# last_event NODE: the event of the last complete log line (what the node was doing).
last_event() {
  tail -n 1 "$W/$1.log" 2>/dev/null | python3 -c "import sys,json
try: print(json.loads(sys.stdin.read()).get('event','?'))
except Exception: print('?')"
}
t0=$(date +%s%N)
for k in $(seq "$KILLS"); do
  # Mostly the platform (ingest, inbox, receipts), a third of the time the authority
  # (API acknowledgements, outbox, receipts arriving).
  if [ $((RANDOM % 3)) = 0 ]; then n=auth; else n=p1; fi
  # Half the kills land during startup (before the API answers), half in steady state.
  if [ $((RANDOM % 2)) = 0 ]; then delay=$((RANDOM % 400)); up=0; else wait_api $n; delay=$((300 + RANDOM % 1500)); up=1; fi
  sleep "$(printf '0.%03d' $((delay % 1000)))"; [ $delay -ge 1000 ] && sleep 1
  ev=$(last_event $n)
  inflight=$(python3 -c "import sqlite3,sys
print(sqlite3.connect('file:'+sys.argv[1]+'?mode=ro',uri=True,timeout=1).execute('SELECT count(*) FROM outbox WHERE done_ms IS NULL').fetchone()[0])" "$W/auth/data/node.db" 2>/dev/null || echo '?')
  killhard $n
  echo "{\"kill\":$k,\"node\":\"$n\",\"api_up\":$up,\"ms_after_start\":$delay,\"last_event\":\"$ev\",\"auth_outbox_pending\":\"$inflight\",\"acked_orders\":$(wc -l < "$W/acked_orders")}" >> "$W/kills.jsonl"
  start $n
done
wait_api auth; wait_api p1
sleep 2
touch "$W/stop"; wait $WL 2>/dev/null || true; WL=
t1=$(date +%s%N)

echo "# $KILLS kills in $(( (t1 - t0) / 1000000 )) ms; acknowledged: $(wc -l < "$W/acked_entries") batches of entries, $(wc -l < "$W/acked_orders") orders, $(wc -l < "$W/acked_outcomes") outcomes"
python3 - "$W/kills.jsonl" <<'PY'
import collections, json, sys
k = [json.loads(l) for l in open(sys.argv[1])]
by = collections.Counter((x['node'], x['last_event']) for x in k)
print("# kills by node and last logged event:", dict(by))
PY

# Convergence: the platform reaches the authority's head; every acknowledged order has its receipt.
H=$(head_of auth "$L")
wait_head p1 "$L" "$H" 120
for _ in $(seq 600); do
  pending=$(api auth GET /v1/orders | python3 -c "import sys,json; print(sum(1 for o in json.load(sys.stdin)['orders'] if not o['receipt_ms']))")
  [ "$pending" = 0 ] && break; sleep 0.2
done
[ "$pending" = 0 ] || fail "$pending orders without receipt"
# outcomes reach the authority
while read -r o; do
  for _ in $(seq 300); do [ "$(item_state auth "$o" 0)" = ACTIONED ] && break; sleep 0.1; done
  [ "$(item_state auth "$o" 0)" = ACTIONED ] || fail "acknowledged outcome of $o not applied at the authority ($(item_state auth "$o" 0))"
done < "$W/acked_outcomes"

# Every acknowledged message present exactly once; entry counts agree.
[ "$(api p1 GET "/v1/lists/$L" | jget "['entries']['active']")" = "$(api auth GET "/v1/lists/$L" | jget "['entries']['active']")" ] || fail "active entries differ"
[ "$(api p1 GET "/v1/lists/$L" | jget "['head_hash']")" = "$(api auth GET "/v1/lists/$L" | jget "['head_hash']")" ] || fail "head hash differs"
acked_e=$(( $(wc -l < "$W/acked_entries") * 200 ))
active=$(api auth GET "/v1/lists/$L" | jget "['entries']['active']")
[ "$active" -ge "$acked_e" ] || fail "authority holds $active entries, $acked_e acknowledged"
stop auth; stop p1
python3 - "$W/auth/data/node.db" "$W/p1/data/node.db" "$W/acked_orders" "$L" <<'PY'
import sqlite3, sys
auth, p1, acked, L = sys.argv[1], sys.argv[2], sys.argv[3], bytes.fromhex(sys.argv[4])
bad = []
dbs = {}
for name, path in (("auth", auth), ("p1", p1)):
    db = sqlite3.connect(path)
    r = db.execute("PRAGMA integrity_check").fetchall()
    if r != [("ok",)]:
        bad.append(f"{name}: integrity_check {r}")
    dbs[name] = db
# the platform's batch chain: 1..head, each once, head as the authority's
ns = [r[0] for r in dbs["p1"].execute("SELECT n FROM batches WHERE list_id=? ORDER BY n", (L,))]
head = dbs["auth"].execute("SELECT head_n, head_hash FROM lists WHERE id=?", (L,)).fetchone()
if ns != list(range(1, len(ns) + 1)) or len(ns) != head[0]:
    bad.append(f"p1 batches {ns[:5]}..{ns[-5:]} ({len(ns)}), authority head {head[0]}")
if dbs["p1"].execute("SELECT head_hash FROM lists WHERE id=?", (L,)).fetchone()[0] != head[1]:
    bad.append("p1 head hash")
# every acknowledged order: once on each side, the same history in the same order
acked_ids = [l.strip() for l in open(acked) if l.strip()]
for o in acked_ids:
    oid = bytes.fromhex(o)
    hist = {}
    for name, db in dbs.items():
        rows = db.execute("SELECT type, msg_id FROM order_msgs WHERE order_id=? ORDER BY seq", (oid,)).fetchall()
        hist[name] = rows
        if sum(1 for t, _ in rows if t == 32) != 1:
            bad.append(f"{name}: order {o} held {sum(1 for t, _ in rows if t == 32)} times")
    if hist["auth"] != hist["p1"]:
        bad.append(f"order {o}: histories differ auth={[(t, m.hex()[:8]) for t, m in hist['auth']]} p1={[(t, m.hex()[:8]) for t, m in hist['p1']]}")
n_p1 = dbs["p1"].execute("SELECT count(DISTINCT order_id), count(*) FROM order_msgs WHERE type=32").fetchone()
if n_p1[0] != n_p1[1]:
    bad.append(f"p1 holds duplicate orders {n_p1}")
print(f"# checked {len(acked_ids)} acknowledged orders, {len(ns)} batches; integrity ok on both")
if bad:
    print("\n".join(bad[:20]))
    sys.exit(1)
PY
[ $? = 0 ] || fail "database checks"
echo "PASS kill: $KILLS kills"
