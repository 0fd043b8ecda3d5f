#!/bin/bash
# I/O faults through an SQLite VFS shim (issue 12, "Faults"): hf_faultvfs is LD_PRELOADed
# into both nodes and fails writes, fsyncs or reports a full disk from a chosen point on.
# The node must acknowledge nothing it could not store, say so, and recover when the fault
# clears:
#  1. authority, disk full: POST /v1/orders is refused (not 200) and names the error; no order
#     exists; after the disk clears the same request succeeds and is delivered;
#  2. authority, fsync fails: the same with the commit's fsync failing;
#  3. platform, disk full while an order arrives: the platform does not receipt it (the order
#     stays undelivered at the authority) and logs the failure; after it clears the order is
#     delivered and receipted exactly once;
#  4. platform, writes fail part-way through a list batch: nothing of the batch is half
#     applied; after it clears the platform reaches the head with every entry;
#  5. PRAGMA integrity_check is ok on both databases; fault counts are printed.
# usage: io_faults.sh BIN_DIR TEST_BIN_DIR WORK_DIR
set -eu
BIN=$1
TBIN=$2
W=$3
SHIM="$TBIN/libhf_faultvfs.so"
[ -e "$SHIM" ] || { echo "SKIP: $SHIM not built"; exit 77; }
. "$(dirname "$0")/../integration/lib_fed.sh"
. "$(dirname "$0")/../integration/lib_orders.sh"
trap 'set +e; for n in auth p1; do killhard $n; done' EXIT

fed_init auth:authority p1:platform
orders_cfg auth
orders_cfg p1
for n in auth p1; do echo ok > "$W/$n.ctl"; : > "$W/$n.faults"; done
# An ASan build has its runtime first; the preloaded shim must not trip its link-order check.
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0"
fstart() { LD_PRELOAD="$SHIM" HF_FAULT_CTL="$W/$1.ctl" HF_FAULT_LOG="$W/$1.faults" start "$1"; }
fault() { sleep 0.05; echo "$2" > "$W/$1.ctl"; sleep 0.05; } # NODE COMMAND (mtime granularity)
fstart auth; fstart p1; wait_api auth; wait_api p1
norders() { api auth GET /v1/orders | python3 -c "import sys,json; print(len(json.load(sys.stdin)['orders']))"; }
order_body() { echo "{\"platform\":\"$ID_p1\",\"category\":\"csam\",\"deadline\":\"24h\",\"legal_basis\":\"Act 44-7\",\"case\":\"IO-$1\",\"items\":[{\"url\":\"https://media.example/io/$1\"}]}"; }
post_order() { # TAG -> HTTP code, body in $W/r.json
  curl -s -o "$W/r.json" -w '%{http_code}' --max-time 30 -X POST -H "Authorization: Bearer $TOKEN" \
    --data-binary "$(order_body "$1")" "http://$API_auth/v1/orders"
}

for mode in full sync; do
  echo "# authority: $mode from the next call on"
  before=$(norders)
  fault auth "$mode 0"
  code=$(post_order "$mode")
  fault auth ok
  [ "$code" != 200 ] || fail "order acknowledged with $mode fault: $(cat "$W/r.json")"
  grep -q '"HF_E' "$W/r.json" || fail "refusal names no error: $(cat "$W/r.json")"
  echo "refused with HTTP $code: $(cat "$W/r.json")"
  [ "$(norders)" = "$before" ] || fail "a refused order exists"
  code=$(post_order "$mode-retry")
  [ "$code" = 200 ] || fail "no recovery after $mode cleared: HTTP $code $(cat "$W/r.json")"
  O=$(jget "['id']" < "$W/r.json")
  wait_state auth "$O" 0 DELIVERED 30
done

echo "# platform: disk full while an order arrives"
fault p1 "full 0"
code=$(post_order pfull)
[ "$code" = 200 ] || fail "authority refused: $code"
O=$(jget "['id']" < "$W/r.json")
sleep 3
[ "$(item_state auth "$O" 0)" = ISSUED ] || fail "receipted although the platform could not store it: $(item_state auth "$O" 0)"
[ -s "$W/p1.faults" ] || fail "no fault injected on p1"
# it says so: logged as an error, and the refusal (HF_EDB) is what the sender got back
grep -q '"level":"error","event":"inbox_failed","code":"HF_EDB"' "$W/p1.log" \
  || fail "the platform did not log that it could not store"
grep -q '"event":"reject","what":"envelope","peer":"[0-9a-f]*","code":"HF_EDB"' "$W/p1.log" \
  || fail "the platform did not refuse the envelope with HF_EDB"
fault p1 ok
wait_state auth "$O" 0 DELIVERED 60
[ "$(api p1 GET /v1/orders/received | python3 -c "import sys,json; o=json.load(sys.stdin)['orders']; print(sum(1 for x in o if x['id']==sys.argv[1]))" "$O")" = 1 ] \
  || fail "platform holds the order other than once"

echo "# platform: writes fail part-way through a list batch"
L=$(api auth POST /v1/lists "{\"name\":\"io\",\"category\":7,\"algs\":[\"sha256\"],\"platforms\":[\"$ID_p1\"]}" | jget "['id']")
wait_head p1 "$L" 1 30
python3 - > "$W/e.json" <<'PY'
import hashlib, json
print(json.dumps({"entries": [{"alg": "sha256", "value": hashlib.sha256(f"io/{j}".encode()).hexdigest(),
    "quality": 90, "category": 7, "case": "IO"} for j in range(3000)]}))
PY
fault p1 "write 3"
api auth POST "/v1/lists/$L/entries" "@$W/e.json" >/dev/null
sleep 3
h=$(head_of p1 "$L")
[ "$h" = 1 ] || fail "p1 applied batch 2 while its writes failed (head $h)"
a=$(api p1 GET "/v1/lists/$L" | jget "['entries']['active']")
[ "$a" = 0 ] || fail "half a batch applied: $a entries"
fault p1 ok
wait_head p1 "$L" 2 60
[ "$(api p1 GET "/v1/lists/$L" | jget "['entries']['active']")" = 3000 ] || fail "entries after recovery"

stop auth; stop p1
python3 - "$W/auth/data/node.db" "$W/p1/data/node.db" <<'PY'
import sqlite3, sys
for p in sys.argv[1:]:
    r = sqlite3.connect(p).execute("PRAGMA integrity_check").fetchall()
    if r != [("ok",)]:
        print("integrity_check", p, r); sys.exit(1)
PY
for n in auth p1; do
  echo "# faults injected on $n: $(cut -d' ' -f1 "$W/$n.faults" | sort | uniq -c | tr '\n' ' ')"
done
echo "PASS io_faults"
