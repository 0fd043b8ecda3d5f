# Convergence checks shared by the fault suites (tests/crash, tests/net). Source after
# lib_fed.sh and lib_orders.sh.

# wait_all_receipts NODE [EXCEPT_ORDER]: every order NODE issued (but one) has its receipt.
wait_all_receipts() {
  local pending=?
  for _ in $(seq 600); do
    pending=$(api "$1" GET /v1/orders | python3 -c "import sys,json
print(sum(1 for o in json.load(sys.stdin)['orders'] if not o['receipt_ms'] and o['id'] != sys.argv[1]))" "${2:-}")
    [ "$pending" = 0 ] && return 0; sleep 0.2
  done
  fail "$pending orders without receipt"
}
# wait_outcomes_applied NODE FILE: item 0 of each order listed in FILE is ACTIONED at NODE.
wait_outcomes_applied() {
  local o
  while read -r o; do
    for _ in $(seq 300); do [ "$(item_state "$1" "$o" 0)" = ACTIONED ] && break; sleep 0.1; done
    [ "$(item_state "$1" "$o" 0)" = ACTIONED ] || fail "acknowledged outcome of $o not applied at $1 ($(item_state "$1" "$o" 0))"
  done < "$2"
}
