#!/bin/sh
# Mechanical guardrails (make lint): banned calls, unformatted files.
set -u
cd "$(dirname "$0")/.."
status=0
files=$(git ls-files '*.c' '*.h')
# Unbounded string functions.
if grep -nE '\b(strcpy|strcat|sprintf|vsprintf|gets)\s*\(' $files; then
	echo "lint: use bounded functions (snprintf, memcpy with a checked length)"
	status=1
fi
# protocol/ has no sockets, threads or files.
if grep -nE '(^|[^a-z_])(socket|pthread_create|fopen|open)\(' protocol/src/*.c; then
	echo "lint: protocol/ must not touch sockets, threads or files"
	status=1
fi
for f in $files; do
	if ! clang-format --dry-run -Werror "$f" >/dev/null 2>&1; then
		echo "lint: not clang-formatted: $f"
		status=1
	fi
done
exit $status
