#!/bin/sh
# wb repl in a terminal, through tmux: values, frames, multi-line chunks,
# completion, help, errors, Ctrl-C at the prompt and during a chunk,
# history across sessions, Ctrl-D, and the recorded run replaying.
# Piped (non-terminal) use is in tests/cli/t0500-repl.t.
. "$(dirname "$0")/../cli/lib.sh"
. "$WB_TEST_TOP/tests/tui/lib.sh"

# enter TEXT: a clean screen, TEXT typed at the prompt, Enter.
enter() {
	tui_keys C-l && tui_wait_line "wb>" &&
	tui_type "$1" && tui_wait_line "wb> $1" && tui_keys Enter
}

test_expect_success 'the REPL starts with a banner and a prompt' '
	tui_start 100 40 "$WB" repl --log runs.db &&
	tui_wait "for help, Tab completes, Ctrl-D exits" &&
	tui_wait_last "wb>"
'

test_expect_success 'an expression prints its value' '
	enter "1+1" && tui_wait_line 2
'

test_expect_success 'a table pretty-prints' '
	enter "x = {a=1, b={2,3}}" && tui_wait_line "wb>" &&
	enter "x" && tui_wait_line "{ a = 1, b = { 2, 3 } }"
'

test_expect_success 'a frame prints as an aligned table with its column names' '
	enter "d = wb.read_csv(os.getenv(\"WB_TEST_TOP\")..\"/data/iris.csv\")" &&
	tui_wait_line "wb>" &&
	enter "d" &&
	tui_wait "frame: 150 rows x 5 columns" &&
	tui_wait_re "^ *Sepal.Length  Sepal.Width  Petal.Length  Petal.Width  Species$" &&
	tui_wait_re "^ *<num>  *<num>  *<num>  *<num>  *<cat>$" &&
	tui_wait_re "^ 1  *5.1  *3.5  *1.4  *0.2  setosa$" &&
	tui_wait "140 more rows"
'

test_expect_success 'a plot at the prompt is drawn' '
	if ! command -v gnuplot >/dev/null; then echo "# no gnuplot" >&2; return 0; fi
	enter "wb.plot.hist(d, \"Petal.Width\")" &&
	tui_wait "+----------" && tui_wait "Petal.Width" && tui_wait_last "wb>"
'

test_expect_success 'a multi-line chunk shows the continuation prompt, then runs' '
	enter "for i=1,3 do" && tui_wait_line "..>" &&
	tui_type "print(i*10)" && tui_keys Enter && tui_wait_line "..> print(i*10)" &&
	tui_type "end" && tui_keys Enter &&
	tui_wait_line 10 && tui_wait_line 20 && tui_wait_line 30 &&
	tui_wait_line "wb>"
'

test_expect_success 'Tab completes wb. names and lists the candidates' '
	tui_keys C-l && tui_wait_line "wb>" &&
	tui_type "wb.rea" && tui_keys Tab && tui_wait_line "wb> wb.read_" &&
	tui_keys Tab Tab && tui_wait_re "^read_csv  *read_sql$" &&
	tui_keys C-u
'

test_expect_success 'Tab completes a frame method after ":"' '
	tui_keys C-l && tui_wait_line "wb>" &&
	tui_type "d:so" && tui_keys Tab && tui_wait_line "wb> d:sort" &&
	tui_keys C-u
'

test_expect_success 'Tab completes nested fields (wb.plot.) and globals' '
	tui_keys C-l && tui_wait_line "wb>" &&
	tui_type "wb.plot.hi" && tui_keys Tab && tui_wait_line "wb> wb.plot.hist" &&
	tui_keys C-u && tui_type "string.fo" && tui_keys Tab &&
	tui_wait_line "wb> string.format" && tui_keys C-u
'

test_expect_success '?name shows help from the API comments' '
	enter "?wb.train" &&
	tui_wait "wb.train{ data = f, target = \"y\"" &&
	enter "?d:sort" && tui_wait "frame:sort(keys) -> frame" &&
	enter "?wb.trian" && tui_wait "no help for '"'"'wb.trian'"'"'; close: wb.train"
'

test_expect_success 'an error prints and the REPL carries on' '
	enter "error(\"boom\")" && tui_wait_line "stdin:1: boom" &&
	enter "1+2" && tui_wait_line 3
'

test_expect_success 'Ctrl-C on a partial line gives a fresh prompt' '
	tui_keys C-l && tui_wait_line "wb>" &&
	tui_type "x = 12" && tui_wait_line "wb> x = 12" &&
	tui_keys C-c && tui_wait_last "wb>" &&
	tui_wait_line "wb> x = 12" && tui_type "print(\"fresh\")" &&
	tui_wait_line "wb> print(\"fresh\")" && tui_keys Enter && tui_wait_line fresh
'

test_expect_success 'Ctrl-C drops a pending multi-line chunk' '
	enter "for i=1,2 do" && tui_wait_line "..>" &&
	tui_keys C-c && tui_wait_last "wb>" &&
	tui_type "print(\"after\")" && tui_keys Enter && tui_wait_line after
'

test_expect_success 'Ctrl-C interrupts a running chunk and the prompt returns' '
	enter "print(\"spinning\") while true do end" && tui_wait_line spinning &&
	tui_keys C-c && tui_wait_line interrupted && tui_wait_last "wb>" &&
	enter "print(\"alive\")" && tui_wait_line alive
'

test_expect_success 'Ctrl-D exits with status 0' '
	tui_keys C-l && tui_wait_line "wb>" && tui_keys C-d &&
	tui_wait "[exit 0]"
'

test_expect_success 'the run is recorded: kind repl, status ok' '
	"$WB" runs --log runs.db --json >runs.json &&
	python3 -c "import json; r=json.load(open(\"runs.json\")); assert len(r)==1 and r[0][\"kind\"]==\"repl\" and r[0][\"status\"]==\"ok\", r"
'

test_expect_success 'its recipe holds the chunks that ran, and replays' '
	id=$(python3 -c "import json; print(json.load(open(\"runs.json\"))[0][\"id\"])") &&
	"$WB" show "$id" --log runs.db --json >show.json &&
	python3 -c "import json; print(json.load(open(\"show.json\"))[\"recipe_text\"], end=\"\")" >recipe.lua &&
	contains recipe.lua "x = {a=1, b={2,3}}" &&
	contains recipe.lua "d = wb.read_csv(" &&
	contains recipe.lua "for i=1,3 do" &&
	contains recipe.lua "print(\"fresh\")" &&
	! grep -q "boom" recipe.lua &&
	! grep -q "x = 12" recipe.lua &&
	! grep -q "while true" recipe.lua &&
	! grep -qx "1+1" recipe.lua &&
	"$WB" run recipe.lua --log replay.db >replay.out 2>&1 &&
	contains replay.out fresh
'

tui_stop
test_expect_success 'history persists across sessions (Up recalls the last line)' '
	test -s "$XDG_STATE_HOME/wb/history" &&
	tui_start 100 40 "$WB" repl --log runs.db && tui_wait_line "wb>" &&
	tui_keys Up && tui_wait_line "wb> print(\"alive\")" &&
	tui_keys C-u C-d && tui_wait "[exit 0]"
'

test_done
