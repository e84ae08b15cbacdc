#!/bin/sh
# Runs every test layer under prove (DESIGN.md §7):
#   tests/unit/  C unit tests, built into $BUILD/tests/unit/
#   tests/lua/   Lua tests run inside the real binary (`wb run`)
#   tests/cli/   shell tests of the command line, git style
#   tests/tui/   tmux-driven tests of the TUI (when present)
# Called by `make check` with WB (absolute path of the binary) and BUILD set.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 1
: "${WB:=$top/wb}" "${BUILD:=build}"
: "${WB_DATADIR:=$top}"
export WB WB_DATADIR INPUTRC=/dev/null WB_TEST_TOP="$top" LC_ALL=C.UTF-8
tmp=$(mktemp -d "${TMPDIR:-/tmp}/wb-test.XXXXXX")
trap 'rm -rf "$tmp"' EXIT INT TERM
export WB_LOG="$tmp/lua-runs.db"
status=0
set --
for t in "$BUILD"/tests/unit/test_*; do [ -x "$t" ] && set -- "$@" "$t"; done
if [ $# -gt 0 ]; then prove -e '' "$@" || status=1; fi
set -- tests/lua/*.lua
if [ -e "$1" ]; then prove -e "$WB run" "$@" || status=1; fi
set -- tests/cli/*.t
if [ -e "$1" ]; then prove "$@" || status=1; fi
if [ -d tests/tui ]; then
	set -- tests/tui/*.t
	if [ -e "$1" ]; then prove "$@" || status=1; fi
fi
[ $status -eq 0 ] && echo "all test layers passed" || echo "some tests FAILED"
exit $status
