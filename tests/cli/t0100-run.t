#!/bin/sh
# wb run: recipes headless, params, seeds, exit codes, the run log.
. "$(dirname "$0")/lib.sh"
DATA="$WB_TEST_TOP/data"

cat >ok.lua <<'LUA'
local f = assert(wb.read_csv(wb.params.file))
print("rows", f:nrow(), "seed", wb.seed)
print("kind", math.type(wb.params.n), type(wb.params.flag), type(wb.params.name))
wb.log_param("n", wb.params.n)
wb.log_metric("rows", f:nrow())
LUA

test_expect_success 'a recipe runs and says where it was recorded' '
	"$WB" run ok.lua --log runs.db --set file="$DATA/iris.csv" --set n=3 --set flag=true --set name=x >out 2>err &&
	contains out "rows	150	seed	42" &&
	contains out "kind	integer	boolean	string" &&
	contains err "ok (1 step,"
'

test_expect_success '--seed sets wb.seed' '
	"$WB" run ok.lua --log runs.db --seed 7 --set file="$DATA/iris.csv" --set n=1 >out 2>err &&
	contains out "seed	7"
'

test_expect_success '--json prints the run as JSON and keeps stdout clean' '
	"$WB" run ok.lua --json --log runs.db --set file="$DATA/iris.csv" --set n=1 >out 2>err &&
	python3 -c "import json,sys; d=json.load(open(\"out\")); assert d[\"status\"]==\"ok\" and d[\"steps\"]==1 and len(d[\"run_id\"])==32, d" &&
	contains err "rows	150"
'

test_expect_success 'a Lua error exits 1 with file:line and a traceback' '
	printf "local x = 1\nerror(\"boom\")\n" >bad.lua &&
	expect_code 1 "$WB" run bad.lua --log runs.db 2>err &&
	contains err "bad.lua:2: boom" &&
	contains err "stack traceback"
'

test_expect_success 'a syntax error names the recipe line' '
	printf "local x = = 1\n" >syntax.lua &&
	expect_code 1 "$WB" run syntax.lua --log runs.db 2>err &&
	contains err "syntax.lua:1:"
'

test_expect_success 'bad data fails loudly with file:line:column' '
	printf "a,b\n1,2\n3\n" >ragged.csv &&
	printf "local f = wb.read_csv(\"ragged.csv\")\nprint(f:nrow())\n" >use.lua &&
	expect_code 1 "$WB" run use.lua --log runs.db 2>err &&
	contains err "ragged.csv:3:" &&
	contains err "use.lua:2:"
'

test_expect_success 'usage errors exit 2' '
	expect_code 2 "$WB" run 2>err && contains err "usage: wb run" &&
	expect_code 2 "$WB" run ok.lua --seed -1 2>err &&
	expect_code 2 "$WB" run ok.lua --set novalue 2>err &&
	expect_code 2 "$WB" run ok.lua --frobnicate 2>err && contains err "unknown option" &&
	expect_code 2 "$WB" frobnicate 2>err && contains err "unknown command"
'

test_expect_success 'a missing recipe is an error naming it' '
	expect_code 1 "$WB" run nope.lua --log runs.db 2>err &&
	contains err "cannot open recipe '"'"'nope.lua'"'"'"
'

test_expect_success 'the run log keeps steps, hashes and the recipe text' '
	"$WB" run ok.lua --log runs.db --set file="$DATA/iris.csv" --set n=2 --json >out 2>/dev/null &&
	id=$(python3 -c "import json; print(json.load(open(\"out\"))[\"run_id\"])") &&
	"$WB" show "$id" --json --log runs.db >show.json &&
	python3 - "$id" <<PY
import json, sys
d = json.load(open("show.json"))
assert d["id"] == sys.argv[1]
assert d["status"] == "ok", d["status"]
assert "wb.read_csv(wb.params.file)" in d["recipe_text"]
steps = d["steps"]
assert steps[0]["kind"] == "read_csv" and steps[0]["rows"] == 150, steps
assert len(steps[0]["output_hash"]) == 64
PY
'

test_expect_success 'the same data gives the same hash in every run' '
	"$WB" run ok.lua --log runs.db --set file="$DATA/iris.csv" --set n=2 --json >a 2>/dev/null &&
	"$WB" run ok.lua --log runs.db --set file="$DATA/iris.csv" --set n=2 --json >b 2>/dev/null &&
	a=$(python3 -c "import json; print(json.load(open(\"a\"))[\"run_id\"])") &&
	b=$(python3 -c "import json; print(json.load(open(\"b\"))[\"run_id\"])") &&
	ha=$("$WB" show "$a" --json --log runs.db | python3 -c "import json,sys; print(json.load(sys.stdin)[\"steps\"][0][\"output_hash\"])") &&
	hb=$("$WB" show "$b" --json --log runs.db | python3 -c "import json,sys; print(json.load(sys.stdin)[\"steps\"][0][\"output_hash\"])") &&
	test "$ha" = "$hb"
'

test_expect_success 'WB_LOG chooses the run log; the default is .wb/runs.db' '
	mkdir -p proj/.wb proj/sub && cp ok.lua proj/sub/ &&
	(cd proj/sub && "$WB" run ok.lua --set file="$DATA/iris.csv" --set n=1 >/dev/null 2>&1) &&
	test -f proj/.wb/runs.db &&
	WB_LOG=env.db "$WB" run ok.lua --set file="$DATA/iris.csv" --set n=1 >/dev/null 2>&1 &&
	test -f env.db
'

test_expect_success 'a project workbench.lua sets the default seed' '
	mkdir -p cfg && cp ok.lua cfg/ &&
	echo "wb.config.seed = 99" >cfg/workbench.lua &&
	(cd cfg && "$WB" run ok.lua --log runs.db --set file="$DATA/iris.csv" --set n=1 >out 2>&1) &&
	contains cfg/out "seed	99"
'

test_expect_success 'SIGINT stops the run cleanly and records it as interrupted' '
	printf "wb.log_param(\"x\", 1)\nwhile true do end\n" >spin.lua &&
	"$WB" run spin.lua --log int.db --json >out 2>err &
	pid=$! &&
	for i in $(seq 1 100); do
		sqlite3 int.db "select count(*) from params" 2>/dev/null | grep -q 1 && break; sleep 0.05
	done &&
	kill -INT $pid && { wait $pid; code=$?; } ; test "$code" = 130 &&
	contains out "\"status\": \"interrupted\"" &&
	"$WB" runs --log int.db >runs.txt && contains runs.txt interrupted
'

test_done
