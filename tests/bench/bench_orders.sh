#!/bin/sh
# bench_orders: takedown orders -> signed receipts between two real nodes on loopback
# mutual TLS (issue 6).
#  - latency: orders sent one at a time, 20 ms apart (open loop, no queueing); per order,
#    from the authority sealing it (received_ms, taken before the commit that puts it in
#    the outbox, so that commit's fsync counts) to the authority applying the platform's
#    signed receipt (receipt_ms, taken inside the transaction that commits it, so that last
#    fsync does not): transport both ways, the platform's verify + decrypt + commit +
#    receipt seal, and two synchronous=FULL commits on the way. Times are the authority's
#    store timestamps (ms resolution).
#  - durable orders/s: ORDERS orders POSTed back to back over one keep-alive connection in
#    bulk requests of BULK orders (POST /v1/orders {"orders": [...]}: one transaction each);
#    from the first order committed to the last receipt committed at the authority.
# Baseline (same run): tests/hf_orders_rtt, a raw nng req/rep round trip over the same TLS
# certificates with a request the size of the order envelope and a reply the size of the
# receipt envelope (no crypto beyond TLS, no storage).
# Also printed, to read the figures on a shared machine: fdatasync_us (p50/p99 of a 4 KiB
# append + fdatasync on the same filesystem, same run) and floor_us = 2 fdatasyncs + the
# round trip (what the latency cannot go below without giving up a durable commit);
# cpu_us_per_order (user + system CPU of each node over the throughput phase) and
# cpu_bound_per_s (orders/s at which the two nodes would use both cores); group_commit
# (envelopes per inbox commit in the throughput phase, /metrics); loadavg.
# env: BUILD (build dir), LAT (latency samples, default 300), ORDERS (default 5000),
# BULK (orders per request, default 250)
set -eu
BUILD=${BUILD:-build}
LAT=${LAT:-300}
ORDERS=${ORDERS:-5000}
BULK=${BULK:-250}
BIN=$BUILD/bin
W=$BUILD/bench-orders
LOG_LEVEL=warn
. "$(dirname "$0")/../integration/lib_fed.sh"
trap 'killhard auth; killhard p1' EXIT
fed_init auth:authority p1:platform
start auth; start p1; wait_api auth; wait_api p1
python3 - "$API_auth" "$TOKEN" "$ID_p1" "$LAT" "$ORDERS" "$W/sizes" "$BULK" "$PID_auth" "$PID_p1" "$API_p1" <<'PY' > "$W/ours"
import http.client, json, os, sys, time, base64
api, tok, plat, lat, n, sizes = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5]), sys.argv[6]
bulk = int(sys.argv[7])
pids = sys.argv[8:10]
def commits(a, typ):  # (envelopes of typ accepted, inbox commits) from a node's /metrics
    h, p = a.split(':'); m = http.client.HTTPConnection(h, int(p))
    m.request('GET', '/metrics', headers={'Authorization': 'Bearer ' + tok})
    got = {'in': 0, 'commits': 0}
    for line in m.getresponse().read().decode().splitlines():
        if line.startswith(f'hashfed_messages_in_total{{type="{typ}"}}'): got['in'] = int(line.split()[-1])
        if line.startswith('hashfed_inbox_commits_total'): got['commits'] = int(line.split()[-1])
    m.close()
    return got
def cpu_s(pid):  # user + system CPU seconds of a node process (all its threads)
    f = open(f'/proc/{pid}/stat').read().rsplit(')', 1)[1].split()
    return (int(f[11]) + int(f[12])) / os.sysconf('SC_CLK_TCK')
host, port = api.split(':')
c = http.client.HTTPConnection(host, int(port))
H = {'Authorization': 'Bearer ' + tok, 'Content-Type': 'application/json'}
def req(m, p, b=None):
    c.request(m, p, body=json.dumps(b) if b is not None else None, headers=H)
    r = c.getresponse(); d = json.loads(r.read())
    if r.status != 200: raise SystemExit(f'{p}: {d}')
    return d
def one(i):
    return {'platform': plat, 'category': 'deepfake_sexual', 'legal_basis': 'Act 44-7(1)',
        'case': f'CASE-{i}', 'deadline': '24h', 'items': [{'url': f'https://video.example/v/{i:08d}'}]}
def order(i):
    return req('POST', '/v1/orders', one(i))['id']
def orders(i, k):
    return [o['id'] for o in req('POST', '/v1/orders', {'orders': [one(i + j) for j in range(k)]})['orders']]
def wait_all(ids, t0):
    got = {}
    for x in ids:
        while True:
            o = req('GET', f'/v1/orders/{x}')
            if o['receipt_ms']: got[x] = o; break
            if time.time() - t0 > 300: raise SystemExit('timeout waiting for receipts')
            time.sleep(0.01)
    return got, max(o['receipt_ms'] for o in got.values())
for i in range(20): order(-i - 1)   # warm-up (TLS handshakes, statement preparation)
ids = []
for i in range(lat):
    ids.append(order(i)); time.sleep(0.02)
got, _ = wait_all(ids, time.time())
l = sorted(got[x]['receipt_ms'] - got[x]['received_ms'] for x in ids)
h = req('GET', f'/v1/orders/{ids[0]}/history')['messages']
with open(sizes, 'w') as f:
    f.write(' '.join(str(len(base64.b64decode(m['envelope']))) for m in h[:2]) + '\n')
cpu0 = [cpu_s(p) for p in pids]
g0 = [commits(sys.argv[10], 32), commits(api, 33)]
t0 = time.time(); t0ms = int(t0 * 1000)
ids = []
while len(ids) < n:
    ids += orders(100000 + len(ids), min(bulk, n - len(ids)))
t_post = time.time() - t0
got, last = wait_all(ids, t0)
cpu = [cpu_s(p) - c for p, c in zip(pids, cpu0)]
g1 = [commits(sys.argv[10], 32), commits(api, 33)]
group = [(b['in'] - a['in']) / max(1, b['commits'] - a['commits']) for a, b in zip(g0, g1)]
first_ms = min(o['received_ms'] for o in got.values())
print(l[len(l) // 2], l[len(l) * 99 // 100], n / ((last - first_ms) / 1000.0), n / t_post,
      cpu[0] * 1e6 / n, cpu[1] * 1e6 / n, group[0], group[1])
PY
read p50 p99 ops post_ops cpu_a cpu_p grp_p grp_a < "$W/ours"
read req_b rep_b < "$W/sizes"
read b50 b99 <<EOT
$("$BUILD/tests/hf_orders_rtt" "$W/fed/ca/ca.crt" "$W/auth/tls.crt" "$W/auth/tls.key" $((BASE + 40)) "$req_b" "$rep_b" 2000)
EOT
# Storage floor (same run, same filesystem): fdatasync of 4 KiB appends, as a WAL commit.
read f50 f99 <<EOT
$(python3 - "$W/fsync.probe" <<'PY'
import os, sys, time
fd = os.open(sys.argv[1], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
t = []
for i in range(300):
    os.write(fd, b'\0' * 4096)
    a = time.perf_counter(); os.fdatasync(fd); t.append((time.perf_counter() - a) * 1e6)
os.close(fd); os.unlink(sys.argv[1]); t.sort()
print(round(t[150], 1), round(t[297], 1))
PY
)
EOT
python3 - "$p50" "$p99" "$b50" "$b99" "$ops" "$post_ops" "$req_b" "$rep_b" "$BULK" "$cpu_a" "$cpu_p" "$f50" "$f99" "$grp_p" "$grp_a" <<'PY'
import json, os, sys
p50, p99, b50, b99, ops, post = (float(x) for x in sys.argv[1:7])
cpu_a, cpu_p, f50, f99, grp_p, grp_a = (float(x) for x in sys.argv[10:16])
load = round(os.getloadavg()[0], 1)
for name, ours, base, fs in (("orders_receipt_p50", p50 * 1000, b50, f50),
                             ("orders_receipt_p99", p99 * 1000, b99, f99)):
    print(json.dumps({"bench": name, "unit": "us (lower is better; ms resolution)", "ours": ours,
        "baseline": f"nng req/rep over the same TLS, {sys.argv[7]} B / {sys.argv[8]} B",
        "baseline_value": base, "ratio": round(ours / base, 1),
        "fdatasync_us": fs, "floor_us": round(2 * fs + base, 1), "loadavg": load}))
cpu = cpu_a + cpu_p
print(json.dumps({"bench": "orders_durable_per_s", "unit": "orders/s (higher is better)",
    "ours": round(ops, 1), "baseline": "target 5000", "baseline_value": 5000,
    "ratio": round(ops / 5000, 3), "api_accept_per_s": round(post, 1),
    "bulk": int(sys.argv[9]), "cpu_us_per_order": {"authority": round(cpu_a, 1),
    "platform": round(cpu_p, 1)}, "cpu_bound_per_s": round(2e6 / cpu, 1) if cpu else None,
    "group_commit": {"orders_per_platform_commit": round(grp_p, 1),
    "receipts_per_authority_commit": round(grp_a, 1)},
    "loadavg": load}))
PY
