#!/bin/bash
# A platform's own transparency report, verified by the auditor (issue 13):
#  - an authority sends orders, the platform answers them (3 outcome messages over two
#    categories), the log integrates and cosigns everything;
#  - `hashfed report transparency` on the platform node exports counts by category and
#    outcome with, for every counted outcome, its leaf (public audit header only), its
#    inclusion proof and the cosigned checkpoint, and the same for the order it answers;
#  - `hashfed audit verify-report` (trust anchors from the auditor's own node, the log
#    over HTTP) accepts it, and refuses each tampered copy naming the break: a changed
#    count, a dropped proof, an altered leaf, an order's leaf passed off as an outcome,
#    a dropped outcome (with and without its count fixed: omitted), another format.
# usage: audit_transparency.sh BIN_DIR TEST_BIN_DIR WORK_DIR
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

echo "# 1. orders and outcomes"
CASE=SVC-2026-TR-0042
URL1=https://video.example/v/tr-8f2k1
URL2=https://video.example/v/tr-8f2k2
URL3=https://video.example/v/tr-8f2k3
URL4=https://video.example/v/tr-8f2k4
order() {
  api police POST /v1/orders "{\"platform\":\"$ID_portal\",\"category\":\"$1\",\"deadline\":\"24h\",\"legal_basis\":\"Act 44-7(1)\",\"case\":\"$CASE\",\"items\":[{\"url\":\"$2\"},{\"url\":\"$3\"}]}" | jget "['id']"
}
A=$(order deepfake_sexual "$URL1" "$URL2")
B=$(order nonconsensual "$URL3" "$URL4")
wait_state police "$A" 0 DELIVERED
wait_state police "$B" 0 DELIVERED
api portal POST "/v1/orders/$A/outcomes" '{"results":[{"item":0,"outcome":"removed"},{"item":1,"outcome":"removed"}]}' >/dev/null
api portal POST "/v1/orders/$B/outcomes" '{"results":[{"item":0,"outcome":"removed"}]}' >/dev/null
api portal POST "/v1/orders/$B/outcomes" '{"results":[{"item":1,"outcome":"blocked_geo"}]}' >/dev/null
wait_state police "$A" 1 ACTIONED
wait_state police "$B" 1 PARTIAL
# 2 orders + 2 receipts + 3 outcomes, all with receipts at the platform (its own
# outcomes, and the orders it asked the log about)
for _ in $(seq 150); do
  [ "$(ast kcsc published)" -ge 7 ] 2>/dev/null && [ "$(ast portal waiting)" = 0 ] && break
  sleep 0.1
done
[ "$(ast kcsc published)" -ge 7 ] || fail "log published $(ast kcsc published) of $(ast kcsc size)"
[ "$(ast portal waiting)" = 0 ] || fail "portal still waits for $(ast portal waiting) receipts"

echo "# 2. the platform exports its report"
"$BIN/hashfed" report transparency --api "$(api_of portal)" --token-file "$W/token" --period all \
  > "$W/tr.json" || fail "report transparency: $(cat "$W/tr.json")"
YEAR=$(date -u +%Y)
"$BIN/hashfed" report transparency --api "$(api_of portal)" --token-file "$W/token" --period "$YEAR" \
  --log "$ID_kcsc" > "$W/tr-year.json" || fail "report transparency --period $YEAR"
python3 - "$W/tr.json" "$ID_portal" <<'PY' || fail "report figures: $(head -c 600 "$W/tr.json")"
import json, sys
r = json.load(open(sys.argv[1]))
assert r['format'] == 'hashfed/transparency/v1' and r['platform'] == sys.argv[2], r
counts = {(c['category'], c['outcome']): (c['outcomes'], c['items']) for c in r['counts']}
assert counts == {('deepfake_sexual', 'removed'): (1, 2), ('nonconsensual', 'removed'): (1, 1),
                  ('nonconsensual', 'blocked_geo'): (1, 1)}, counts
assert r['totals'] == {'outcomes': 3, 'items': 4}, r['totals']
assert len(r['outcomes']) == 3 and r['unproven_outcomes'] == 0, r
for o in r['outcomes']:
    assert o['checkpoint'] < len(r['checkpoints']) and o['order']['checkpoint'] < len(r['checkpoints'])
    assert 'hashfed.witness/' in r['checkpoints'][o['checkpoint']], "not cosigned"
print("ok: report", counts)
PY
# only public audit headers: no URL, case reference or order text in it
for s in "$URL1" "$URL3" tr-8f2k "$CASE" "Act 44-7"; do
  grep -qF "$s" "$W/tr.json" && fail "the report holds '$s'"
done
python3 - "$W/tr.json" "$CASE" "$URL1" <<'PY' || fail "the report's leaves hold content"
import json, sys
r = json.load(open(sys.argv[1]))
for o in r['outcomes']:
    for leaf in (o['leaf'], o['order']['leaf']):
        b = bytes.fromhex(leaf)
        for s in sys.argv[2:]:
            assert s.encode() not in b, s
print("ok: leaves hold no case reference or URL")
PY

echo "# 3. the auditor verifies it"
api kcsc GET "/v1/audit/policy?log=$ID_kcsc&format=text" > "$W/policy" || fail "policy"
LOGURL="http://$(api_of kcsc)"
verify() { "$BIN/hashfed" audit verify-report "$1" --manifest "$W/fed/manifest.mp" --log "$LOGURL" --policy "$W/policy"; }
verify "$W/tr.json" > "$W/verify.out" 2>&1 || { cat "$W/verify.out"; fail "verify-report"; }
grep -q "^OK transparency report of $ID_portal: 3 outcomes, 4 items" "$W/verify.out" \
  || fail "verify-report: $(cat "$W/verify.out")"
echo "ok: $(cat "$W/verify.out")"
verify "$W/tr-year.json" > "$W/verify.out" 2>&1 || { cat "$W/verify.out"; fail "verify-report (year)"; }

echo "# 4. tampered reports are refused, each naming its break"
# tamper NAME BREAK PYTHON: edits r (the report) and expects `BREAK <BREAK>:`
tamper() {
  python3 - "$W/tr.json" "$W/tr-$1.json" "$3" <<'PY' || fail "tamper $1"
import json, sys
r = json.load(open(sys.argv[1]))
exec(sys.argv[3])
json.dump(r, open(sys.argv[2], 'w'))
PY
  if verify "$W/tr-$1.json" > "$W/verify-$1.out" 2>&1; then
    fail "tampered report ($1) verified: $(cat "$W/verify-$1.out")"
  fi
  head -1 "$W/verify-$1.out" | grep -q "^BREAK $2:" \
    || fail "tamper $1: expected BREAK $2, got: $(cat "$W/verify-$1.out")"
  echo "ok: $1 -> $(head -1 "$W/verify-$1.out")"
}
tamper count count-mismatch "r['counts'][0]['items'] += 1"
tamper total count-mismatch "r['totals']['outcomes'] += 1"
tamper noproof missing-proof "del r['outcomes'][1]['proof']"
tamper noorder missing-proof "del r['outcomes'][0]['order']"
# the leaf's log time (msgpack uint64 after key 2) moved by 1 ms: it no longer hashes
# to a leaf of the tree
tamper leaf bad-proof "
b = bytearray.fromhex(r['outcomes'][0]['leaf']); assert b[3] == 2 and b[4] == 0xcf, b[:6]
b[12] ^= 1; r['outcomes'][0]['leaf'] = b.hex()"
tamper index bad-proof "r['outcomes'][0]['index'] += 1"
tamper notoutcome not-platform-outcome "
o = r['outcomes'][0]['order']; r['outcomes'][0] = dict(o, order=o)"
tamper dup duplicate "r['outcomes'].append(r['outcomes'][0]); r['counts'][0]['outcomes'] += 1"
tamper dropped count-mismatch "r['outcomes'].pop()"
tamper omitted omitted "
o = r['outcomes'].pop(); r['totals'] = {'outcomes': 2, 'items': 3}
r['counts'] = [c for c in r['counts'] if c['outcome'] != 'blocked_geo']"
tamper format report-format "r['format'] = 'hashfed/transparency/v0'"
tamper checkpoint checkpoint "r['checkpoints'][0] = r['checkpoints'][0].replace('\n\n', '\nx\n\n', 1)"
printf 'not json' > "$W/tr-garbage.json"
if verify "$W/tr-garbage.json" > "$W/verify-garbage.out" 2>&1; then fail "garbage verified"; fi
grep -q "^BREAK report-format:" "$W/verify-garbage.out" || fail "garbage: $(cat "$W/verify-garbage.out")"

echo "# 5. only a platform exports one"
api police GET /v1/audit/transparency | grep -q '"error"' || fail "an authority exported a report"
echo "PASS audit_transparency"
