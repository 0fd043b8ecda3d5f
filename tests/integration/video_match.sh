#!/bin/sh
# Video entries end to end (issue 14, docs/video.md), real nodes on loopback mutual TLS:
# 1 authority + 2 platforms.
#  - the authority adds a video entry to a list (`hashfed list add-video`: hashed locally
#    with vPDQ, plus the file's MD5/SHA-256) and one from Meta's text format; p1 follows
#    the list by batches;
#  - p1's /v1/match takes video bytes: a re-encoded, rescaled copy with the first 2 s cut
#    (made here with ffmpeg) matches the entry (both percentages and time ranges shown), the
#    small-logo variant matches, the large-logo one and an unrelated video do not; a 7 s clip
#    from the middle matches only when the caller asks for "part of" (query_pct 80,
#    compared_pct 0); the same as a vPDQ hash (JSON frames, Meta's text, the intake page's
#    {ms, pdq, quality} frames); a still frame of the video matches it as a photo;
#    video_md5 / vmd5 exact lookups; over max_video_bytes is a 413 with HF_EFILESIZE;
#  - p2 entitled later receives the video entry in a snapshot and matches too;
#  - after a restart p1 reloads the video index from its store; a tombstone stops the match.
# usage: video_match.sh BIN_DIR TEST_BIN_DIR WORK_DIR
set -eu
BIN=$1
W=$3
SRC=${HF_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
DATA=${HF_SHARED_DATA:-$SRC/../shared/data}/vpdq/videos
skip() { echo "SKIPPED: $*"; exit 77; }
[ -f "$DATA/chair-orig-22-sd-bar.mp4" ] || skip "no vPDQ sample videos at $DATA (HF_SHARED_DATA)"
command -v ffmpeg >/dev/null || skip "ffmpeg not installed (needed to make the test videos)"
. "$(dirname "$0")/lib_fed.sh"
trap 'for n in auth p1 p2; do killhard $n; done' EXIT
ORIG=$DATA/chair-orig-22-sd-bar.mp4
H="$BIN/hashfed"

fed_init auth:authority p1:platform p2:platform
cat >> "$W/p1.ini" <<INI
[match]
max_video_bytes = 3000000
INI
for n in auth p1 p2; do start $n; done
for n in auth p1 p2; do wait_api $n; done
cli() { local n=$1; shift; HASHFED_API=$(api_of "$n") HASHFED_TOKEN_FILE=$W/token "$H" "$@"; }
# vmatch NODE FILE [QUERY]: POST the video bytes to /v1/match
vmatch() {
  curl -sS --max-time 60 -X POST -H "Authorization: Bearer $TOKEN" -H "Content-Type: video/mp4" \
    --data-binary "@$2" "http://$(api_of "$1")/v1/match${3:-}"
}
# the vpdq result's matches as "entry:query%:compared%" lines
vhits() { python3 -c "import sys,json
d=json.load(sys.stdin)
if 'results' not in d: print('bad:' + json.dumps(d)); sys.exit(0)
r=[x for x in d['results'] if x['alg']=='vpdq'][0]
for m in r.get('matches',[]): print('%d:%.1f:%.1f' % (m['entry'], m['query_match_percent'], m['compared_match_percent']))
if 'error' in r: print('error:'+r['error'])"; }

echo "# 1. the authority publishes a list with video entries ($(date +%T))"
L=$(api auth POST /v1/lists "{\"name\":\"videos\",\"category\":2,\"algs\":[\"vpdq\",\"md5\",\"sha256\",\"pdq\"],\"platforms\":[\"$ID_p1\"]}" | jget "['id']")
OUT=$(cli auth list add-video "$L" "$ORIG" --digests --case case-17 --category 5)
[ "$(echo "$OUT" | jget "['first_id']")" = 1 ] || fail "add-video: $OUT"
[ "$(echo "$OUT" | jget "['count']")" = 3 ] || fail "add-video with digests: $OUT"
# a second video from Meta's text format (an unrelated generated video)
ffmpeg -v error -f lavfi -i mandelbrot=size=320x240:rate=25 -t 12 -c:v libx264 -preset ultrafast -pix_fmt yuv420p -y "$W/other.mp4"
"$H" vpdq text "$W/other.mp4" > "$W/other.txt"
[ "$(cli auth list add-video "$L" "$W/other.txt" | jget "['first_id']")" = 4 ] || fail "add-video text"
R=$(api auth POST "/v1/lists/$L/entries" '{"entries":[{"alg":"vpdq","vpdq":[]}]}')
[ "$(echo "$R" | jget "['error']")" = HF_EMISSING ] || fail "empty video entry: $R"
R=$(api auth POST "/v1/lists/$L/entries" '{"entries":[{"alg":"vpdq","vpdq":[{"pdq":"zz","quality":90,"ms":0}]}]}')
[ "$(echo "$R" | jget "['error']")" = HF_EPARSE ] || fail "bad frame: $R"
wait_head p1 "$L" 3
R=$(api p1 GET "/v1/lists/$L/entries")
[ "$(echo "$R" | jget "['entries'][0]['alg']")" = vpdq ] || fail "stored entry: $R"
NF=$(echo "$R" | jget "['entries'][0]['vpdq'].__len__()")
[ "$NF" -ge 15 ] || fail "video entry frames: $NF"
[ "$(api p1 GET /v1/match/status | jget "['entries']['vpdq']")" = 2 ] || fail "index: $(api p1 GET /v1/match/status)"

echo "# 2. video bytes: a re-encoded, rescaled copy, first 2 s cut ($(date +%T))"
ffmpeg -v error -ss 2 -i "$ORIG" -vf scale=240:-2 -c:v libx264 -preset ultrafast -crf 30 -an -y "$W/copy.mp4"
R=$(vmatch p1 "$W/copy.mp4")
HITS=$(echo "$R" | vhits)
echo "copy: $HITS"
[ "$(echo "$HITS" | cut -d: -f1)" = 1 ] || fail "re-encoded copy did not match entry 1: $R"
echo "$R" | python3 -c "import sys,json
d=json.load(sys.stdin)
m=[x for x in d['matches'] if x['alg']=='vpdq'][0]
assert m['compared_match_percent'] >= 80 and m['category'] == 5, m
qs, qe = m['query_ranges'][0]; cs, ce = m['compared_ranges'][0]
assert qs < 1 and qe > 18 and 1 <= cs <= 3.5 and ce > 20, m
assert m['value'] is None and m['list'] == '$L', m
assert d['hashes']['frames'] >= 19 and d['hashes']['codec'] == 'h264', d['hashes']
" || fail "copy match fields: $R"
for v in chair-22-with-small-logo-bar chair-20-sd-bar; do
  [ "$(vmatch p1 "$DATA/$v.mp4" | vhits | cut -d: -f1)" = 1 ] || fail "$v did not match"
done
[ -z "$(vmatch p1 "$DATA/chair-22-with-large-logo-bar.mp4" | vhits)" ] || fail "large logo matched"
ffmpeg -v error -f lavfi -i testsrc2=size=320x480:rate=30 -t 8 -c:v libx264 -preset ultrafast -crf 30 -pix_fmt yuv420p -y "$W/unrelated.mp4"
R=$(vmatch p1 "$W/unrelated.mp4")
[ -z "$(echo "$R" | vhits)" ] || fail "unrelated video matched: $R"
[ "$(echo "$R" | jget "['matches'].__len__()")" = 0 ] || fail "unrelated: $R"

echo "# 3. a 7 s clip from the middle (MPEG-4 in Matroska): part of the video, found when asked for ($(date +%T))"
ffmpeg -v error -ss 8 -t 7 -i "$ORIG" -c:v mpeg4 -q:v 6 -an -y "$W/clip.mkv"
[ -z "$(vmatch p1 "$W/clip.mkv" | vhits)" ] || fail "clip matched at compared_pct 80"
R=$(vmatch p1 "$W/clip.mkv" "?query_pct=80&compared_pct=0")
[ "$(echo "$R" | vhits | cut -d: -f1)" = 1 ] || fail "clip (query_pct 80): $R"
echo "$R" | python3 -c "import sys,json
m=[x for x in json.load(sys.stdin)['matches'] if x['alg']=='vpdq'][0]
cs, ce = m['compared_ranges'][0]
assert 7 <= cs <= 9 and 13 <= ce <= 15.5 and m['query_match_percent'] >= 80, m" \
  || fail "clip range: $R"

echo "# 4. a vPDQ hash instead of bytes: JSON frames, Meta's text, the page's frames ($(date +%T))"
"$H" hash --json "$W/copy.mp4" > "$W/copy.json"
B=$(python3 -c "import json; print(json.dumps({'vpdq': json.load(open('$W/copy.json'))['vpdq']}))")
[ "$(api p1 POST /v1/match "$B" | jget "['matches'][0]['entry']")" = 1 ] || fail "vpdq JSON"
"$H" vpdq text "$W/copy.mp4" > "$W/copy.txt"
B=$(python3 -c "import json; print(json.dumps({'vpdq': open('$W/copy.txt').read()}))")
[ "$(api p1 POST /v1/match "$B" | jget "['matches'][0]['entry']")" = 1 ] || fail "vpdq text"
B=$(python3 -c "import json
fr=json.load(open('$W/copy.json'))['vpdq']
print(json.dumps({'vpdq': [{'ms': round(f['seconds']*1000), 'pdq': f['pdq'], 'quality': f['quality']} for f in fr]}))")
[ "$(api p1 POST /v1/match "$B" | jget "['matches'][0]['entry']")" = 1 ] || fail "page frames"
R=$(api p1 POST /v1/match '{"vpdq":[{"frame":3,"pdq":"'"$(printf '0%.0s' $(seq 64))"'","quality":90,"ms":0},{"frame":2,"pdq":"'"$(printf '0%.0s' $(seq 64))"'","quality":90,"ms":1}]}')
[ "$(echo "$R" | jget "['error']")" = HF_ENONCANON ] || fail "descending frames: $R"
R=$(api p1 POST /v1/match '{"vpdq":"0,10,'"$(printf 'a%.0s' $(seq 64))"',0.000\n"}')
[ "$(echo "$R" | jget "['error']")" = HF_ELOWQUALITY ] || fail "low-quality hash: $R"
R=$(api p1 POST /v1/match "{\"vpdq\":\"x\",\"compared_pct\":101}")
[ "$(echo "$R" | jget "['error']")" = HF_ERANGE ] || fail "compared_pct: $R"

echo "# 5. a still frame matches the video as a photo; exact digests; the size limit ($(date +%T))"
ffmpeg -v error -ss 10 -i "$ORIG" -frames:v 1 -y "$W/still.png"
R=$(curl -sS -X POST -H "Authorization: Bearer $TOKEN" -H "Content-Type: image/png" \
  --data-binary "@$W/still.png" "http://$API_p1/v1/match")
echo "$R" | python3 -c "import sys,json
m=[x for x in json.load(sys.stdin)['matches'] if x['alg']=='vpdq']
assert len(m) == 1 and m[0]['entry'] == 1 and 9 <= m[0]['frame_seconds'] <= 11, m" \
  || fail "still frame: $R"
MD5=$(md5sum "$ORIG" | cut -c1-32)
[ "$(api p1 GET "/m/lookup?signal_type=video_md5&signal=$MD5")" = '["videos"]' ] || fail video_md5
[ "$(api p1 GET "/m/lookup?signal_type=vmd5&signal=$MD5")" = '["videos"]' ] || fail vmd5
R=$(vmatch p1 "$ORIG")
[ "$(echo "$R" | jget "['matches'].__len__()")" = 3 ] || fail "original: vpdq + md5 + sha256: $R"
{ cat "$ORIG"; head -c 600000 /dev/zero; } > "$W/big.mp4"
CODE=$(curl -sS -o "$W/big.out" -w '%{http_code}' -X POST -H "Authorization: Bearer $TOKEN" \
  -H "Content-Type: video/mp4" --data-binary "@$W/big.mp4" "http://$API_p1/v1/match")
[ "$CODE" = 413 ] && grep -q HF_EFILESIZE "$W/big.out" && grep -q max_video_bytes "$W/big.out" \
  || fail "over max_video_bytes: $CODE $(cat "$W/big.out")"
R=$(curl -sS -X POST -H "Authorization: Bearer $TOKEN" -H "Content-Type: video/mp4" \
  --data-binary "not a video at all" "http://$API_p1/v1/match")
[ "$(echo "$R" | jget "['error']")" = HF_EVIDDECODE ] || fail "garbage video: $R"

echo "# 6. full-length video entries; a platform entitled later gets them by snapshot ($(date +%T))"
# 2 x 24 entries of 8192 distinct frames (336 KB each on the wire): 16.1 MB of records, more
# than one snapshot part holds, so p2's snapshot comes in two parts.
for k in 1 2; do
  python3 -c "import json, os
es = []
for e in range(24):
    es.append({'alg': 'vpdq', 'category': 9, 'vpdq': [{'ms': i * 1000, 'quality': 90,
        'pdq': os.urandom(32).hex()} for i in range(8192)]})
json.dump({'entries': es}, open('$W/big$k.json', 'w'))"
  curl -sS --max-time 120 -X POST -H "Authorization: Bearer $TOKEN" --data-binary "@$W/big$k.json" \
    "http://$API_auth/v1/lists/$L/entries" > "$W/big$k.out"
  grep -q '"count": *24' "$W/big$k.out" || fail "full-length entries: $(cat "$W/big$k.out")"
done
python3 -c "import json
f = json.load(open('$W/big2.json'))['entries'][23]['vpdq'][4000:4300]
json.dump({'vpdq': f}, open('$W/bigq.json', 'w'))"
api auth POST "/v1/lists/$L/platforms" "{\"member\":\"$ID_p2\"}" >/dev/null
wait_head p2 "$L" 5 60
[ "$(vmatch p2 "$W/copy.mp4" | vhits | cut -d: -f1)" = 1 ] || fail "p2 (snapshot)"
[ "$(api p2 GET "/v1/lists/$L/entries?limit=1" | jget "['entries'][0]['vpdq'].__len__()")" = "$NF" ] \
  || fail "snapshot frames"
[ "$(api p2 GET /v1/match/status | jget "['entries']['vpdq']")" = 50 ] || fail "p2 index"
R=$(curl -sS -X POST -H "Authorization: Bearer $TOKEN" --data-binary "@$W/bigq.json" \
  "http://$API_p2/v1/match")
[ "$(echo "$R" | jget "['matches'].__len__()")" = 0 ] || fail "5 min of a 2 h video at P_c 80: $R"
python3 -c "import json
d = json.load(open('$W/bigq.json')); d['query_pct'] = 80; d['compared_pct'] = 0
json.dump(d, open('$W/bigq.json', 'w'))"
R=$(curl -sS -X POST -H "Authorization: Bearer $TOKEN" --data-binary "@$W/bigq.json" \
  "http://$API_p2/v1/match")
[ "$(echo "$R" | jget "['matches'][0]['entry']")" = 52 ] || fail "part of entry 52 (snapshot part 2): $R"
[ "$(echo "$R" | jget "['matches'][0]['compared_ranges']")" = "[[4000.0, 4299.0]]" ] \
  || fail "range in entry 52: $R"
grep -q '"snapshot_part_applied"' "$W/p2.log" && \
  [ "$(grep -c '"snapshot_part_applied"' "$W/p2.log")" = 2 ] || fail "expected 2 snapshot parts"

echo "# 7. restart: the video index is reloaded; a tombstone stops the match ($(date +%T))"
stop p1; start p1
# 400k frames to re-index (4 s at load 13 on this machine): wait longer than wait_api does
for _ in $(seq 600); do curl -s "http://$API_p1/healthz" >/dev/null 2>&1 && break; sleep 0.1; done
wait_api p1
[ "$(vmatch p1 "$W/copy.mp4" | vhits | cut -d: -f1)" = 1 ] || fail "after restart"
api auth POST "/v1/lists/$L/remove" '{"ids":[1]}' >/dev/null
# the removal travels as batch 6: ask once p1 has applied it, not before
wait_head p1 "$L" 6
[ -z "$(vmatch p1 "$W/copy.mp4" | vhits)" ] || fail "removed entry matched"
[ "$(api p1 GET /v1/match/status | jget "['entries']['vpdq']")" = 49 ] || fail "index after removal"
echo "video_match: ok"
