# Helpers for the orders integration scripts (issue 6). Source after lib_fed.sh.

# orders_cfg NODE [EXTRA LINE ...]: [orders] section with a fast timer and the test clock.
orders_cfg() {
  local n=$1; shift
  { echo "[orders]"; echo "check_interval_ms = 100"; echo "test_clock = true"
    for l in "$@"; do echo "$l"; done; } >> "$W/$n.ini"
}
# start_at NODE OFFSET_MS: start with the orders clock OFFSET_MS ahead (test_clock only).
start_at() { HF_TEST_CLOCK_OFFSET_MS=$2 start "$1"; wait_api "$1"; }
# item_state NODE ORDER ITEM
item_state() { api "$1" GET "/v1/orders/$2" 2>/dev/null | python3 -c "import sys,json
try: print(json.load(sys.stdin)['items'][int(sys.argv[1])]['state'])
except Exception: print('none')" "$3"; }
# wait_state NODE ORDER ITEM STATE [SECONDS]
wait_state() {
  local t=$(( ${5:-15} * 10 ))
  for _ in $(seq "$t"); do [ "$(item_state "$1" "$2" "$3")" = "$4" ] && return 0; sleep 0.1; done
  fail "$1: item $3 of $2 is $(item_state "$1" "$2" "$3"), expected $4"
}
# order_json NODE ORDER EXPR
oj() { api "$1" GET "/v1/orders/$2" | jget "$3"; }
# send_order AUTH PLATFORM N_ITEMS [DEADLINE]: prints the order id
send_order() {
  local items="" i
  for i in $(seq "$3"); do items="$items${items:+,}{\"url\":\"https://media.example/v/$RANDOM$i\"}"; done
  api "$1" POST /v1/orders "{\"platform\":\"$2\",\"category\":\"deepfake_sexual\",\"priority\":\"high\",\"deadline\":\"${4:-1h}\",\"legal_basis\":\"Act 44-7(1)\",\"case\":\"CASE-$RANDOM\",\"items\":[$items]}" | jget "['id']"
}
# history_count NODE ORDER
history_count() { api "$1" GET "/v1/orders/$2/history" | python3 -c "import sys,json; print(len(json.load(sys.stdin)['messages']))"; }
# inject MODE SIGNER RCPT ORDER [FILE]: hand-made message to RCPT's transport (TLS as p2)
inject() {
  local u; eval "u=\$URL_$3"
  "$TBIN/hf_order_inject" "$u" "$W/fed/ca/ca.crt" "$W/p2/tls.crt" "$W/p2/tls.key" \
    "$W/fed/manifest.mp" "$W/$2" "$W/$3/node.pub" "$1" "$4" ${5:-}
}
# jx EXPR: evaluates a Python expression over the JSON on stdin bound to d
jx() { python3 -c "import sys,json; d=json.load(sys.stdin); print(eval(sys.argv[1]))" "$1"; }
