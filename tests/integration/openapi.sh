#!/bin/bash
# integration.openapi (issue 16): docs/openapi.yaml against running nodes. An auditor, a
# witness, two authorities and a platform on loopback TLS, with a list, an order with an
# outcome, an intake case and a referral; openapi_check.py then requests every documented
# operation (each answers with a documented status, and JSON that fits the documented
# schema) and checks that every route the API code serves is documented.
# usage: openapi.sh BIN_DIR TEST_BIN_DIR WORK_DIR
set -eu
BIN=$1 TBIN=$2 W=$3
SRC=${HF_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
python3 -c 'import yaml, jsonschema' 2>/dev/null \
  || { echo "SKIPPED: python3-yaml and python3-jsonschema are needed (scripts/install-deps)"; exit 77; }
. "$(dirname "$0")/lib_fed.sh"
. "$(dirname "$0")/lib_orders.sh"
NODES="kcsc wit police central portal"
trap 'for n in $NODES; do killhard $n; done; true' EXIT
fed_init kcsc:auditor wit:witness police:authority central:authority portal:platform
for n in $NODES; do
  printf '[audit]\nbatch_ms = 100\nquorum = 1\ngossip_ms = 300\n' >> "$W/$n.ini"
done
for n in $NODES; do start $n; done
for n in $NODES; do wait_api $n; done

LIST=$(api police POST /v1/lists "{\"name\":\"oa\",\"algs\":[\"pdq\",\"md5\"],\"category\":1,\"platforms\":[\"$ID_portal\"]}" | jget "['id']")
api police POST "/v1/lists/$LIST/entries" '{"entries":[{"alg":"md5","value":"9e107d9d372bb6826bd81d3542a419d6","category":1},{"alg":"pdq","value":"f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22","quality":100,"category":1}]}' >/dev/null
wait_head portal "$LIST" 2
ORD=$(api police POST /v1/orders "{\"platform\":\"$ID_portal\",\"category\":\"deepfake_sexual\",\"deadline\":\"24h\",\"legal_basis\":\"Act 44-7(1)\",\"case\":\"OA-1\",\"items\":[{\"url\":\"https://video.example/v/1\"},{\"url\":\"https://video.example/v/2\"}]}" | jget "['id']")
wait_state police "$ORD" 0 DELIVERED
api portal POST "/v1/orders/$ORD/outcomes" '{"results":[{"item":0,"outcome":"removed"}]}' >/dev/null
wait_state police "$ORD" 0 ACTIONED
CASE=$(curl -sS -X POST -H 'Content-Type: application/json' "http://$(api_of police)/intake/v1/reports" \
  --data '{"lang":"en","role":"victim","items":[{"kind":"image","md5":"0123456789abcdef0123456789abcdef","sha256":"0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef","pdq":"f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22","quality":100}],"urls":["https://video.example/v/9"],"contact":{"channel":"none"},"consent":true}' | jget "['receipt']")
CASE_ID=$(api police GET /v1/intake/cases | jget "['cases'][0]['id']")
REF=$(api police POST "/v1/orders/$ORD/refer" "{\"to\":\"$ID_central\",\"note\":\"openapi\"}" | jget "['id']")
for _ in $(seq 100); do [ "$(api kcsc GET /v1/audit/status | jget "['published']")" -ge 4 ] 2>/dev/null && break; sleep 0.1; done
export SRC TOKEN LIST ORD CASE CASE_ID REF ID_kcsc ID_police ID_central ID_portal ID_wit
export API_kcsc API_wit API_police API_central API_portal
python3 "$(dirname "$0")/openapi_check.py" "$SRC/docs/openapi.yaml" "$SRC/node/api" ${OPENAPI_DUMP:+--dump} || fail "openapi_check.py"
echo "PASS openapi"
