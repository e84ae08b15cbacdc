# tests/tui/lib.sh — tmux helpers for TUI and REPL tests (FACTS.md: a
# private server socket, no config, poll capture-pane; never fixed sleeps).
# Source after tests/cli/lib.sh (which changes directory, so use the top):
#   . "$(dirname "$0")/../cli/lib.sh"; . "$WB_TEST_TOP/tests/tui/lib.sh"
#   tui_start 100 30 "$WB" data.csv      # a detached session running the command
#   tui_wait "rows"                       # poll until the screen shows the text
#   tui_wait_re REGEX, tui_wait_line TEXT, tui_wait_last TEXT, tui_wait_gone TEXT
#   tui_keys j j Enter                    # tmux send-keys (key names or literal text)
#   tui_type 'print(1+1)'                 # literal text (send-keys -l)
#   tui_screen >screen.txt                # the visible screen
#   tui_resize 50 12
#   tui_stop                              # kills the session (also on exit)
command -v tmux >/dev/null 2>&1 || { echo "1..0 # SKIP tmux is not installed"; exit 0; }
DATA="$WB_TEST_TOP/data"
: "${WB_DATADIR:=$WB_TEST_TOP}"
export WB_DATADIR XDG_CONFIG_HOME="$TEST_DIR/config" XDG_STATE_HOME="$TEST_DIR/state"
TUI_SOCK="$TEST_DIR/.tmux.sock"
TUI_SESSION=wbtest
: "${TUI_TIMEOUT:=10}"
export TERM=xterm-256color LANG=C.UTF-8 LC_ALL=C.UTF-8 INPUTRC=/dev/null

tmx() { tmux -S "$TUI_SOCK" -f /dev/null "$@"; }

tui_start() { # width height command...
	w=$1; h=$2; shift 2
	tui_stop
	# The command runs in its own shell so its exit status can be read back.
	printf '%s' "$*" >"$TEST_DIR/.tui.cmd"
	tmx new-session -d -s "$TUI_SESSION" -x "$w" -y "$h" \
		"cd '$TEST_DIR' && $*; echo \"[exit \$?]\"; sleep 3600"
	tmx set-option -t "$TUI_SESSION" remain-on-exit on >/dev/null 2>&1
}

tui_screen() { tmx capture-pane -p -t "$TUI_SESSION"; }

# tui_until WHAT COMMAND...: polls until COMMAND succeeds; on timeout says
# what it waited for and shows the screen.
tui_until() {
	what=$1; shift
	deadline=$(( $(date +%s) + TUI_TIMEOUT ))
	until "$@"; do
		if [ "$(date +%s)" -ge "$deadline" ]; then
			echo "timed out waiting for $what; the screen is:" >&2
			tui_screen >&2
			return 1
		fi
		sleep 0.02
	done
}
screen_has() { tui_screen 2>/dev/null | grep -qF -- "$1"; }
screen_has_re() { tui_screen 2>/dev/null | grep -qE -- "$1"; }
screen_has_line() { tui_screen 2>/dev/null | grep -qxF -- "$1"; }
screen_lacks() { ! screen_has "$1"; }
last_line_is() { [ "$(tui_screen | grep -v '^$' | tail -n 1)" = "$1" ]; }

tui_wait() { tui_until "'$1'" screen_has "$1"; }            # TEXT anywhere
tui_wait_re() { tui_until "/$1/" screen_has_re "$1"; }       # a line matches the ERE
tui_wait_line() { tui_until "the line '$1'" screen_has_line "$1"; }
tui_wait_last() { tui_until "'$1' as the last line" last_line_is "$1"; }
tui_wait_gone() { tui_until "'$1' to go" screen_lacks "$1"; }
line() { tui_screen | sed -n "${1}p"; }                      # line N of the screen

tui_keys() { tmx send-keys -t "$TUI_SESSION" "$@"; }
tui_type() { tmx send-keys -t "$TUI_SESSION" -l "$1"; }
tui_resize() { tmx resize-window -t "$TUI_SESSION" -x "$1" -y "$2"; }
# Kills the server and waits until it is gone: a new session started while
# the old server is still exiting fails with "server exited unexpectedly".
tui_restart() { tui_start "$@"; }  # tui_start already waits for the old server

tui_stop() {
	tmx kill-server 2>/dev/null
	n=0
	while [ -S "$TUI_SOCK" ] && tmx has-session 2>/dev/null && [ $n -lt 200 ]; do
		sleep 0.01; n=$((n + 1))
	done
	rm -f "$TUI_SOCK"
	return 0
}
trap 'tui_stop; rm -rf "$TEST_DIR"' EXIT
