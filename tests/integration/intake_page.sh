#!/bin/bash
# Victim intake end to end (issue 15, docs/intake.md): two authorities (a regional and the
# central center) and a platform on loopback TLS; headless Chromium opens the regional
# node's /intake page, hashes the 45 PDQ reference images on the "device" (bit-exact with
# `hashfed hash`), then submits a report of a reference image and a generated video while
# the DevTools Network domain records every request (none may carry file bytes); the
# counselor turns the case into list entries and a takedown order; the same report at the
# central node shows the dedupe hint (regional's list, no case reference); the regional
# case is referred to the central node, which sees it and answers a status; abuse controls
# of the public endpoint. The driver is intake_page.py.
# usage: intake_page.sh BIN_DIR TEST_BIN_DIR WORK_DIR
set -eu
BIN=$1
W=$3
SRC=${HF_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
CHROMIUM=${CHROMIUM:-$(command -v chromium || true)}
DATA=${HF_SHARED_DATA:-$SRC/../shared/data}/pdq
skip() { echo "SKIPPED: $*"; exit 77; }
[ "${HF_INTAKE_WASM:-ON}" = ON ] || skip "built without emscripten (emcc): the page has no hasher"
[ -n "$CHROMIUM" ] || skip "chromium not installed (scripts/install-deps installs it)"
[ -d "$DATA/images" ] || skip "no PDQ reference data at $DATA"
command -v ffmpeg >/dev/null || skip "ffmpeg not installed (needed to make the test video)"
. "$(dirname "$0")/lib_fed.sh"
trap 'for n in regional central portal; do killhard $n; done' EXIT

fed_init regional:authority central:authority portal:platform
for n in regional central portal; do start $n; done
for n in regional central portal; do wait_api $n; done

# A 6-second VP9 test video (moving pattern), made here so nothing binary is checked in.
ffmpeg -loglevel error -y -f lavfi -i testsrc2=size=320x240:rate=10 -t 6 \
  -c:v libvpx-vp9 -b:v 400k -pix_fmt yuv420p "$W/clip.webm" || fail "ffmpeg"

export CHROMIUM W BIN DATA TOKEN ID_regional ID_central ID_portal
export API_regional API_central API_portal
python3 "$(dirname "$0")/intake_page.py" || fail "intake_page.py"
echo "intake_page: OK"
