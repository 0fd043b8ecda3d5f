#!/bin/sh
# Mechanical guardrails (make lint): banned calls, layering, include circles, cppcheck,
# clang-tidy, unformatted files.
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
# cppcheck over every C file (config and reasons: scripts/cppcheck.supp).
csrc=$(git ls-files '*.c' | grep -v '^node/intake/web/')
if ! cppcheck -q -j"${LINT_JOBS:-2}" --std=c11 --enable=warning,performance,portability \
	--inline-suppr --error-exitcode=1 -I protocol/include -I protocol/private -I node -I keys -I tests/common \
	--suppress=missingIncludeSystem --suppressions-list=scripts/cppcheck.supp $csrc; then
	echo "lint: cppcheck findings above"
	status=1
fi
# clang-tidy over the production sources (checks and reasons: .clang-tidy), through the
# compile commands of a configure-only tree (build-lint; LINT_TIDY=0 skips this step).
if [ "${LINT_TIDY:-1}" != 0 ]; then
	mkdir -p build-lint
	if cmake -S . -B build-lint -DCMAKE_BUILD_TYPE=Debug -DHF_WERROR=ON >build-lint/configure.log 2>&1; then
		tsrc=$(git ls-files 'protocol/src/*.c' 'node/*.c' 'keys/*.c' | grep -v '^node/intake/web/')
		if ! echo "$tsrc" | xargs -P"${LINT_JOBS:-2}" -n8 clang-tidy -p build-lint --quiet \
			>build-lint/tidy.txt 2>&1 || grep -qE ': (warning|error):' build-lint/tidy.txt; then
			grep -E ': (warning|error):' build-lint/tidy.txt
			echo "lint: clang-tidy findings above (all: build-lint/tidy.txt)"
			status=1
		fi
	else
		echo "lint: cmake configure for clang-tidy failed (build-lint/configure.log)"
		status=1
	fi
fi
for f in $files; do
	if ! clang-format --dry-run -Werror "$f" >/dev/null 2>&1; then
		echo "lint: not clang-formatted: $f"
		status=1
	fi
done
exit $status
