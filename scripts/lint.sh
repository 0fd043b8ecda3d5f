#!/bin/sh
# Mechanical guardrails (make lint): banned calls, layering, include circles,
# unformatted files.
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
if grep -nE '(^|[^a-z_])(socket|pthread_create|fopen|open)\(' $(git ls-files 'protocol/src/*.c'); then
	echo "lint: protocol/ must not touch sockets, threads or files"
	status=1
fi
# Layering (node/): SQLite only in store/, nng only in net/, evhttp only in api/.
# Comments are stripped first (gcc -fpreprocessed), so prose may name them.
layer() { # layer WORD-REGEX FOLDER WHAT
	for f in $(git ls-files 'node/*.c' 'node/*.h'); do
		case "$f" in "node/$2/"*) continue ;; esac
		if gcc -fpreprocessed -dD -E -P -x c "$f" 2>/dev/null | grep -qE "$1"; then
			echo "lint: $f uses $3 outside node/$2/"
			status=1
		fi
	done
}
layer 'sqlite3' store SQLite
layer '\bnng|<nng/' net nng
layer 'evhttp|<event2/http' api evhttp
# No include circles among node/ and protocol/ modules (foo.c + foo.h).
if ! python3 scripts/include-cycles.py .; then
	status=1
fi
for f in $files; do
	if ! clang-format --dry-run -Werror "$f" >/dev/null 2>&1; then
		echo "lint: not clang-formatted: $f"
		status=1
	fi
done
exit $status
