#!/bin/bash
# integration.ops_backup (issue 16): `hashfed-node backup` while the node is under load gives
# a consistent copy (0700 directory, 0600 files); `restore` is refused while the node runs
# and over an existing database without --force; after a restore the node starts and serves
# exactly the backed-up state (entries match the batch head: no torn copy).
# usage: ops_backup.sh BIN_DIR TEST_BIN_DIR WORK_DIR
set -eu
BIN=$1 TBIN=$2 W=$3
. "$(dirname "$0")/lib_fed.sh"
trap 'kill $LOAD 2>/dev/null || true; killhard auth; killhard p1' EXIT
LOAD=
fed_init auth:authority p1:platform
start auth; start p1; wait_api auth; wait_api p1
L=$(api auth POST /v1/lists "{\"name\":\"core\",\"category\":7,\"algs\":[\"sha256\"],\"platforms\":[\"$ID_p1\"]}" | jget "['id']")
H0=$(head_of auth "$L")
# 300 batches of 200 entries (one python run), posted back to back by a writer that runs
# until told to stop: it is still writing while the backup copies.
python3 - "$W" <<'PY'
import hashlib, json, sys
for b in range(1, 301):
    with open(f"{sys.argv[1]}/b{b}.json", "w") as f:
        json.dump({"entries": [{"alg": "sha256", "value": hashlib.sha256(f"{b}/{i}".encode()).hexdigest(),
                                "category": 7} for i in range(200)]}, f)
PY
( for i in $(seq 300); do [ -e "$W/stop" ] && exit 0
    api auth POST "/v1/lists/$L/entries" "@$W/b$i.json" >/dev/null || exit 1; done; exit 2 ) &
LOAD=$!
for _ in $(seq 600); do [ "$(head_of auth "$L")" -ge $((H0 + 5)) ] && break; sleep 0.05; done
[ "$(head_of auth "$L")" -ge $((H0 + 5)) ] || fail "the load did not start"
set +e
"$N" backup --config "$W/auth.ini" --out "$W/bk" >"$W/backup.json" 2>"$W/backup.err"; rc=$?
set -e
touch "$W/stop"
[ $rc = 0 ] || fail "backup under load: exit $rc $(cat "$W/backup.err")"
HB=$(head_of auth "$L")
echo "backup under load: $(cat "$W/backup.json") (writer at batch $HB)"
[ "$(stat -c %a "$W/bk")" = 700 ] || fail "backup dir mode $(stat -c %a "$W/bk")"
[ "$(stat -c %a "$W/bk/node.db")" = 600 ] || fail "backup node.db mode"
[ "$(stat -c %a "$W/bk/pseudonym.key")" = 600 ] || fail "backup pseudonym.key mode"
[ "$(stat -c %a "$W/bk/backup.json")" = 600 ] || fail "backup.json mode"
grep -q '"key_id":"[0-9a-f]\{32\}","schema":[0-9]' "$W/bk/backup.json" || fail "backup.json: $(cat "$W/bk/backup.json")"
[ ! -e "$W/bk/node.db-wal" ] || fail "backup is not one self-contained file"
[ "$(sqlite3 "$W/bk/node.db" 'PRAGMA integrity_check')" = ok ] || fail "backup integrity"
cmp -s "$W/bk/pseudonym.key" "$W/auth/data/pseudonym.key" || fail "pseudonym.key differs"
set +e; wait $LOAD; lrc=$?; set -e
[ $lrc = 0 ] || fail "writer: exit $lrc (2: it ran out of batches before the backup ended)"
LOAD=
HF=$(head_of auth "$L")
echo "writer finished at batch $HF"

echo "# a backup never overwrites"
set +e
"$N" backup --config "$W/auth.ini" --out "$W/bk" >/dev/null 2>"$W/again.err"; rc=$?
set -e
[ $rc = 1 ] && grep -q 'already exists' "$W/again.err" || fail "backup over an existing dir: exit $rc $(cat "$W/again.err")"

echo "# restore refused while the node runs (exit 6), nothing touched"
before=$(stat -c %Y.%s "$W/auth/data/node.db")
set +e
"$N" restore --config "$W/auth.ini" --from "$W/bk" >/dev/null 2>"$W/running.err"; rc=$?
set -e
[ $rc = 6 ] || fail "restore over a running node: exit $rc $(cat "$W/running.err")"
grep -q "is running on" "$W/running.err" || fail "no reason: $(cat "$W/running.err")"
[ "$(stat -c %Y.%s "$W/auth/data/node.db")" = "$before" ] || fail "node.db touched"
[ "$(head_of auth "$L")" = "$HF" ] || fail "running node disturbed"
echo "ok - $(sed 's/.*"message":"\([^"]*\)".*/\1/' "$W/running.err")"

echo "# another node's backup is refused (exit 4)"
set +e
"$N" restore --config "$W/p1.ini" --from "$W/bk" >/dev/null 2>"$W/other.err"; rc=$?
set -e
[ $rc = 4 ] && grep -q "is a backup of the node with signing key id" "$W/other.err" \
  || fail "restore of auth's backup as p1: exit $rc $(cat "$W/other.err")"

echo "# a second node on the same data_dir is refused (exit 6)"
set +e
timeout 10 "$N" --config "$W/auth.ini" >/dev/null 2>"$W/second.err"; rc=$?
set -e
[ $rc = 6 ] && grep -q "already runs on" "$W/second.err" || fail "second node: exit $rc $(cat "$W/second.err")"

stop auth
echo "# restore over an existing database needs --force"
set +e
"$N" restore --config "$W/auth.ini" --from "$W/bk" >/dev/null 2>"$W/exists.err"; rc=$?
set -e
[ $rc = 6 ] && grep -q -- "--force" "$W/exists.err" || fail "restore without --force: exit $rc $(cat "$W/exists.err")"
"$N" restore --config "$W/auth.ini" --from "$W/bk" --force > "$W/restore.json" || fail "restore"
echo "restore: $(cat "$W/restore.json")"
[ "$(stat -c %a "$W/auth/data/node.db")" = 600 ] || fail "restored node.db mode"

echo "# the restored node starts and holds the backed-up state"
: > "$W/auth.log"
start auth; wait_api auth
HR=$(head_of auth "$L")
ACT=$(api auth GET "/v1/lists/$L" | jget "['entries']['active']")
echo "restored: batch $HR, $ACT active entries (backup taken at batch >= $((H0 + 5)), writer ended at $HF)"
[ "$HR" -ge $((H0 + 5)) ] && [ "$HR" -le "$HF" ] || fail "restored head $HR outside [$((H0 + 5)), $HF]"
[ "$ACT" = $(( (HR - H0) * 200 )) ] || fail "torn copy: batch $HR but $ACT entries"
grep -q '"event":"started"' "$W/auth.log" || fail "no started line"
echo "PASS"
