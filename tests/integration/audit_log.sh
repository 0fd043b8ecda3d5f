#!/bin/bash
# The audit log between real nodes on loopback mutual TLS (issue 13):
#  - every list batch, order, receipt and outcome leaves its public header in the
#    auditor's log (batched, durable), cosigned by a witness (quorum 1), with a receipt
#    (checkpoint + inclusion proof) back to each sender and to each receiver that asks;
#  - the log is served in the tlog-tiles layout and `hashfed audit verify --log URL` and
#    the node's proofs agree with it;
#  - `hashfed report` from the log leaves only, list sync lag included (the platform's
#    LIST_ACK leaves, spec §12.7; a stopped platform shows its unacknowledged batch, and
#    its lag once back covers the outage); the dashboard shows the same numbers
#    (headless Chromium, when installed; screenshot kept in the build dir);
#  - privacy: the auditor's and the witness's database files, WAL, logs and received
#    bytes hold no hash value, URL or case reference of the test data.
# usage: audit_log.sh BIN_DIR TEST_BIN_DIR WORK_DIR
set -eu
BIN=$1
TBIN=$2
W=$3
. "$(dirname "$0")/lib_fed.sh"
. "$(dirname "$0")/lib_orders.sh"
. "$(dirname "$0")/lib_audit.sh"
NODES="kcsc wit police portal"
trap 'for n in $NODES; do killhard $n; done; true' EXIT
audit_fed

echo "# 1. a list and an order flow"
CASE1=CASE-LOG-7731
CASE2=SVC-2026-AUD-0042
HASH1=f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22
HASH2=9e107d9d372bb6826bd81d3542a419d6
URL1=https://video.example/v/audit-8f2k1
URL2=https://video.example/v/audit-8f2k2
LIST=$(api police POST /v1/lists "{\"name\":\"audit-list\",\"algs\":[\"pdq\",\"md5\"],\"category\":1,\"platforms\":[\"$ID_portal\"]}" | jget "['id']")
printf 'alg,value,quality,category,expires_ms,case\npdq,%s,100,1,0,%s\nmd5,%s,100,1,,%s\n' \
  "$HASH1" "$CASE1" "$HASH2" "$CASE1" > "$W/hashes.csv"
"$BIN/hashfed" list --api "$(api_of police)" --token-file "$W/token" add "$LIST" --file "$W/hashes.csv" >/dev/null \
  || fail "list add"
wait_head portal "$LIST" 2
ORD=$(api police POST /v1/orders "{\"platform\":\"$ID_portal\",\"category\":\"deepfake_sexual\",\"deadline\":\"24h\",\"legal_basis\":\"Act 44-7(1)\",\"case\":\"$CASE2\",\"items\":[{\"url\":\"$URL1\"},{\"url\":\"$URL2\"}]}" | jget "['id']")
wait_state police "$ORD" 0 DELIVERED
api portal POST "/v1/orders/$ORD/outcomes" '{"results":[{"item":0,"outcome":"removed"},{"item":1,"outcome":"removed"}]}' >/dev/null
wait_state police "$ORD" 1 ACTIONED

echo "# 2. logged, cosigned, receipted"
# 2 batches + their 2 acknowledgements + order + receipt + outcome = 7 leaves
for _ in $(seq 100); do [ "$(ast kcsc published)" -ge 7 ] 2>/dev/null && break; sleep 0.1; done
[ "$(ast kcsc published)" -ge 7 ] || fail "log published $(ast kcsc published) of $(ast kcsc size)"
[ "$(ast kcsc cosigners)" -ge 1 ] || fail "no cosignature"
for _ in $(seq 100); do [ "$(ast police waiting)" = 0 ] && [ "$(ast portal waiting)" = 0 ] && break; sleep 0.1; done
[ "$(ast police waiting)" = 0 ] || fail "police still waits for $(ast police waiting) receipts"
[ "$(ast portal waiting)" = 0 ] || fail "portal still waits for $(ast portal waiting) receipts"
# police: its 2 batches + order, and the platform's 2 acks + receipt + outcome it asked for
[ "$(ast police receipts)" -ge 7 ] || fail "police holds $(ast police receipts) receipts"
[ "$(ast portal receipts)" -ge 5 ] || fail "portal holds $(ast portal receipts) receipts"
echo "ok: log $(ast kcsc size) leaves, receipts police=$(ast police receipts) portal=$(ast portal receipts)"

echo "# 3. tiles, proofs, offline verification"
curl -sf "http://$(api_of kcsc)/checkpoint" > "$W/checkpoint" || fail "checkpoint not served"
head -1 "$W/checkpoint" | grep -q "^hashfed.log/" || fail "origin: $(head -1 "$W/checkpoint")"
grep -q "hashfed.witness/" "$W/checkpoint" || fail "checkpoint not cosigned"
SIZE=$(sed -n 2p "$W/checkpoint")
curl -sf "http://$(api_of kcsc)/tile/0/000.p/$SIZE" | wc -c | grep -qx $((SIZE * 32)) || fail "tile 0 width"
curl -sf "http://$(api_of kcsc)/tile/entries/000.p/$SIZE" > "$W/entries" || fail "entries"
api kcsc GET "/v1/audit/proof?index=0&size=$SIZE" | grep -q '"proof"' || fail "proof"
# the trust anchors from the verifier's own node (its manifest), never from the log
api police GET "/v1/audit/policy?log=$ID_kcsc&format=text" > "$W/policy" || fail "policy"
grep -q "^witness hashfed.witness/" "$W/policy" || fail "policy: $(cat "$W/policy")"
"$BIN/hashfed" audit verify --log "http://$(api_of kcsc)" --policy "$W/policy" >"$W/verify.out" 2>&1 \
  || { cat "$W/verify.out"; fail "hashfed audit verify"; }
echo "ok: $(tail -1 "$W/verify.out")"

echo "# 4. report from the log"
"$BIN/hashfed" report --api "$(api_of kcsc)" --token-file "$W/token" --period all --format json > "$W/report.json" \
  || fail "report"
python3 - "$W/report.json" "$ID_portal" "$SIZE" <<'PY' || fail "report figures"
import json, sys
r = json.load(open(sys.argv[1])); plat = sys.argv[2]
assert r['checkpoint']['size'] >= int(sys.argv[3]), r['checkpoint']
p = [x for x in r['platforms'] if x['member'] == plat][0]
assert p['orders'] == 1 and p['items'] == 2, p
assert p['actioned_items'] == 2 and p['within_deadline_items'] == 2, p
assert p['within_deadline_share'] == 1.0, p
assert p['time_to_receipt_ms']['n'] == 1 and p['time_to_action_ms']['n'] == 2, p
assert p['checkpoint_size'] == r['checkpoint']['size']
# lists: both batches sealed to the platform, their time from the authority to the log,
# and from the batch leaf to the platform's acknowledgement leaf (a few batch_ms)
assert p['list_batches'] == 2, p
lag = p['list_publish_lag_ms']
assert lag['n'] == 2 and 0 <= lag['p50'] <= lag['p90'] <= lag['max'] < 30000, lag
sync = p['list_sync_lag_ms']
assert sync['n'] == 2 and 0 <= sync['p50'] <= sync['p90'] <= sync['max'] < 30000, sync
assert p['list_batches_unacknowledged'] == 0, p
assert r['federation']['items_requested'] == 2 and r['federation']['share_not_removed'] == 0.0
a = r['authorities'][0]
assert a['orders_sent'] == 1, a
print("ok: report", p['time_to_action_ms'], "batch to log", lag, "sync lag", sync)
PY
"$BIN/hashfed" report --api "$(api_of kcsc)" --token-file "$W/token" --period all --format csv > "$W/report.csv"
grep -q "^platform:$ID_portal,within_deadline_share,1.000000,$SIZE," "$W/report.csv" \
  || grep -q "^platform:$ID_portal,within_deadline_share,1.000000," "$W/report.csv" || fail "csv: $(head -5 "$W/report.csv")"

echo "# 4b. a stopped platform: its batch is not acknowledged, then its lag shows the outage"
HASH3=0cc175b9c0f1b6a831c399e269772661
stop portal
BEFORE=$(ast kcsc published)
printf 'alg,value,quality,category,expires_ms,case\nmd5,%s,100,1,,%s\n' "$HASH3" "$CASE1" > "$W/hashes3.csv"
"$BIN/hashfed" list --api "$(api_of police)" --token-file "$W/token" add "$LIST" --file "$W/hashes3.csv" >/dev/null \
  || fail "list add 3"
for _ in $(seq 100); do [ "$(ast kcsc published)" -gt "$BEFORE" ] && break; sleep 0.1; done
[ "$(ast kcsc published)" -gt "$BEFORE" ] || fail "batch 3 not logged"
# report: the platform's row, "p50 p90 max n unacknowledged batches"
syncfig() {
  "$BIN/hashfed" report --api "$(api_of kcsc)" --token-file "$W/token" --period all --format json |
    python3 -c "import json,sys; p=[x for x in json.load(sys.stdin)['platforms'] if x['member']=='$ID_portal'][0]; s=p['list_sync_lag_ms']; print(s['p50'], s['p90'], s['max'], s['n'], p['list_batches_unacknowledged'], p['list_batches'])"
}
read -r _ _ _ SN SU SB <<<"$(syncfig)"
[ "$SN $SU $SB" = "2 1 3" ] || fail "stopped platform: sync n=$SN unacknowledged=$SU batches=$SB"
echo "ok: stopped platform: 1 of 3 batches unacknowledged"
sleep 2
start portal
wait_api portal
wait_head portal "$LIST" 3
for _ in $(seq 100); do read -r _ _ SMAX SN SU _ <<<"$(syncfig)"; [ "$SU" = 0 ] && break; sleep 0.2; done
[ "$SN $SU" = "3 0" ] || fail "restarted platform: sync n=$SN unacknowledged=$SU"
[ "$SMAX" -ge 2000 ] || fail "sync lag max $SMAX ms is shorter than the 2 s outage"
echo "ok: back: 3 batches acknowledged, sync lag max $SMAX ms (outage >= 2 s)"
for _ in $(seq 100); do [ "$(ast portal waiting)" = 0 ] && break; sleep 0.1; done

echo "# 5. dashboard"
curl -sf "http://$(api_of kcsc)/dashboard" > "$W/dashboard.html" || fail "dashboard"
grep -q "<svg" "$W/dashboard.html" || fail "no chart"
grep -qi "cdn\|<script" "$W/dashboard.html" && fail "dashboard loads scripts"
CHROME=$(command -v chromium || command -v chromium-browser || true)
if [ -n "$CHROME" ]; then
  # the report as of the dashboard's checkpoint (nothing new is logged in between)
  api kcsc GET "/v1/report?period=all" > "$W/report2.json"
  PROF=$(mktemp -d)
  CH="--headless --no-sandbox --disable-gpu --disable-background-networking --disable-component-update --disable-sync --no-first-run --user-data-dir=$PROF"
  timeout 60 "$CHROME" $CH --dump-dom "http://$(api_of kcsc)/dashboard" > "$W/dashboard.dom" 2>/dev/null \
    || fail "chromium dump-dom"
  timeout 60 "$CHROME" $CH --window-size=1280,1600 --screenshot="$W/../audit-dashboard.png" \
    "http://$(api_of kcsc)/dashboard" >/dev/null 2>&1 || fail "chromium screenshot"
  rm -rf "$PROF"
  [ -s "$W/../audit-dashboard.png" ] || fail "no screenshot"
  python3 - "$W/dashboard.dom" "$W/report2.json" <<'PY' || fail "dashboard differs from the report"
import json, re, sys
dom = open(sys.argv[1]).read(); r = json.load(open(sys.argv[2]))
cells = dict(re.findall(r'data-figure="([^"]+)"[^>]*>([^<]*)<', dom))
assert cells, "no figure cells"
n = 0
for p in r['platforms']:
    for k in ['orders', 'items', 'overdue_items', 'escalated_orders', 'within_deadline_share',
              'list_batches', 'list_publish_lag_ms.p90', 'list_sync_lag_ms.p50',
              'list_sync_lag_ms.p90', 'list_sync_lag_ms.max', 'list_batches_unacknowledged']:
        got = cells['platform:%s.%s' % (p['member'], k)]
        want = p[k] if '.' not in k else p[k.split('.')[0]][k.split('.')[1]]
        if isinstance(want, float): assert abs(float(got) - want) < 1e-4, (k, got, want)
        else: assert int(got) == want, (k, got, want)
        n += 1
assert abs(float(cells['federation.share_not_removed']) - r['federation']['share_not_removed']) < 1e-4
assert re.search(r'id="checkpoint-size">%d<' % r['checkpoint']['size'], dom), "checkpoint size"
print("ok: dashboard matches the report on", n + 1, "figures")
PY
else
  echo "SKIP: chromium not installed (dashboard rendering not checked)"
fi

echo "# 6. privacy: nothing of the content at the auditor or the witness"
for n in kcsc wit; do
  python3 - "$W/$n" "$W/$n.log" "$HASH1" "$HASH2" "$HASH3" "$URL1" "$URL2" "$CASE1" "$CASE2" <<'PY' || fail "$n holds content"
import os, sys, binascii
root, logf, *needles = sys.argv[1:]
pats = []
for s in needles:
    pats.append(s.encode())
    if all(c in '0123456789abcdef' for c in s) and len(s) % 2 == 0:
        pats.append(binascii.unhexlify(s))     # the raw hash bytes
    pats.append(s.upper().encode())
files = [logf] + [os.path.join(d, f) for d, _, fs in os.walk(root) for f in fs]
scanned = 0
for f in files:
    data = open(f, 'rb').read(); scanned += len(data)
    for p in pats:
        if p in data:
            print("FOUND", p[:40], "in", f); sys.exit(1)
print("ok:", len(files), "files,", scanned, "bytes clean")
PY
done
echo "PASS audit_log"
