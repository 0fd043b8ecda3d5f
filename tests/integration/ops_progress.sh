#!/bin/bash
# integration.ops_progress: one authority node for `hashfed list add`; the checks are in
# ops_progress.py (progress on a terminal, quiet in scripts).
# usage: ops_progress.sh BIN_DIR TEST_BIN_DIR WORK_DIR
set -eu
BIN=$1 TBIN=$2 W=$3
. "$(dirname "$0")/lib_fed.sh"
trap 'killhard a; killhard p' EXIT
fed_init a:authority p:platform
start a; start p; wait_api a; wait_api p
L=$(api a POST /v1/lists "{\"name\":\"big\",\"category\":7,\"algs\":[\"sha256\"],\"platforms\":[\"$ID_p\"]}" | jget "['id']")
python3 "$(dirname "$0")/ops_progress.py" "$BIN" "$W/work" "$(api_of a)" "$W/token" "$L" || fail "ops_progress.py"
echo PASS
