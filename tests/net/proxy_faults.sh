#!/bin/bash
# Network faults between real nodes (issue 12, "Faults"): every node is reached only through
# its own fault-injecting TCP proxy (faultproxy.py: delay, drop, reset, partition), and the
# proxies and nodes are restarted, while an authority publishes list batches and issues
# orders to two platforms that receipt them and post outcomes. HF_NET_ROUNDS rounds of the
# fault schedule (default 1; tests/bench/crash_kills.sh runs more). After the faults heal:
#  - every message is delivered once in effect: each acknowledged order is held once by its
#    platform and receipted, each acknowledged outcome is applied once, both platforms reach
#    the list head with the authority's hash, and every order's history is the same (ids, in
#    order) on both sides;
#  - undeliverable ones are reported as such: a third platform stays partitioned for the whole
#    test; its order has no receipt and stays ISSUED, its list delivery shows as pending in
#    /v1/status, and when its deadline has passed (test clock) the authority reports the item
#    overdue, never delivered;
#  - PRAGMA integrity_check is ok everywhere; fault counts are printed.
# usage: proxy_faults.sh BIN_DIR TEST_BIN_DIR WORK_DIR
set -eu
BIN=$1
TBIN=$2
W=$3
ROUNDS=${HF_NET_ROUNDS:-1}
EP_OFFSET=10
. "$(dirname "$0")/../integration/lib_fed.sh"
. "$(dirname "$0")/../integration/lib_orders.sh"
PROXY="$(dirname "$0")/faultproxy.py"
NODES="auth p1 p2 p3"
WL=
trap 'set +e; [ -n "$WL" ] && kill $WL 2>/dev/null; for n in $NODES; do killhard $n; pstop $n; done; true' EXIT

fed_init auth:authority p1:platform p2:platform p3:platform
for n in $NODES; do orders_cfg $n; done
# proxy NODE: listens on the node's published port, forwards to its real one.
pstart() {
  local i=0 n
  for n in $NODES; do [ "$n" = "$1" ] && break; i=$((i + 1)); done
  python3 "$PROXY" $((BASE + 10 + i)) $((BASE + i)) "$W/$1.ctl" "$W/$1.pstats.$(date +%s%N)" \
    2>>"$W/$1.proxy.log" & eval "PPID_$1=$!"
}
pstop() { local p; eval "p=\${PPID_$1:-}"; [ -n "$p" ] && kill "$p" 2>/dev/null; wait "$p" 2>/dev/null || true; }
fault() { echo "$2" > "$W/$1.ctl"; echo "$(date +%s%N) $1 $2" >> "$W/faults.log"; }
for n in $NODES; do echo pass > "$W/$n.ctl"; pstart $n; done
fault p3 partition
for n in $NODES; do start $n; done
for n in $NODES; do wait_api $n; done

L=$(api auth POST /v1/lists "{\"name\":\"net\",\"category\":7,\"algs\":[\"sha256\"],\"platforms\":[\"$ID_p1\",\"$ID_p2\",\"$ID_p3\"]}" | jget "['id']")
O3=$(send_order auth "$ID_p3" 1 1h)
: > "$W/acked_orders"; : > "$W/acked_outcomes"

workload() {
  local i=0 code p o
  while [ ! -e "$W/stop" ]; do
    i=$((i + 1))
    python3 - "$i" > "$W/wl_e.json" <<'PY'
import hashlib, json, sys
i = int(sys.argv[1])
print(json.dumps({"entries": [{"alg": "sha256", "value": hashlib.sha256(f"n/{i}/{j}".encode()).hexdigest(),
    "quality": 90, "category": 7, "case": f"N-{i}"} for j in range(100)]}))
PY
    curl -s -o /dev/null --max-time 10 -X POST -H "Authorization: Bearer $TOKEN" \
      --data-binary @"$W/wl_e.json" "http://$API_auth/v1/lists/$L/entries" 2>/dev/null || true
    if [ $((i % 2)) = 0 ]; then p=p1; else p=p2; fi
    eval "pid=\$ID_$p"
    code=$(curl -s -o "$W/wl_o.json" -w '%{http_code}' --max-time 10 -X POST \
      -H "Authorization: Bearer $TOKEN" --data-binary \
      "{\"platform\":\"$pid\",\"category\":\"csam\",\"deadline\":\"24h\",\"legal_basis\":\"Act 44-7\",\"case\":\"N-$i\",\"items\":[{\"url\":\"https://media.example/n/$i\"}]}" \
      "http://$API_auth/v1/orders" 2>/dev/null || true)
    [ "$code" = 200 ] && echo "$(jget "['id']" < "$W/wl_o.json") $p" >> "$W/acked_orders"
    # answer an earlier order its platform already holds
    o=$(sed -n "$(( (i + 1) / 2 ))p" "$W/acked_orders" 2>/dev/null || true)
    if [ -n "$o" ] && [ $((i % 3)) = 0 ]; then
      eval "a=\$API_${o#* }"
      code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 10 -X POST \
        -H "Authorization: Bearer $TOKEN" --data-binary '{"results":[{"item":0,"outcome":"removed"}]}' \
        "http://$a/v1/orders/${o% *}/outcomes" 2>/dev/null || true)
      [ "$code" = 200 ] && echo "${o% *}" >> "$W/acked_outcomes"
    fi
    sleep 0.1
  done
}
workload &
WL=$!

step() { sleep "${STEP:-2.5}"; }
for r in $(seq "$ROUNDS"); do
  echo "# round $r"
  fault p1 "delay 300"; step
  fault p1 pass; fault p2 drop; step
  fault p2 pass; fault auth reset; step
  fault auth pass; fault p1 partition; step
  fault p1 pass; pstop p2; step; pstart p2; echo "$(date +%s%N) p2 proxy-restart" >> "$W/faults.log"
  killhard p1; echo "$(date +%s%N) p1 node-kill" >> "$W/faults.log"; start p1
  stop auth; echo "$(date +%s%N) auth node-restart" >> "$W/faults.log"; start auth; wait_api auth; step
  fault p2 reset; fault p1 "delay 150"; step
  fault p2 pass; fault p1 pass; fault auth partition; step
  fault auth pass
done
wait_api p1
sleep 2
touch "$W/stop"; wait $WL 2>/dev/null || true; WL=
echo "# acknowledged: $(wc -l < "$W/acked_orders") orders, $(wc -l < "$W/acked_outcomes") outcomes"

# Delivered once in effect.
H=$(head_of auth "$L")
wait_head p1 "$L" "$H" 120
wait_head p2 "$L" "$H" 120
for p in p1 p2; do
  [ "$(api $p GET "/v1/lists/$L" | jget "['head_hash']")" = "$(api auth GET "/v1/lists/$L" | jget "['head_hash']")" ] || fail "$p head hash"
done
for _ in $(seq 600); do
  pending=$(api auth GET /v1/orders | python3 -c "import sys,json; print(sum(1 for o in json.load(sys.stdin)['orders'] if not o['receipt_ms'] and o['id']!=sys.argv[1]))" "$O3")
  [ "$pending" = 0 ] && break; sleep 0.2
done
[ "$pending" = 0 ] || fail "$pending orders without receipt after the faults healed"
while read -r o; do
  for _ in $(seq 300); do [ "$(item_state auth "$o" 0)" = ACTIONED ] && break; sleep 0.1; done
  [ "$(item_state auth "$o" 0)" = ACTIONED ] || fail "acknowledged outcome of $o not applied ($(item_state auth "$o" 0))"
done < "$W/acked_outcomes"

# Undeliverable reported as such.
[ "$(api auth GET "/v1/orders/$O3" | jx "bool(d.get('receipt_ms'))")" = False ] || fail "order to the partitioned platform receipted"
[ "$(item_state auth "$O3" 0)" = ISSUED ] || fail "order to the partitioned platform is $(item_state auth "$O3" 0)"
api auth GET /v1/status | python3 -c "import sys,json
d=[x for x in json.load(sys.stdin)['delivery'] if x['peer']==sys.argv[1]]
assert d and d[0]['lag'] > 0 and d[0]['pending'] > 0, d
print('# partitioned platform: list delivery', d[0])" "$ID_p3" || fail "p3's undelivered batches not reported"
stop auth
start_at auth $((2 * 3600 * 1000))
st=$(item_state auth "$O3" 0)
for _ in $(seq 100); do st=$(item_state auth "$O3" 0); case $st in OVERDUE|ESCALATED) break ;; esac; sleep 0.1; done
case $st in OVERDUE|ESCALATED) ;; *) fail "undelivered order past its deadline is $st" ;; esac
[ "$(api auth GET "/v1/orders/$O3" | jx "bool(d.get('receipt_ms'))")" = False ] || fail "overdue order shows a receipt"
echo "# undelivered order past its deadline: $st, no receipt"

for n in $NODES; do stop $n; done
python3 - "$W" "$W/acked_orders" <<'PY'
import sqlite3, sys
W, acked = sys.argv[1], sys.argv[2]
dbs = {n: sqlite3.connect(f"{W}/{n}/data/node.db") for n in ("auth", "p1", "p2", "p3")}
bad = []
for n, db in dbs.items():
    if db.execute("PRAGMA integrity_check").fetchall() != [("ok",)]:
        bad.append(f"{n}: integrity_check")
n_ok = 0
for line in open(acked):
    o, p = line.split()
    oid = bytes.fromhex(o)
    h = {n: dbs[n].execute("SELECT type, msg_id FROM order_msgs WHERE order_id=? ORDER BY seq", (oid,)).fetchall() for n in ("auth", p)}
    if sum(1 for t, _ in h[p] if t == 32) != 1:
        bad.append(f"{p} holds order {o} {sum(1 for t, _ in h[p] if t == 32)} times")
    if h["auth"] != h[p]:
        bad.append(f"order {o}: histories differ auth={len(h['auth'])} {p}={len(h[p])}")
    n_ok += 1
print(f"# {n_ok} acknowledged orders: held once, same history on both sides; integrity ok on 4 nodes")
if bad:
    print("\n".join(bad[:20])); sys.exit(1)
PY
[ $? = 0 ] || fail "database checks"
for n in $NODES; do pstop $n; done
python3 - "$W" <<'PY'
import glob, json, sys
tot = {}
for f in glob.glob(f"{sys.argv[1]}/*.pstats.*"):
    if f.endswith(".tmp"):
        continue
    try:
        s = json.load(open(f))
    except Exception:
        continue
    for k, v in s.items():
        if k == "faults":
            for m, c in v.items():
                tot["fault_" + m] = tot.get("fault_" + m, 0) + c
        else:
            tot[k] = tot.get(k, 0) + v
print("# proxy counters:", json.dumps(tot))
PY
echo "# fault schedule: $(cut -d' ' -f3 "$W/faults.log" | sort | uniq -c | tr -s ' ' | tr '\n' ';')"
echo "PASS proxy_faults"
