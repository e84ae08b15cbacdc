#!/bin/sh
# wb repl with stdin piped (no terminal: no prompts, no line editing), and
# the generated help (lua/wb/help_topics.lua) against its source comments.
# The interactive REPL is tested through tmux in tests/tui/t0100-repl.t.
. "$(dirname "$0")/lib.sh"
: "${WB_DATADIR:=$WB_TEST_TOP}"
export WB_DATADIR XDG_STATE_HOME="$TEST_DIR/state"
IRIS="$WB_TEST_TOP/data/iris.csv"

test_expect_success 'lua/wb/help_topics.lua is what tools/gen-help.sh makes of app/lua/*.c' '
	sh "$WB_TEST_TOP/tools/gen-help.sh" "$TEST_DIR/help_topics.lua" &&
	if ! cmp -s "$TEST_DIR/help_topics.lua" "$WB_TEST_TOP/lua/wb/help_topics.lua"; then
		diff -u "$WB_TEST_TOP/lua/wb/help_topics.lua" "$TEST_DIR/help_topics.lua" | head -40 >&2
		echo "lua/wb/help_topics.lua is stale: run tools/gen-help.sh" >&2
		false
	fi
'

test_expect_success 'piped: a chunk runs and exits 0' '
	printf "print(6*7)\n" | "$WB" repl --log runs.db >out 2>err &&
	test "$(cat out)" = 42 &&
	contains err "ok (0 steps"
'

test_expect_success 'piped: expressions print their values, nil prints nothing' '
	printf "1+1\nx = {a=1, b={2,3}}\nx\nnil\n=nil\n1, \"a\", 2.5\nreturn 7\n" |
		"$WB" repl --log runs.db >out 2>err &&
	printf "2\n{ a = 1, b = { 2, 3 } }\nnil\n1\ta\t2.5\n7\n" >want &&
	diff -u want out
'

test_expect_success 'piped: multi-line chunks, frames as aligned tables' '
	printf "for i = 1, 3 do\nprint(i)\nend\nd = wb.read_csv(\"%s\")\nd:head(2)\n" "$IRIS" |
		"$WB" repl --log runs.db >out 2>err &&
	sed -n 1,3p out >got && printf "1\n2\n3\n" >want && diff -u want got &&
	contains out "frame: 2 rows x 5 columns" &&
	grep -q "^ *Sepal.Length  Sepal.Width  Petal.Length  Petal.Width  Species$" out &&
	grep -q "^1  *5.1  *3.5  *1.4  *0.2  setosa$" out
'

test_expect_success 'piped: a plot at the prompt is drawn, not named' '
	command -v gnuplot >/dev/null || { echo "# gnuplot missing: skipped" >&2; return 0; }
	printf "d = wb.read_csv(\"%s\")\nwb.plot.hist(d, \"Petal.Width\")\n" "$IRIS" |
		"$WB" repl --log runs.db >out 2>err &&
	contains out "+----------" && contains out "Petal.Width" &&
	! grep -q "^plot hist" out
'

test_expect_success 'piped: an error is reported, later chunks still run, exit 1' '
	printf "print(1)\nerror(\"boom\")\nprint(2)\n" >in &&
	expect_code 1 "$WB" repl --log runs.db <in >out 2>err &&
	printf "1\n2\n" >want && diff -u want out &&
	contains err "stdin:1: boom" &&
	! grep -q "stack traceback" err &&
	contains err "failed"
'

test_expect_success 'piped: a traceback keeps the user frames only' '
	printf "function f()\n  error(\"deep\")\nend\nf()\n" >in &&
	expect_code 1 "$WB" repl --log runs.db <in >out 2>err &&
	contains err "stdin:2: deep" &&
	contains err "in function '"'"'f'"'"'" &&
	! grep -q "\[C\]" err && ! grep -q "(repl)" err
'

test_expect_success 'piped: a wb failure is not silent, nor is misusing its nil' '
	printf "x = wb.read_csv(\"nope.csv\")\nx:head()\n" >in &&
	expect_code 1 "$WB" repl --log runs.db <in >out 2>err &&
	contains err "note: a wb call failed: cannot open '"'"'nope.csv'"'"'" &&
	contains err "stdin:1: attempt to index a nil value (global '"'"'x'"'"')" &&
	contains err "(the last failed wb call said: cannot open"
'

test_expect_success 'piped: a syntax error, and input ending inside a chunk' '
	printf "x = = 1\nfor i = 1, 2 do\n" >in &&
	expect_code 1 "$WB" repl --log runs.db <in >out 2>err &&
	contains err "stdin:1: unexpected symbol near" &&
	contains err "'"'"'end'"'"' expected"
'

test_expect_success 'piped: ?name prints help' '
	printf "?wb.read_sql\n?wb.nope\n" | "$WB" repl --log runs.db >out 2>err &&
	contains out "wb.read_sql(dbfile, sql) -> frame" &&
	contains out "no help for '"'"'wb.nope'"'"'"
'

test_expect_success 'the run (kind repl) keeps the chunks that ran: calls yes, bare expressions and failures no; it replays' '
	printf "d = wb.read_csv(\"%s\")\nbad()\nd2 = d:sort(\"Sepal.Width\")\nd2:nrow()\nprint(\"rows\", d2:nrow())\nreturn 1\n" "$IRIS" |
		expect_code 1 "$WB" repl --log rec.db --seed 7 >out 2>err &&
	"$WB" runs --log rec.db --json >runs.json &&
	python3 -c "import json; r=json.load(open(\"runs.json\")); assert len(r)==1 and r[0][\"kind\"]==\"repl\" and r[0][\"seed\"]==7, r" &&
	id=$(python3 -c "import json; print(json.load(open(\"runs.json\"))[0][\"id\"])") &&
	"$WB" show "$id" --log rec.db --json >show.json &&
	python3 -c "import json; print(json.load(open(\"show.json\"))[\"recipe_text\"], end=\"\")" >recipe.lua &&
	printf "d = wb.read_csv(\"%s\")\nd2 = d:sort(\"Sepal.Width\")\nd2:nrow()\nprint(\"rows\", d2:nrow())\ndo return 1\nend\n" "$IRIS" >want &&
	diff -u want recipe.lua &&
	"$WB" run recipe.lua --log rec.db >replay 2>&1 &&
	contains replay "rows	150"
'

test_expect_success 'usage' '
	expect_code 2 "$WB" repl --bogus 2>err && contains err "usage: wb repl" &&
	expect_code 2 "$WB" repl --json 2>err &&
	"$WB" repl --help >out && contains out "usage: wb repl"
'

test_done
