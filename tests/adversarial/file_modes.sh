#!/bin/bash
# Issue 12 item 6 (files, plaintext API, epochs): node.db is 0600; a token file others may
# read fails --check-config and start (HF_EPERM); an API bound beyond loopback over plain
# HTTP (allow_plaintext = true) is warned about; a header epoch ahead of the manifest held is refused
# (HF_EEPOCHAHEAD, state class: the sender retries), epoch 0 is out of range.
# usage: file_modes.sh BIN_DIR TEST_BIN_DIR WORK_DIR
set -eu
BIN=$1 TBIN=$2 W=$3
. "$(dirname "$0")/lib_adv.sh"
trap 'killhard p1' EXIT
FED_NOT_BEFORE=-1d fed_init auth:authority p1:platform
orders_cfg p1
start p1; wait_api p1
expect "node.db mode" "$(stat -c %a "$W/p1/data/node.db")" 600
expect "epoch + 1" "$(forge auth p1 order authority="$ID_auth" platform="$ID_p1" epoch=1)" HF_EEPOCHAHEAD
E=$(( -$("$K" manifest show -m "$W/fed/manifest.mp" --json | jx "d['epoch']") ))
expect "epoch 0" "$(forge auth p1 order authority="$ID_auth" platform="$ID_p1" epoch=$E)" HF_ERANGE
expect "epoch held" "$(forge auth p1 order authority="$ID_auth" platform="$ID_p1")" HF_OK
stop p1
chmod 644 "$W/token"
if "$N" --config "$W/p1.ini" --check-config >"$W/check.out" 2>&1; then fail "--check-config passed a 0644 token file"; fi
grep -q HF_EPERM "$W/check.out" || fail "no HF_EPERM: $(cat "$W/check.out")"
echo "ok - 0644 token refused by --check-config"
if timeout 10 "$N" --config "$W/p1.ini" >/dev/null 2>"$W/start.out"; then fail "started with a 0644 token file"; fi
grep -q HF_EPERM "$W/start.out" || fail "start: no HF_EPERM"
echo "ok - 0644 token refused at start"
chmod 600 "$W/token"
sed -i 's/^listen = 127.0.0.1:\([0-9]*\)$/listen = 0.0.0.0:\1/' "$W/p1.ini"
# Refused without the explicit setting (tests/adversarial/api_https.sh); allowed, warned.
sed -i 's/^token_file = token$/token_file = token\nallow_plaintext = true/' "$W/p1.ini"
: > "$W/p1.log"
start p1; wait_api p1
grep -q '"event":"api_plaintext_not_loopback"' "$W/p1.log" || fail "no warning for a plain HTTP API on 0.0.0.0"
echo "ok - plain HTTP on 0.0.0.0 warned"
echo "PASS"
