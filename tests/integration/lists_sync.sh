#!/bin/sh
# Hash list distribution between real nodes on loopback mutual TLS (issue 5):
# 1 authority + 3 entitled platforms + 1 platform that is not entitled.
#  - batches reach every entitled platform, in order; removals travel as tombstones;
#  - a platform never receives a list it is not entitled to;
#  - a platform down while batches are published catches up from other platforms
#    after the authority is gone;
#  - a platform killed with SIGKILL mid-sync loses nothing and applies nothing twice;
#  - forged (wrong role, unknown key, tampered), replayed and re-addressed batches
#    are refused with their error codes;
#  - a platform entitled later receives a snapshot and then follows the chain.
# usage: lists_sync.sh BIN_DIR TEST_BIN_DIR WORK_DIR
set -eu
BIN=$1
TBIN=$2
W=$3
. "$(dirname "$0")/lib_fed.sh"
trap 'for n in auth p1 p2 p3 p4; do killhard $n; done' EXIT

# entries COUNT SEED: JSON body with COUNT random-looking entries of mixed algorithms
entries() {
  python3 - "$1" "$2" <<'PY'
import hashlib, json, sys
n, seed = int(sys.argv[1]), sys.argv[2]
out = []
for i in range(n):
    h = hashlib.sha256(f"{seed}/{i}".encode()).hexdigest()
    alg = ("pdq", "md5", "sha256")[i % 3]
    out.append({"alg": alg, "value": h[:32] if alg == "md5" else h,
                "quality": 50 + i % 51, "category": 7, "case": f"CASE-{seed}-{i // 10}"})
print(json.dumps({"entries": out}))
PY
}

fed_init auth:authority p1:platform p2:platform p3:platform p4:platform
for n in auth p1 p2 p3 p4; do start $n; done
for n in auth p1 p2 p3 p4; do wait_api $n; done

echo "# 1. publish to three entitled platforms"
L=$(api auth POST /v1/lists "{\"name\":\"core\",\"category\":7,\"algs\":[\"pdq\",\"md5\",\"sha256\"],\"platforms\":[\"$ID_p1\",\"$ID_p2\",\"$ID_p3\"]}" | jget "['id']")
entries 1000 a > "$W/e1.json"
api auth POST "/v1/lists/$L/entries" "@$W/e1.json" >/dev/null
for p in p1 p2 p3; do wait_head $p "$L" 2; done
[ "$(api p1 GET "/v1/lists/$L" | jget "['entries']['active']")" = 1000 ] || fail "p1 active != 1000"
api auth POST "/v1/lists/$L/remove" '{"ids":[1,2,3]}' >/dev/null
for p in p1 p2 p3; do wait_head $p "$L" 3; done
[ "$(api p2 GET "/v1/lists/$L" | jget "['entries']['removed']")" = 3 ] || fail "tombstones"
[ "$(api p2 GET "/v1/lists/$L" | jget "['entries']['active']")" = 997 ] || fail "p2 active"
[ "$(api p1 GET "/v1/lists/$L" | jget "['head_hash']")" = "$(api auth GET "/v1/lists/$L" | jget "['head_hash']")" ] || fail "chain head differs"

echo "# 2. not entitled: p4 never receives the list"
[ "$(head_of p4 "$L")" = -1 ] || fail "p4 has the list"
[ "$(metric p4 'messages_in_total{type="16"}')" = 0 ] || fail "p4 received a batch"

echo "# 3. p3 down while batches are published; authority gone; p3 catches up from peers"
stop p3
entries 500 b > "$W/e2.json"; api auth POST "/v1/lists/$L/entries" "@$W/e2.json" >/dev/null
entries 500 c > "$W/e3.json"; api auth POST "/v1/lists/$L/entries" "@$W/e3.json" >/dev/null
wait_head p1 "$L" 5
wait_head p2 "$L" 5
killhard auth
start p3
wait_api p3
wait_head p3 "$L" 5 30
[ "$(api p3 GET "/v1/lists/$L" | jget "['entries']['active']")" = 1997 ] || fail "p3 active after catch-up"

echo "# 4. SIGKILL mid-sync loses nothing and applies nothing twice"
start auth
wait_api auth
for s in d e f g h; do
  entries 4000 $s > "$W/e_$s.json"
  api auth POST "/v1/lists/$L/entries" "@$W/e_$s.json" >/dev/null
  [ $s = e ] && killhard p2
done
start p2
wait_api p2
wait_head p2 "$L" 10 60
wait_head p1 "$L" 10 30
[ "$(api p2 GET "/v1/lists/$L" | jget "['entries']['active']")" = 21997 ] || fail "p2 active after crash"
[ "$(metric p2 "batches_applied_total{list=\"$L\"}")" = 10 ] || fail "p2 applied a batch twice (or missed one)"
[ "$(api p2 GET "/v1/lists/$L" | jget "['head_hash']")" = "$(api auth GET "/v1/lists/$L" | jget "['head_hash']")" ] || fail "p2 chain head"

echo "# 5. forged, replayed and re-addressed batches"
inj() { "$TBIN/hf_inject" "$1" "$W/fed/ca/ca.crt" "$W/p4/tls.crt" "$W/p4/tls.key" \
  "$W/fed/manifest.mp" "$W/$2" "$W/$3/node.pub" "$4" | tr '\n' ' '; }
r=$(inj "$URL_p2" auth p2 valid);      [ "$r" = "HF_OK HF_EREPLAY " ] || fail "valid+replay: $r"
r=$(inj "$URL_p2" p1 p2 valid);        [ "$r" = "HF_EROLE HF_EROLE " ] || fail "platform-signed: $r"
r=$(inj "$URL_p2" auth p1 valid);      [ "$r" = "HF_ENOTRECIPIENT HF_ENOTRECIPIENT " ] || fail "re-addressed: $r"
r=$(inj "$URL_p2" auth p2 unknown);    [ "$r" = "HF_EUNKNOWNSENDER " ] || fail "unknown signer: $r"
r=$(inj "$URL_p2" auth p2 tamper);     [ "$r" != "HF_OK " ] || fail "tampered accepted"
echo "tampered: $r"
[ "$(metric p2 'rejects_total{peer="'"$ID_p1"'",code="HF_EROLE"}')" = 2 ] || fail "reject counter"
# the replayed list was applied exactly once
[ "$(api p2 GET /v1/lists | python3 -c "import sys,json; print(sum(1 for l in json.load(sys.stdin)['lists'] if l['name']=='injected'))")" = 1 ] || fail "injected list"
grep -q '"code":"HF_EROLE"' "$W/p2.log" || fail "reject not logged"
echo "# 6. entitled later: p4 gets a snapshot, then follows the chain"
api auth POST "/v1/lists/$L/platforms" "{\"member\":\"$ID_p4\"}" >/dev/null
wait_head p4 "$L" 10 30
[ "$(api p4 GET "/v1/lists/$L" | jget "['entries']['active']")" = 21997 ] || fail "p4 snapshot"
api auth POST "/v1/lists/$L/remove" '{"ids":[4,5]}' >/dev/null
wait_head p4 "$L" 11
wait_head p1 "$L" 11
[ "$(api p4 GET "/v1/lists/$L" | jget "['entries']['active']")" = 21995 ] || fail "p4 after snapshot"
[ "$(metric p4 'messages_in_total{type="17"}')" = 1 ] || fail "p4 snapshot count"
echo "PASS"
