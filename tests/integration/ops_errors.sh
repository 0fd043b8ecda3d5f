#!/bin/bash
# integration.ops_errors (issue 16): every error an operator can cause says what is wrong
# and what to do, in one line, with its own exit status (hashfed-node(8), hashfed(1)):
# an unknown config key (named, with its line), a node not in the manifest, a TLS
# certificate for the wrong name or not the one the manifest lists, a wrong API token,
# a second node on the same data_dir.
# usage: ops_errors.sh BIN_DIR TEST_BIN_DIR WORK_DIR
set -eu
BIN=$1 TBIN=$2 W=$3
. "$(dirname "$0")/lib_fed.sh"
trap 'killhard a || true' EXIT
fed_init a:authority b:platform
# expect NAME WANT_EXIT PATTERN CMD... : exit status and the one line that says why
expect() {
  local name=$1 want=$2 pat=$3 rc; shift 3
  set +e; "$@" >"$W/out.txt" 2>"$W/err.txt"; rc=$?; set -e
  [ "$rc" = "$want" ] || fail "$name: exit $rc, wanted $want: $(cat "$W/err.txt")"
  grep -Eq -- "$pat" "$W/err.txt" || fail "$name: message does not match '$pat': $(cat "$W/err.txt")"
  [ "$(grep -c . "$W/err.txt")" -le 2 ] || fail "$name: more than one line: $(cat "$W/err.txt")"
  echo "ok - $name (exit $rc): $(grep -o '"message":"[^"]*"\|^hashfed[^:]*:.*' "$W/err.txt" | tail -1)"
}
cp "$W/a.ini" "$W/good.ini"

# 1. unknown key: names the key, the line and the keys the section has
sed '/^log_level/a colour = blue' "$W/good.ini" > "$W/a.ini"
line=$(grep -n '^colour' "$W/a.ini" | cut -d: -f1)
expect "unknown key" 3 "a.ini:$line: \[node\] colour: unknown key \(keys of \[node\]: identity manifest" \
  "$N" --config "$W/a.ini" --check-config
expect "unknown key at start" 3 "\[node\] colour: unknown key" timeout 10 "$N" --config "$W/a.ini"
printf '[nodes]\nidentity = a\n' > "$W/sect.ini"
expect "unknown section" 3 "sect.ini:2: \[nodes\]: unknown section \(sections are \[node\] \[tls\] \[api\]" \
  "$N" --config "$W/sect.ini" --check-config
expect "config file missing" 3 "nothere.ini: cannot open \(No such file or directory\)" \
  "$N" --config "$W/nothere.ini" --check-config
sed 's/^pull_interval_ms = .*/pull_interval_ms = 5/' "$W/good.ini" > "$W/a.ini"
expect "value out of range" 3 "\[node\] pull_interval_ms: invalid value '5' \(expected an integer 100\.\.3600000\)" "$N" --config "$W/a.ini" --check-config

# 2. a node the manifest does not list
"$K" new-node --name stray --out "$W/stray" >/dev/null
sed 's/^identity = a$/identity = stray/' "$W/good.ini" > "$W/a.ini"
expect "not in manifest" 4 "manifest .* does not list this node \(signing key id [0-9a-f]+\): add it \(hashfed-keys manifest add-member" \
  "$N" --config "$W/a.ini" --check-config

# 3. TLS: a certificate for another name than the endpoint peers dial; b's certificate
"$K" sign-cert --ca "$W/fed/ca" --csr "$W/a/tls.csr" --dns wrong.example --out "$W/a/wrong.crt" >/dev/null
sed 's|^cert = a/tls.crt$|cert = a/wrong.crt|' "$W/good.ini" > "$W/a.ini"
expect "cert for the wrong name" 5 "cert .*wrong.crt is for DNS:wrong.example, but peers dial this node at tls\+tcp://127.0.0.1:[0-9]+ .* sign-cert --dns/--ip 127.0.0.1" \
  "$N" --config "$W/a.ini" --check-config
"$K" sign-cert --ca "$W/fed/ca" --csr "$W/a/tls.csr" --dns localhost --ip 127.0.0.1 --out "$W/a/other.crt" >/dev/null
sed 's|^cert = a/tls.crt$|cert = a/other.crt|' "$W/good.ini" > "$W/a.ini"
expect "cert not in manifest" 5 "is not a certificate the manifest lists for member 'a'" \
  "$N" --config "$W/a.ini" --check-config
sed 's|^cert = a/tls.crt$|cert = b/tls.crt|' "$W/good.ini" > "$W/a.ini"
expect "key not the cert's" 5 "key .*tls.key is not the key of \[tls\] cert" \
  "$N" --config "$W/a.ini" --check-config

# 4. the good config passes; a wrong API token; a second node on the data_dir
cp "$W/good.ini" "$W/a.ini"
"$N" --config "$W/a.ini" --check-config | grep -q '"config":"ok"' || fail "good config refused"
start a; wait_api a
head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' > "$W/wrong-token"; chmod 600 "$W/wrong-token"
expect "wrong API token" 4 "^hashfed: the node at 127.0.0.1:[0-9]+ refused the API token \(HTTP 401\): --token-file" \
  "$BIN/hashfed" status --api "$(api_of a)" --token-file "$W/wrong-token"
"$BIN/hashfed" status --api "$(api_of a)" --token-file "$W/token" >/dev/null || fail "right token refused"
expect "second node" 6 "already runs on \[node\] data_dir" timeout 10 "$N" --config "$W/a.ini"
"$N" --config "$W/a.ini" --check-config >/dev/null || fail "--check-config of a running node's file"

# 5. a database written by a newer hashfed-node (a downgrade)
stop a
sqlite3 "$W/a/data/node.db" 'PRAGMA user_version = 99'
expect "database from a newer binary" 7 "node.db has schema 99, this hashfed-node knows up to [0-9]+: it was written by a newer hashfed-node" \
  timeout 10 "$N" --config "$W/a.ini"
echo "PASS"
