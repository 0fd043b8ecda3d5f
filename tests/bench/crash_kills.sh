#!/bin/sh
# make bench (scripts/run-benches): the fault suites in long mode, one JSON line each.
#   kill:        200 SIGKILLs during list ingest and order/outcome flow (tests/crash/kill.sh)
#   io_faults:   failed writes / fsyncs / full disk through the VFS shim (tests/crash/io_faults.sh)
#   net:         3 rounds of the proxy fault schedule (tests/net/proxy_faults.sh)
# Counts, not timings: there is no baseline to compare with; "pass" is the result.
set -u
root=$(cd "$(dirname "$0")/../.." && pwd)
build=$(cd "${BUILD:-$root/build-bench}" && pwd)
run() { # NAME SCRIPT ENV...
	name=$1 script=$2
	shift 2
	log="$build/fault-$name.log"
	t0=$(date +%s)
	if env "$@" bash "$root/$script" "$build/bin" "$build/tests" "$build/fault-$name" >"$log" 2>&1; then
		ok=true
	else
		ok=false
	fi
	t1=$(date +%s)
	summary=$(grep '^# ' "$log" | tr '"' "'" | tr '\n' ' ')
	printf '{"bench": "faults_%s", "pass": %s, "seconds": %d, "summary": "%s"}\n' \
		"$name" "$ok" $((t1 - t0)) "$summary"
}
run kill tests/crash/kill.sh HF_CRASH_KILLS=${HF_CRASH_KILLS:-200}
run io_faults tests/crash/io_faults.sh
run net tests/net/proxy_faults.sh HF_NET_ROUNDS=${HF_NET_ROUNDS:-3}
