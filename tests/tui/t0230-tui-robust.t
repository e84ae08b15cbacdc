#!/bin/sh
# The TUI under stress: UTF-8 widths, missing values, resizing down to tiny
# windows, models and plots in the pane, Ctrl-C, SIGTERM, a crash — and the
# terminal is always restored (tmux's alternate_on says whether curses
# still owns the screen).
. "$(dirname "$0")/../cli/lib.sh"
. "$WB_TEST_TOP/tests/tui/lib.sh"

alt_screen() { tmx display-message -p -t "$TUI_SESSION" "#{alternate_on}"; }
# display_col FILE TEXT: the display column where TEXT ends on its line.
display_col() {
	python3 - "$1" "$2" <<'PY'
import sys, unicodedata
text = open(sys.argv[1], encoding="utf-8").read().splitlines()
for l in text:
    i = l.find(sys.argv[2])
    if i >= 0:
        pre = l[:i + len(sys.argv[2])]
        print(sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in pre))
        break
PY
}

cat >u.csv <<'CSV'
name,n,flag
日本語のテキスト,1.5,a
naïve café,,b
plain,3,
a very long piece of text that is certainly wider than forty columns on screen,4,a
CSV

test_expect_success 'UTF-8 text takes its display width; long text ends in …; missing is ·' '
	tui_start 80 12 "$WB" u.csv &&
	tui_wait "row 1/4" &&
	tui_screen >screen &&
	grep -F "日本語のテキスト" screen && grep -F "naïve café" screen &&
	grep -E "a very long piece of text that is cert[a-z]*… " screen &&
	test "$(display_col screen "1.5")" = "$(display_col screen " 3")" &&
	test "$(display_col screen "1.5")" = "$(display_col screen " 4")" &&
	grep -E "naïve café +· +b" screen &&
	grep -E "plain +3 +·" screen
'

test_expect_success 'notes from loading (stderr) show in the message line and the console' '
	printf "a,a\n1,2\n" >dup.csv &&
	tui_restart 100 12 "$WB" dup.csv && tui_wait "row 1/1" &&
	tui_wait "duplicate column name '"'"'a'"'"', renamed '"'"'a_2'"'"'" &&
	line 1 | grep -E "^ a +# a_2 +#" &&
	tui_keys : && tui_wait "> d1 = assert(wb.read_csv(\"dup.csv\"))" &&
	tui_screen | grep -E "^wb: note: dup.csv:1:2: duplicate column name" &&
	tui_keys Escape && tui_wait_gone "LUA " &&
	tui_restart 80 12 "$WB" u.csv && tui_wait "row 1/4"
'

test_expect_success 'the cursor moves over wide text without breaking the grid' '
	tui_keys l l j j j && tui_wait "row 4/4  col 3/3" &&
	line 5 | grep -E "… +4 +a"
'

test_expect_success 'Ctrl-C with nothing running says so and keeps going' '
	tui_keys C-c && tui_wait "nothing is running" &&
	tui_keys k && tui_wait "row 3/4"
'

test_expect_success 'resizing re-lays out: 40x10, 20x5, 12x3, back to 100x30' '
	tui_restart 100 30 "$WB" "$DATA/iris.csv" && tui_wait "row 1/150" &&
	tui_resize 40 10 && tui_wait_gone "Petal.Width" &&
	tui_screen >small && test "$(wc -l <small)" -le 10 &&
	test "$(wc -L <small)" -le 40 &&
	grep -E "^ d1 .* 1/150 1/5$" small &&
	tui_keys j && tui_wait " 2/150" &&
	tui_resize 20 5 && tui_keys j && tui_wait " 3/150" &&
	tui_screen | grep -E "Sepal" &&
	tui_resize 12 3 && tui_keys k && tui_wait " 2/150" &&
	tui_resize 100 30 && tui_wait "Petal.Width" &&
	line 1 | grep -E "Sepal.Length .* Sepal.Width .* Petal.Length .* Petal.Width .* Species" &&
	tui_screen | grep -E "row 2/150  col 1/5"
'

test_expect_success 'a tiny window from the start still works' '
	tui_restart 20 5 "$WB" "$DATA/iris.csv" && tui_wait " 1/150" &&
	tui_keys G && tui_wait "150/150" &&
	tui_keys I && tui_wait "c1 = d1" &&
	tui_keys q q && tui_wait "[exit 0]"
'

if command -v gnuplot >/dev/null 2>&1; then
test_expect_success 'S splits; M trains a family from the menu; metrics show' '
	tui_restart 120 32 "$WB" "$DATA/iris.csv" && tui_wait "row 1/150" &&
	tui_keys S && tui_wait "test fraction: 0.2" && tui_keys Enter &&
	tui_wait "train1: 120 rows, test1: 30 rows" &&
	tui_keys g l M && tui_wait "predict Species from train1 with:" &&
	tui_type "logi" && tui_keys Enter &&
	tui_wait "metrics of e1 (m1) on test1" &&
	tui_screen | grep -E "accuracy +0\.9" &&
	tui_screen | grep -E "^m1 on test1: accuracy 0\.9[0-9]* auc"
'

test_expect_success 'g. draws the ROC curve in the plot pane; P hides it' '
	tui_keys g . && tui_wait "plot p1" &&
	tui_wait "ROC" &&
	tui_screen | grep -F "p1 = assert(wb.plot.roc(e1))" &&
	tui_keys P && tui_wait_gone "plot p1"
'

test_expect_success 'B packages the last model as a bundle that wb verifies' '
	tui_keys B && tui_wait "package the last model as: model.wbz" &&
	tui_keys C-u && tui_type "iris.wbz" && tui_keys Enter &&
	tui_wait "wrote iris.wbz" &&
	"$WB" bundle verify iris.wbz | grep -F "100 golden rows re-scored identically"
'

test_expect_success '. plots the cursor column; the pane follows a resize' '
	tui_keys q gh . && tui_wait "plot p2" &&
	tui_screen | grep -F "p2 = assert(wb.plot.hist(train1, \"Sepal.Length\"))" &&
	tui_wait_re "^ Sepal.Length .* plot p2" &&
	tui_resize 80 30 && tui_wait_re "^ plot p2" &&
	tui_resize 30 8 && tui_keys j && tui_wait " 2/120" &&
	tui_resize 120 32 && tui_wait "plot p2"
'
fi

test_expect_success 'SIGTERM ends the session as interrupted and restores the terminal' '
	tui_restart 80 20 "$WB" "$DATA/iris.csv" && tui_wait "row 1/150" &&
	test "$(alt_screen)" = 1 &&
	pid=$(ps -o pid= --ppid "$(tmx display-message -p -t "$TUI_SESSION" "#{pane_pid}")" | tr -d " ") &&
	kill -TERM "$pid" && tui_wait "[exit 130]" &&
	test "$(alt_screen)" = 0 &&
	"$WB" runs --json >runs.json &&
	python3 -c "import json; r = json.load(open(\"runs.json\"))[0]; assert r[\"status\"] == \"interrupted\", r"
'

test_expect_success 'a crash (SIGSEGV) restores the terminal, then dies of the signal' '
	tui_restart 80 20 "$WB" "$DATA/iris.csv" && tui_wait "row 1/150" &&
	test "$(alt_screen)" = 1 &&
	pid=$(ps -o pid= --ppid "$(tmx display-message -p -t "$TUI_SESSION" "#{pane_pid}")" | tr -d " ") &&
	kill -SEGV "$pid" && tui_wait_re "\\[exit (139|1)\\]" &&
	test "$(alt_screen)" = 0
'

test_expect_success 'a normal quit leaves the alternate screen' '
	tui_restart 80 20 "$WB" "$DATA/iris.csv" && tui_wait "row 1/150" &&
	tui_keys q && tui_wait "[exit 0]" &&
	test "$(alt_screen)" = 0
'

test_done
