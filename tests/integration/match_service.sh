#!/bin/sh
# Matching service on a platform node (issue 7), with real nodes on loopback mutual TLS:
# 1 authority + 1 platform.
#  - the authority publishes a list; the platform's /v1/match finds planted PDQ
#    near-duplicates (distance 31 matches, 32 does not), exact MD5/SHA-256, and image
#    bytes hashed by the node (exact and a re-encoded near-duplicate); provenance shown;
#  - /m/lookup answers like HMA's lookup (a JSON array of bank names);
#  - an allow-listed hash never matches (until removed);
#  - flood quarantine after N distinct uploads, release after review;
#  - a locally disabled entry does not match;
#  - a tombstone stops matching;
#  - a match report (counts + disabled signal) reaches the authority;
#  - after a restart the index is reloaded from the store (provenance kept).
# usage: match_service.sh BIN_DIR TEST_BIN_DIR WORK_DIR
set -eu
BIN=$1
W=$3
. "$(dirname "$0")/lib_fed.sh"
trap 'for n in auth p1; do killhard $n; done' EXIT

# flip HEX K: HEX with its first K bits flipped (Hamming distance K)
flip() { python3 -c "import sys
h=int(sys.argv[1],16); k=int(sys.argv[2])
print('%064x' % (h ^ (((1<<k)-1) << (256-k))))" "$1" "$2"; }
jx() { python3 -c "import sys,json; d=json.load(sys.stdin); print(eval(sys.argv[1]))" "$1"; }
nmatch() { python3 -c "import sys,json; print(len(json.load(sys.stdin)['matches']))"; }

fed_init auth:authority p1:platform
cat >> "$W/p1.ini" <<INI
[match]
flood_threshold = 3
flood_window_ms = 3600000
flush_interval_ms = 200
report_interval_ms = 3600000
INI
for n in auth p1; do start $n; done
for n in auth p1; do wait_api $n; done

echo "# 1. publish: PDQ, MD5, SHA-256 entries and an image's hashes"
convert -seed 7 -size 320x240 plasma:fractal "$W/a.png"
convert "$W/a.png" -resize 85% -quality 80 "$W/b.jpg"
IMG=$("$BIN/hashfed" hash --json "$W/a.png")
IPDQ=$(echo "$IMG" | jget "['pdq']")
IMD5=$(echo "$IMG" | jget "['md5']")
ISHA=$(echo "$IMG" | jget "['sha256']")
P1=$(python3 -c "import hashlib; print(hashlib.sha256(b'p1').hexdigest())")
P2=$(python3 -c "import hashlib; print(hashlib.sha256(b'p2').hexdigest())")
M1=$(python3 -c "import hashlib; print(hashlib.md5(b'm1').hexdigest())")
S1=$(python3 -c "import hashlib; print(hashlib.sha256(b's1').hexdigest())")
L=$(api auth POST /v1/lists "{\"name\":\"core\",\"category\":7,\"algs\":[\"pdq\",\"md5\",\"sha256\"],\"platforms\":[\"$ID_p1\"]}" | jget "['id']")
api auth POST "/v1/lists/$L/entries" "{\"entries\":[
 {\"alg\":\"pdq\",\"value\":\"$P1\",\"quality\":90,\"category\":3},
 {\"alg\":\"pdq\",\"value\":\"$P2\",\"quality\":90},
 {\"alg\":\"md5\",\"value\":\"$M1\"},
 {\"alg\":\"sha256\",\"value\":\"$S1\"},
 {\"alg\":\"pdq\",\"value\":\"$IPDQ\",\"quality\":100},
 {\"alg\":\"md5\",\"value\":\"$IMD5\"},
 {\"alg\":\"sha256\",\"value\":\"$ISHA\"},
 {\"alg\":\"pdq\",\"value\":\"$(flip "$P2" 200)\",\"quality\":10}]}" >/dev/null
wait_head p1 "$L" 2

echo "# 2. planted near-duplicates: distance 31 matches, 32 does not"
R=$(api p1 POST /v1/match "{\"alg\":\"pdq\",\"value\":\"$(flip "$P1" 31)\"}")
[ "$(echo "$R" | nmatch)" = 1 ] || fail "distance 31: $R"
[ "$(echo "$R" | jget "['matches'][0]['distance']")" = 31 ] || fail "distance: $R"
[ "$(echo "$R" | jget "['matches'][0]['entry']")" = 1 ] || fail "entry ref: $R"
[ "$(echo "$R" | jget "['matches'][0]['category']")" = 3 ] || fail "category: $R"
[ "$(echo "$R" | jget "['matches'][0]['issuer']")" = "$ID_auth" ] || fail "issuer: $R"
[ "$(echo "$R" | jget "['matches'][0]['list']")" = "$L" ] || fail "list: $R"
[ "$(echo "$R" | jget "['matches'][0]['provenance']['batch']")" = 2 ] || fail "provenance: $R"
[ "$(echo "$R" | jget "['matches'][0]['provenance']['issued_ms'] > 0")" = True ] || fail "issued: $R"
[ "$(api p1 POST /v1/match "{\"alg\":\"pdq\",\"value\":\"$(flip "$P1" 32)\"}" | nmatch)" = 0 ] \
  || fail "distance 32 matched"
R=$(api p1 POST /v1/match "{\"alg\":\"pdq\",\"value\":\"$P1\",\"quality\":20}")
[ "$(echo "$R" | jget "['error']")" = HF_ELOWQUALITY ] || fail "low-quality query: $R"

echo "# 3. exact MD5 / SHA-256, bulk, bad input"
[ "$(api p1 POST /v1/match "{\"alg\":\"md5\",\"value\":\"$M1\"}" | jget "['matches'][0]['entry']")" = 3 ] || fail md5
[ "$(api p1 POST /v1/match "{\"alg\":\"sha256\",\"value\":\"$S1\"}" | jget "['matches'][0]['entry']")" = 4 ] || fail sha256
R=$(api p1 POST /v1/match "{\"hashes\":[{\"alg\":\"md5\",\"value\":\"$M1\"},{\"alg\":\"sha256\",\"value\":\"$P2\"},{\"alg\":\"md5\",\"value\":\"zz\"}]}")
[ "$(echo "$R" | jx "[len(d['results'][0]['matches']), len(d['results'][1]['matches']), d['results'][2]['error']]")" = "[1, 0, 'HF_EPARSE']" ] || fail "bulk: $R"
[ "$(api p1 POST /v1/match '{"alg":"crc32","value":"00"}' | jget "['error']")" = HF_EINVAL ] || fail "bad alg"

echo "# 4. image bytes: the node hashes them (exact and a re-encoded near-duplicate)"
R=$(curl -sS -H "Authorization: Bearer $TOKEN" -H "Content-Type: application/octet-stream" \
  --data-binary "@$W/a.png" "http://$API_p1/v1/match")
[ "$(echo "$R" | jget "['hashes']['pdq']")" = "$IPDQ" ] || fail "image pdq: $R"
[ "$(echo "$R" | jx "sorted(m['alg'] for m in d['matches'])")" = "['md5', 'pdq', 'sha256']" ] || fail "image matches: $R"
R=$(curl -sS -H "Authorization: Bearer $TOKEN" -H "Content-Type: image/jpeg" --data-binary "@$W/b.jpg" "http://$API_p1/v1/match")
[ "$(echo "$R" | jx "[(m['alg'], m['entry'], 0 < m['distance'] <= 31) for m in d['matches']]")" = "[('pdq', 5, True)]" ] || fail "re-encoded image: $R"
head -c 100 /dev/urandom > "$W/junk.bin"
R=$(curl -sS -H "Authorization: Bearer $TOKEN" -H "Content-Type: application/octet-stream" --data-binary "@$W/junk.bin" "http://$API_p1/v1/match")
[ "$(echo "$R" | jget "['hashes']['pdq_error'] != '' and len(d['matches'])")" = 0 ] || fail "junk: $R"

echo "# 5. HMA-style lookup"
[ "$(api p1 GET "/m/lookup?signal_type=pdq&signal=$(flip "$P1" 5)")" = '["core"]' ] || fail "m/lookup"
[ "$(api p1 GET "/m/lookup?signal_type=video_md5&signal=$M1")" = '["core"]' ] || fail "m/lookup md5"
[ "$(api p1 GET "/m/lookup?signal_type=pdq&signal=$(flip "$P1" 40)")" = '[]' ] || fail "m/lookup miss"
[ "$(api p1 GET "/m/lookup?signal_type=tlsh&signal=00" | jget "['error']")" = HF_EINVAL ] || fail "m/lookup type"

echo "# 6. allow-list"
api p1 POST /v1/match/allow "{\"alg\":\"sha256\",\"value\":\"$S1\",\"note\":\"benign logo\"}" >/dev/null
R=$(api p1 POST /v1/match "{\"alg\":\"sha256\",\"value\":\"$S1\"}")
[ "$(echo "$R" | jx "[d['allowlisted'], len(d['matches'])]")" = "[True, 0]" ] || fail "allow-listed matched: $R"
grep -q '"event":"match_allow_added"' "$W/p1.log" || fail "allow-list not logged"
# privacy contract (ARCHITECTURE §2): hash values never appear in logs
grep -qi "$S1" "$W/p1.log" && fail "hash value in the log"
api p1 POST /v1/match/allow/remove "{\"alg\":\"sha256\",\"value\":\"$S1\"}" >/dev/null
[ "$(api p1 POST /v1/match "{\"alg\":\"sha256\",\"value\":\"$S1\"}" | nmatch)" = 1 ] || fail "allow remove"
[ "$(api p1 POST /v1/match/allow/remove "{\"alg\":\"sha256\",\"value\":\"$S1\"}" | jget "['error']")" = HF_ENOTFOUND ] || fail "allow remove twice"

echo "# 7. flood quarantine after 3 distinct uploads"
Q=$(flip "$P2" 3)
for u in u1 u2 u3 u1; do
  [ "$(api p1 POST /v1/match "{\"alg\":\"pdq\",\"value\":\"$Q\",\"upload_id\":\"$u\"}" | nmatch)" = 1 ] || fail "flood $u"
done
R=$(api p1 POST /v1/match "{\"alg\":\"pdq\",\"value\":\"$Q\",\"upload_id\":\"u4\"}")
[ "$(echo "$R" | jx "[len(d['matches']), d['quarantined']]")" = "[0, 1]" ] || fail "not quarantined: $R"
[ "$(api p1 POST /v1/match "{\"alg\":\"pdq\",\"value\":\"$P2\"}" | nmatch)" = 0 ] || fail "quarantined entry matched"
[ "$(api p1 GET /v1/match/flags | jx "[(f['entry'], f['state']) for f in d['flags']]")" = "[(2, 'quarantined')]" ] || fail flags
grep -q '"event":"match_entry_quarantined"' "$W/p1.log" || fail "quarantine not logged"
api p1 POST /v1/match/release "{\"list\":\"$L\",\"entry\":2}" >/dev/null
[ "$(api p1 POST /v1/match "{\"alg\":\"pdq\",\"value\":\"$P2\"}" | nmatch)" = 1 ] || fail "release"
[ "$(api p1 POST /v1/match/release "{\"list\":\"$L\",\"entry\":2}" | jget "['error']")" = HF_ENOTFOUND ] || fail "release twice"

echo "# 8. disable locally"
api p1 POST /v1/match/disable "{\"list\":\"$L\",\"entry\":3,\"reason\":\"false positive\"}" >/dev/null
[ "$(api p1 POST /v1/match "{\"alg\":\"md5\",\"value\":\"$M1\"}" | jx "[len(d['matches']), d['suppressed']]")" = "[0, 1]" ] || fail "disabled matched"

echo "# 9. tombstone stops matching"
api auth POST "/v1/lists/$L/remove" '{"ids":[4]}' >/dev/null
wait_head p1 "$L" 3
[ "$(api p1 POST /v1/match "{\"alg\":\"sha256\",\"value\":\"$S1\"}" | nmatch)" = 0 ] || fail "removed entry matched"

echo "# 10. match report reaches the authority"
api p1 POST /v1/match/flush '{}' >/dev/null
for _ in $(seq 100); do
  R=$(api auth GET "/v1/lists/$L/reports")
  [ "$(echo "$R" | jx "len(d['reports'])")" = 1 ] && break; sleep 0.1
done
[ "$(echo "$R" | jx "d['reports'][0]['platform']")" = "$ID_p1" ] || fail "report: $R"
# Every answered match counts: 1 = step 2 + /m/lookup; 2 = 4 flood + 1 after release;
# 3 = single + bulk + /m/lookup; 4 = step 3 + after allow removal; 5 = two images; 6, 7 = a.png.
[ "$(echo "$R" | jx "{c['entry']: c['matches'] for c in d['reports'][0]['counts']}")" = "{1: 2, 2: 5, 3: 3, 4: 2, 5: 2, 6: 1, 7: 1}" ] || fail "counts: $R"
[ "$(echo "$R" | jx "[(s['entry'], s['kind']) for s in d['signals']]")" = "[(3, 'disabled')]" ] || fail "signals: $R"
grep -q '"event":"match_report_received"' "$W/auth.log" || fail "report not logged"
[ "$(api p1 GET "/v1/lists/$L/reports" | jget "['error']")" = HF_ENOTFOUND ] || fail "platform serves reports"

echo "# 11. restart: index reloaded from the store"
stop p1; start p1; wait_api p1
R=$(api p1 POST /v1/match "{\"alg\":\"pdq\",\"value\":\"$(flip "$P1" 31)\"}")
[ "$(echo "$R" | jx "[len(d['matches']), d['matches'][0]['provenance']['batch']]")" = "[1, 2]" ] || fail "after restart: $R"
[ "$(api p1 POST /v1/match "{\"alg\":\"md5\",\"value\":\"$M1\"}" | nmatch)" = 0 ] || fail "disable lost on restart"
[ "$(api p1 POST /v1/match "{\"alg\":\"sha256\",\"value\":\"$S1\"}" | nmatch)" = 0 ] || fail "tombstone lost on restart"
[ "$(api p1 GET /v1/match/status | jx "[d['entries']['pdq'], d['entries']['md5'], d['entries']['sha256']]")" = "[3, 2, 1]" ] || fail "status"

echo "# 12. import a ThreatExchange CSV, export as HMA CSV"
T=$(flip "$P1" 100)
printf 'hash,indicator_id,timestamp,tags\n%s,98765,1600000000,"x y"\n' "$T" > "$W/te.csv"
"$BIN/hashfed" list import --format te "$W/te.csv" 2>/dev/null > "$W/te.add"
grep -q ",te:98765$" "$W/te.add" || fail "import: $(cat "$W/te.add")"
"$BIN/hashfed" list add "$L" --file "$W/te.add" --api "$API_auth" --token-file "$W/token" >/dev/null || fail "list add"
wait_head p1 "$L" 4
[ "$(api p1 POST /v1/match "{\"alg\":\"pdq\",\"value\":\"$T\"}" | jget "['matches'][0]['entry']")" = 9 ] || fail "imported hash"
api p1 GET "/v1/lists/$L/entries" | "$BIN/hashfed" list export --format hma 2>/dev/null > "$W/hma.csv"
grep -qx "pdq,$T" "$W/hma.csv" || fail "export: $(cat "$W/hma.csv")"
"$BIN/hashfed" list import --format hma "$W/hma.csv" 2>/dev/null | cut -d, -f1,2 | sort > "$W/rt1"
sed 1d "$W/hma.csv" | sort > "$W/rt2"
cmp -s "$W/rt1" "$W/rt2" || fail "hma round trip"
printf 'pdq,%s\nmd5,12\n' "$T" > "$W/bad.csv"
if "$BIN/hashfed" list import --format hma "$W/bad.csv" >/dev/null 2>"$W/bad.err"; then fail "bad csv accepted"; fi
grep -q "bad.csv:2: .*HF_ELENGTH" "$W/bad.err" || fail "bad csv error: $(cat "$W/bad.err")"
echo "PASS"
