# Shared helpers for integration scripts: a federation on loopback TLS made with
# hashfed-keys, node configs, API calls. Source it; needs BIN and W set.
K="$BIN/hashfed-keys"
N="$BIN/hashfed-node"
# A block of 50 loopback ports below Linux's ephemeral range (32768+), so an
# outgoing connection can never be holding one; tests run in parallel under
# ctest, so the block is checked free (bind test) and re-picked if not.
hf_pick_base() {
  python3 - "$$" <<'PY'
import random, socket, sys
rnd = random.Random(int(sys.argv[1]))
for _ in range(50):
    base = 20000 + rnd.randrange(250) * 50
    try:
        socks = []
        for p in range(base, base + 50):
            s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            s.bind(("127.0.0.1", p)); socks.append(s)
        for s in socks: s.close()
        print(base); break
    except OSError:
        for s in socks: s.close()
PY
}
BASE=$(hf_pick_base)
[ -n "$BASE" ] || { echo "lib_fed: no free block of loopback ports" >&2; exit 1; }

fail() { echo "FAIL: $*" >&2; for f in "$W"/*.log; do echo "--- $f" >&2; tail -n 15 "$f" >&2; done; exit 1; }

# fed_init NAME:ROLE... : federation, one identity + TLS cert + manifest entry per node
# (FED_NOT_BEFORE=T: member keys valid from T, e.g. -40d, for backdated messages).
# EP_OFFSET=10 publishes port BASE+10+i in the manifest while node i listens on BASE+i
# (tests/net puts a fault-injecting proxy there).
fed_init() {
  rm -rf "$W" && mkdir -p "$W"
  "$K" init-federation --name itest --roots 1 --threshold 1 --out "$W/fed" >/dev/null || fail init
  head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' > "$W/token"; chmod 600 "$W/token"
  TOKEN=$(cat "$W/token")
  local i=0
  for spec in "$@"; do
    local n=${spec%%:*} role=${spec#*:}
    "$K" new-node --name "$n" --out "$W/$n" >/dev/null || fail "new-node $n"
    "$K" sign-cert --ca "$W/fed/ca" --csr "$W/$n/tls.csr" --dns localhost --ip 127.0.0.1 \
      --out "$W/$n/tls.crt" >/dev/null || fail "sign-cert $n"
    "$K" manifest add-member -m "$W/fed/manifest.mp" --pub "$W/$n/node.pub" --roles "$role" \
      --endpoint "tls+tcp://127.0.0.1:$((BASE + ${EP_OFFSET:-0} + i))" --tls-cert "$W/$n/tls.crt" \
      ${FED_NOT_BEFORE:+--not-before "$FED_NOT_BEFORE"} >/dev/null \
      || fail "add-member $n"
    cat > "$W/$n.ini" <<INI
[node]
identity = $n
manifest = fed/manifest.mp
data_dir = $n/data
listen = tls+tcp://127.0.0.1:$((BASE + i))
log_level = ${LOG_LEVEL:-info}
pull_interval_ms = 700
[tls]
ca = fed/ca/ca.crt
cert = $n/tls.crt
key = $n/tls.key
[api]
listen = 127.0.0.1:$((BASE + 25 + i))
token_file = token
INI
    eval "API_$n=127.0.0.1:$((BASE + 25 + i))"
    eval "URL_$n=tls+tcp://127.0.0.1:$((BASE + i))"
    eval "ID_$n=$(sed -n 's/^id //p' "$W/$n/node.pub")"
    i=$((i + 1))
  done
  "$K" manifest sign -m "$W/fed/manifest.mp" --root "$W/fed/root-1.key" >/dev/null || fail sign
}

start() { "$N" --config "$W/$1.ini" >/dev/null 2>>"$W/$1.log" </dev/null & eval "PID_$1=$!"; }
stop() { local p; eval "p=\${PID_$1:-}"; kill -TERM "$p" 2>/dev/null; wait "$p" 2>/dev/null || true; }
killhard() { local p; eval "p=\${PID_$1:-}"; kill -KILL "$p" 2>/dev/null; wait "$p" 2>/dev/null || true; }
api_of() { eval "echo \$API_$1"; }
# api NODE METHOD PATH [JSON | @FILE]
api() {
  local a; a=$(api_of "$1")
  if [ -n "${4:-}" ]; then
    curl -sS --max-time 30 -X "$2" -H "Authorization: Bearer $TOKEN" --data-binary "$4" "http://$a$3"
  else
    curl -sS --max-time 30 -X "$2" -H "Authorization: Bearer $TOKEN" "http://$a$3"
  fi
}
jget() { python3 -c "import sys,json; d=json.load(sys.stdin); print(eval('d'+sys.argv[1]))" "$1"; }
wait_api() { for _ in $(seq 100); do curl -s "http://$(api_of "$1")/healthz" >/dev/null 2>&1 && return 0; sleep 0.1; done; fail "api of $1 not up"; }
# head_of NODE LIST -> head batch number (or -1)
head_of() { api "$1" GET "/v1/lists/$2" 2>/dev/null | python3 -c "import sys,json
try: print(json.load(sys.stdin)['head'])
except Exception: print(-1)"; }
# wait_head NODE LIST N [SECONDS]
wait_head() {
  local t=$(( ${4:-20} * 10 ))
  for _ in $(seq "$t"); do [ "$(head_of "$1" "$2")" = "$3" ] && return 0; sleep 0.1; done
  fail "$1 did not reach batch $3 of $2 (at $(head_of "$1" "$2"))"
}
metric() { api "$1" GET /metrics | grep -F "$2" | awk '{s+=$2} END {print s+0}'; }
