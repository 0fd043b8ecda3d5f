#!/bin/bash
# Takedown orders between real nodes on loopback mutual TLS (issue 6):
#  - order -> automatic signed receipt (with the order's hash) -> webhook on the platform;
#    only the target platform can read it;
#  - outcomes per item; verification "still reachable" reopens; confirmed; recurrence reopens;
#  - a clarification pauses the clock: 2 h later (test clock) the item is not overdue, and
#    after the answer its deadline has moved by the pause;
#  - withdrawal; restart of the authority and of the platform (SIGKILL) mid-flow;
#  - a platform cannot answer an order addressed to another platform, a receipt cannot be
#    forged (by an authority, or by another platform), a replayed outcome changes nothing,
#    an invalid transition is refused (HF_ESTATE) and logged;
#  - referral to another authority with its status travelling back.
# usage: orders_flow.sh BIN_DIR TEST_BIN_DIR WORK_DIR
set -eu
BIN=$1
TBIN=$2
W=$3
. "$(dirname "$0")/lib_fed.sh"
. "$(dirname "$0")/lib_orders.sh"
HOOKPID=
trap 'for n in auth auth2 p1 p2; do killhard $n; done; [ -n "$HOOKPID" ] && kill $HOOKPID 2>/dev/null; true' EXIT

fed_init auth:authority auth2:authority p1:platform p2:platform
HOOK=$((BASE + 45))
orders_cfg auth
orders_cfg auth2
orders_cfg p1 "webhook_url = http://127.0.0.1:$HOOK/hook"
orders_cfg p2
# webhook receiver: appends each POSTed body as one line
python3 - "$HOOK" "$W/webhook.jsonl" <<'PY' &
import http.server, sys
class H(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers['Content-Length']))
        open(sys.argv[2], 'ab').write(body + b'\n')
        self.send_response(204); self.end_headers()
    def log_message(self, *a): pass
http.server.HTTPServer(('127.0.0.1', int(sys.argv[1])), H).serve_forever()
PY
HOOKPID=$!
for _ in $(seq 50); do curl -s -o /dev/null -X POST -d '{}' "http://127.0.0.1:$HOOK/up" && break; sleep 0.1; done
for n in auth auth2 p1 p2; do start $n; done
for n in auth auth2 p1 p2; do wait_api $n; done

echo "# 1. order -> receipt -> webhook"
A=$(send_order auth "$ID_p1" 2)
wait_state auth "$A" 0 DELIVERED
wait_state auth "$A" 1 DELIVERED
[ "$(oj auth "$A" "['receipt_ms'] > 0")" = True ] || fail "no receipt time"
[ "$(item_state p1 "$A" 0)" = DELIVERED ] || fail "p1 state"
# the receipt carries the hash of the order body the authority sent
H=$(api auth GET "/v1/orders/$A/history" | python3 -c "import sys,json
m=[x for x in json.load(sys.stdin)['messages'] if x['type']==33]; print(m[0]['summary']['order_hash'], m[0]['dir'])")
[ "$(echo "$H" | cut -d' ' -f2)" = in ] || fail "receipt not received: $H"
grep -q "\"order\":\"$A\"" "$W/webhook.jsonl" || fail "no webhook"
sleep 0.3
[ "$(grep -c "\"order\":\"$A\"" "$W/webhook.jsonl")" = 1 ] || fail "webhook fired more than once"
grep -q 'media.example' "$W/webhook.jsonl" && fail "webhook leaked a locator"
# only the target platform holds the order
[ "$(api p1 GET /v1/orders/inbox | jget "['orders'][0]['items'][0]['url'][:22]")" = "https://media.example/" ] || fail "inbox locator"
api p2 GET "/v1/orders/$A" | grep -q HF_ENOTFOUND || fail "p2 sees the order"
[ "$(api auth2 GET /v1/orders/received | jget "['orders']")" = "[]" ] || fail "auth2 received it"

echo "# 2. outcome, invalid transition refused"
# JSON integers are range-checked before the cast: item 2^32 is not item 0, reason 2^32+1 not 1
r=$(api p1 POST "/v1/orders/$A/outcomes" '{"results":[{"item":4294967296,"outcome":"removed"}]}')
echo "$r" | grep -q HF_EINVAL || fail "item 2^32 accepted: $r"
r=$(api p1 POST "/v1/orders/$A/outcomes" '{"results":[{"item":0,"outcome":"cannot_comply","reason":4294967297,"text":"x"}]}')
echo "$r" | grep -q HF_EINVAL || fail "reason 2^32+1 accepted: $r"
[ "$(item_state p1 "$A" 0)" = DELIVERED ] || fail "a refused outcome changed item 0"
api p1 POST "/v1/orders/$A/outcomes" '{"results":[{"item":0,"outcome":"removed"}]}' >/dev/null
wait_state auth "$A" 0 ACTIONED
r=$(api p1 POST "/v1/orders/$A/appeal" '{"items":[0],"text":"no"}')
echo "$r" | grep -q HF_ESTATE || fail "appeal from ACTIONED accepted: $r"
grep -q '"event":"order_invalid_transition".*"code":"HF_ESTATE"' "$W/p1.log" || fail "HF_ESTATE not logged"

echo "# 3. replayed outcome, forged receipts, outcome from the wrong platform"
n0=$(history_count auth "$A")
api auth GET "/v1/orders/$A/history" | python3 -c "import sys,json,base64
m=[x for x in json.load(sys.stdin)['messages'] if x['type']==34][0]
open(sys.argv[1],'wb').write(base64.b64decode(m['envelope']))" "$W/outcome.env"
r=$(inject raw p1 auth "$A" "$W/outcome.env"); [ "$r" = HF_EREPLAY ] || fail "replay: $r"
r=$(inject receipt auth2 auth "$A"); [ "$r" = HF_EROLE ] || fail "receipt by an authority: $r"
# Authentic and addressed to auth, so committed; refused while applied (p2 is not this
# order's platform), and the refusal is the reply (spec §12.6), not only a log line.
r=$(inject receipt p2 auth "$A"); [ "$r" = HF_EROLE ] || fail "receipt by p2 transport: $r"
r=$(inject outcome p2 auth "$A"); [ "$r" = HF_EROLE ] || fail "outcome by p2 transport: $r"
for _ in $(seq 50); do [ "$(metric auth 'rejects_total{peer="'"$ID_p2"'",code="HF_EROLE"}')" = 2 ] && break; sleep 0.1; done
[ "$(metric auth 'rejects_total{peer="'"$ID_p2"'",code="HF_EROLE"}')" = 2 ] || fail "p2's messages not refused with HF_EROLE"
[ "$(history_count auth "$A")" = "$n0" ] || fail "history changed by replay/forgery"
[ "$(item_state auth "$A" 1)" = DELIVERED ] || fail "forged outcome applied"

echo "# 4. clarification pauses the clock (every node restarted 2 h later)"
api p1 POST "/v1/orders/$A/clarify" '{"items":[1],"text":"Which of the two videos?"}' >/dev/null
wait_state auth "$A" 1 CLARIFICATION
Q=$(api auth GET "/v1/orders/$A/history" | python3 -c "import sys,json
print([x for x in json.load(sys.stdin)['messages'] if x['type']==35][-1]['msg_id'])")
for n in auth auth2 p1 p2; do stop $n; done
for n in auth auth2 p1 p2; do start_at $n 7200000; done
sleep 1
[ "$(item_state auth "$A" 1)" = CLARIFICATION ] || fail "paused item moved: $(item_state auth "$A" 1)"
[ "$(oj auth "$A" "['items'][1]['paused']")" = True ] || fail "not reported as paused"
api auth POST "/v1/orders/$A/answer" "{\"items\":[1],\"ref\":\"$Q\",\"text\":\"The second one\"}" >/dev/null
wait_state p1 "$A" 1 IN_REVIEW
[ "$(item_state auth "$A" 1)" = IN_REVIEW ] || fail "answer not applied"
left=$(oj auth "$A" "['items'][1]['left_ms']")
[ "$left" -gt 1800000 ] || fail "pause not counted: left $left ms"
sleep 0.5
[ "$(item_state auth "$A" 1)" = IN_REVIEW ] || fail "item went overdue after the pause"

echo "# 5. platform killed mid-flow; verification reopens; recurrence reopens"
killhard p1
api p1 GET /healthz >/dev/null 2>&1 && fail "p1 still up"
api auth POST "/v1/orders/$A/verify" '{"items":[0],"result":"still_reachable"}' >/dev/null
[ "$(item_state auth "$A" 0)" = IN_REVIEW ] || fail "verify still reachable"
start_at p1 7200000
wait_state p1 "$A" 0 IN_REVIEW 30
api p1 POST "/v1/orders/$A/outcomes" '{"results":[{"item":0,"outcome":"removed"},{"item":1,"outcome":"blocked_geo"}]}' >/dev/null
wait_state auth "$A" 1 PARTIAL
wait_state auth "$A" 0 ACTIONED
api auth POST "/v1/orders/$A/verify" '{"items":[0]}' >/dev/null
[ "$(item_state auth "$A" 0)" = VERIFIED ] || fail "verify confirmed"
wait_state p1 "$A" 0 VERIFIED
api auth POST "/v1/orders/$A/recurrence" '{"items":[0],"new_deadline":"2h"}' >/dev/null
wait_state p1 "$A" 0 RECURRED
[ "$(api p1 GET /v1/orders/inbox | jget "['orders'][0]['id']")" = "$A" ] || fail "reopened order not in inbox"

echo "# 6. withdrawal"
B=$(send_order auth "$ID_p1" 3)
wait_state auth "$B" 2 DELIVERED
api auth POST "/v1/orders/$B/withdraw" '{"text":"Court order lifted"}' >/dev/null
for i in 0 1 2; do wait_state p1 "$B" $i WITHDRAWN; done
r=$(api p1 POST "/v1/orders/$B/outcomes" '{"results":[{"item":0,"outcome":"removed"}]}')
echo "$r" | grep -q HF_ESTATE || fail "outcome after withdrawal: $r"

echo "# 7. referral with status travelling back"
R=$(api auth POST "/v1/orders/$A/refer" "{\"to\":\"$ID_auth2\",\"note\":\"central center\"}" | jget "['id']")
for _ in $(seq 100); do [ "$(api auth GET /v1/referrals | jget "['referrals'][0]['status']")" = received ] && break; sleep 0.1; done
[ "$(api auth GET /v1/referrals | jget "['referrals'][0]['status']")" = received ] || fail "referral status"
api auth2 POST "/v1/referrals/$R/status" '{"status":"accepted"}' >/dev/null
for _ in $(seq 100); do [ "$(api auth GET /v1/referrals | jget "['referrals'][0]['status']")" = accepted ] && break; sleep 0.1; done
[ "$(api auth GET /v1/referrals | jget "['referrals'][0]['status']")" = accepted ] || fail "accepted status"
# Across every restart above: each order's webhook fired exactly once.
[ "$(grep -c "\"order\":\"$A\"" "$W/webhook.jsonl")" = 1 ] || fail "webhook for $A repeated"
[ "$(grep -c "\"order\":\"$B\"" "$W/webhook.jsonl")" = 1 ] || fail "webhook for $B not once"
echo "PASS"
