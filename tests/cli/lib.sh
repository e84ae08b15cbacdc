# lib.sh — shared helpers for the shell tests (git t/ style, TAP output).
# Each test script sources this, then calls `test_expect_success` /
# `test_expect_failure_code` and finally `test_done`.  Every script runs in its
# own temporary directory, removed on exit.
set -u
: "${WB_TEST_TOP:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${WB:=$WB_TEST_TOP/wb}"
export WB WB_TEST_TOP INPUTRC=/dev/null
unset WB_LOG
TEST_DIR=$(mktemp -d "${TMPDIR:-/tmp}/wb-cli.XXXXXX")
trap 'rm -rf "$TEST_DIR"' EXIT
cd "$TEST_DIR" || exit 1
test_count=0
test_failed=0

# test_expect_success "description" 'shell commands chained with &&'
test_expect_success() {
	test_count=$((test_count + 1))
	if ( eval "$2" ) >"$TEST_DIR/.out" 2>&1; then
		echo "ok $test_count - $1"
	else
		test_failed=$((test_failed + 1))
		echo "not ok $test_count - $1"
		sed 's/^/#   /' "$TEST_DIR/.out"
	fi
}

# expect_code N command args... — runs the command, fails unless it exits N.
expect_code() {
	want=$1; shift
	"$@"; got=$?
	if [ "$got" != "$want" ]; then
		echo "exit code $got, want $want: $*" >&2
		return 1
	fi
}

# contains FILE TEXT — fixed-string search with a useful failure message.
contains() {
	if ! grep -qF -- "$2" "$1"; then
		echo "'$1' does not contain '$2'; it has:" >&2
		cat "$1" >&2
		return 1
	fi
}

test_done() {
	echo "1..$test_count"
	[ "$test_failed" -eq 0 ]
}
