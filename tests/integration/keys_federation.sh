#!/bin/sh
# integration.keys_federation: a federation of 1 regulator (auditor), 2
# authorities and 3 platforms made from the shell with hashfed-keys alone
# (the commands of README "Creating a federation"), then the refusals:
# K-1 signatures, rollback, open key file, wrong passphrase.
# Usage: keys_federation.sh HASHFED_KEYS WORKDIR
set -eu
K=$1 W=$2
rm -rf "$W" && mkdir -p "$W" && cd "$W"
fail() { echo "FAIL: $*" >&2; exit 1; }
# expect_exit CODE cmd...
expect_exit() {
  want=$1; shift
  set +e; "$@" >/dev/null 2>err.txt; rc=$?; set -e
  [ "$rc" -eq "$want" ] || { cat err.txt >&2; fail "'$*' exited $rc, wanted $want"; }
}

# --- README: Creating a federation -------------------------------------------
"$K" init-federation --name "kr-csam" --roots 3 --threshold 2 --out fed
port=7400
for spec in kcsc:auditor police:authority prosecutor:authority \
            portal:platform social:platform hosting:platform; do
  name=${spec%%:*} role=${spec#*:}
  "$K" new-node --name "$name" --out "nodes/$name"
  "$K" sign-cert --ca fed/ca --csr "nodes/$name/tls.csr" --dns "$name.example" --ip 127.0.0.1
  "$K" manifest add-member -m fed/manifest.mp --pub "nodes/$name/node.pub" --roles "$role" \
    --endpoint "tls+tcp://127.0.0.1:$port" --tls-cert "nodes/$name/tls.crt"
  port=$((port + 1))
done
"$K" manifest sign -m fed/manifest.mp --root fed/root-1.key
"$K" manifest sign -m fed/manifest.mp --root fed/root-3.key
"$K" manifest verify -m fed/manifest.mp
"$K" manifest show -m fed/manifest.mp
# -----------------------------------------------------------------------------

# A root key encrypted at rest (another federation: its key is outside fed's root set).
(umask 077 && printf 'root passphrase\n' > root2.pass)
"$K" init-federation --name tmp --roots 1 --threshold 1 --out tmp --passphrase-file root2.pass >/dev/null

# Files and modes.
for f in fed/root-1.key fed/root-3.key fed/ca/ca.key nodes/kcsc/node.key nodes/kcsc/tls.key; do
  [ "$(stat -c %a "$f")" = 600 ] || fail "$f is not 0600"
done
[ "$(stat -c %a nodes/kcsc)" = 700 ] || fail "node dir is not 0700"
head -1 nodes/kcsc/node.key | grep -qx 'hashfed-key v1 node plain' || fail "node.key header"
head -1 tmp/root-1.key | grep -qx 'hashfed-key v1 root argon2id' || fail "encrypted root header"

# The manifest as JSON: 6 members with the right roles, epoch 7 (1 + six edits), valid.
"$K" manifest show -m fed/manifest.mp --json > show.json
python3 - <<'PY' || fail "manifest JSON"
import json
m = json.load(open("show.json"))
assert m["valid"] is True and m["epoch"] == 7 and m["threshold"] == 2, m
roles = sorted(x["roles"] for x in m["members"])
assert roles == ["auditor", "authority", "authority", "platform", "platform", "platform"], roles
assert all(len(x["tls_sha256"]) == 1 and len(x["endpoints"]) == 1 for x in m["members"])
assert sum(1 for s in m["signatures"] if s["valid_root"]) == 2
PY

# K-1 signatures fail: an edit drops the signatures, one signature is not enough.
cp fed/manifest.mp held.mp
portal=$(sed -n 's/^id //p' nodes/portal/node.pub)
"$K" manifest revoke -m fed/manifest.mp --member "$portal" >/dev/null
expect_exit 3 "$K" manifest verify -m fed/manifest.mp
"$K" manifest sign -m fed/manifest.mp --root fed/root-1.key >/dev/null
expect_exit 3 "$K" manifest verify -m fed/manifest.mp
grep -q HF_ETHRESHOLD err.txt || fail "K-1 error code"
# a signature by a key outside the root set does not count
"$K" manifest sign -m fed/manifest.mp --root tmp/root-1.key --passphrase-file root2.pass >/dev/null
expect_exit 3 "$K" manifest verify -m fed/manifest.mp
"$K" manifest sign -m fed/manifest.mp --root fed/root-3.key >/dev/null
"$K" manifest verify -m fed/manifest.mp --held held.mp >/dev/null
# rollback refused
expect_exit 3 "$K" manifest verify -m held.mp --held fed/manifest.mp
grep -q HF_EEPOCH err.txt || fail "rollback error code"
"$K" manifest show -m fed/manifest.mp | grep -q REVOKED || fail "revocation not shown"

# Key files: too open, wrong passphrase, encrypted without passphrase, node key as root.
chmod 644 fed/root-1.key
expect_exit 3 "$K" manifest sign -m fed/manifest.mp --root fed/root-1.key
grep -q HF_EPERM err.txt || fail "permission error code"
chmod 600 fed/root-1.key
printf 'wrong\n' > wrong.pass && chmod 600 wrong.pass
expect_exit 3 "$K" manifest sign -m fed/manifest.mp --root tmp/root-1.key --passphrase-file wrong.pass
grep -q HF_EPASSPHRASE err.txt || fail "passphrase error code"
expect_exit 3 "$K" manifest sign -m fed/manifest.mp --root tmp/root-1.key
expect_exit 1 "$K" manifest sign -m fed/manifest.mp --root nodes/kcsc/node.key
# Editing errors: unknown member (exit 2), bad role and bad endpoint (usage / input).
expect_exit 2 "$K" manifest set-roles -m fed/manifest.mp --member 00000000000000000000000000000000 --roles platform
expect_exit 1 "$K" manifest set-roles -m fed/manifest.mp --member "$portal" --roles admin
expect_exit 2 "$K" manifest set-endpoint -m fed/manifest.mp --member "$portal" --endpoint http://x:1
expect_exit 2 "$K" manifest add-member -m fed/manifest.mp --pub nodes/portal/node.pub --roles platform
expect_exit 2 "$K" new-node --name again --out nodes/portal
# Key rotation: a new key pair for the same member id.
"$K" new-node --name social --out social2 --id "$(sed -n 's/^id //p' nodes/social/node.pub)" >/dev/null
social=$(sed -n 's/^id //p' nodes/social/node.pub)
"$K" manifest rotate-key -m fed/manifest.mp --member "$social" --pub social2/node.pub >/dev/null
"$K" manifest show -m fed/manifest.mp --json | python3 -c '
import json, sys
m = json.load(sys.stdin)
s = [x for x in m["members"] if x["name"] == "social"][0]
assert len(s["signing_keys"]) == 2 and s["signing_keys"][0]["not_after_ms"] is not None, s
' || fail "rotation"
# Every subcommand has --help with the exit codes.
for c in init-federation new-node sign-cert revoke-cert manifest; do
  "$K" $c --help | grep -q 'Exit codes' || fail "$c --help"
done
for c in add-member set-roles set-endpoint set-tls rotate-key revoke remove set-roots sign verify show; do
  "$K" manifest $c --help | grep -q 'Exit codes' || fail "manifest $c --help"
done
expect_exit 1 "$K" frobnicate
echo "keys_federation: all checks passed"
