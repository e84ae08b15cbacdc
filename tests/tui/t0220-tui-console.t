#!/bin/sh
# The TUI's Lua console: running Lua, errors, Ctrl-C, wb.tui.open, saving
# the session as a recipe that `wb run` replays to the same data hash,
# rebinding keys in workbench.lua.
. "$(dirname "$0")/../cli/lib.sh"
. "$WB_TEST_TOP/tests/tui/lib.sh"

# run LUA: types a line into the focused console and presses Enter.
run() { tui_type "$1" && tui_keys Enter; }

cp "$DATA/iris.csv" iris.csv

test_expect_success ': opens the console; a statement runs, print goes there' '
	tui_start 100 30 "$WB" iris.csv &&
	tui_wait "row 1/150" &&
	tui_keys : && tui_wait "Lua console: Enter runs a line" &&
	run "print(#d1:names(), d1:nrow())" &&
	tui_wait_re "^5 +150$"
'

test_expect_success 'an expression prints its value (frames as tables)' '
	run "d1:nrow() * 2" && tui_wait_re "^300$" &&
	run "d1:head(2)" && tui_wait "frame: 2 rows x 5 columns"
'

test_expect_success 'a Lua error shows in the console and the message line; the TUI goes on' '
	run "error(\"boom\")" && tui_wait "console:1: boom" &&
	tui_screen | tail -n 1 | grep -F "console:1: boom" &&
	run "print(40 + 2)" && tui_wait_re "^42$"
'

test_expect_success 'a chunk spans lines until it is complete' '
	run "for i = 1, 2 do" && tui_wait "the chunk goes on" &&
	run "print(\"line\", i)" && tui_wait "the chunk goes on" &&
	run "end" && tui_wait_re "^line +2$"
'

test_expect_success 'Ctrl-C interrupts a running line without quitting' '
	run "while true do end" &&
	tui_wait "(Ctrl-C interrupts)" && tui_keys C-c &&
	tui_wait "interrupted" &&
	run "print(\"still\" .. \"here\")" && tui_wait_re "^stillhere$"
'

test_expect_success 'Esc returns to the sheet, which takes keys again' '
	tui_keys Escape && tui_wait_gone "LUA " &&
	tui_keys j && tui_wait "row 2/150"
'

test_expect_success 'wb.tui.open(frame) pushes a sheet named after a global' '
	tui_keys : && run "wb.tui.open(d1:head(3))" &&
	tui_wait "row 1/3" &&
	tui_screen | grep -E "^ d1 › d2 " &&
	tui_keys Escape && tui_wait_gone "LUA " && tui_keys q && tui_wait "row 2/150"
'

test_expect_success 'wb.tui.actions() lists the action table' '
	tui_keys : && run "local a = wb.tui.actions() print(#a > 40, a[1] and a[1].id, a[1] and a[1].keys[1])" &&
	tui_wait_re "^true +up +k$" &&
	tui_keys Escape && tui_wait_gone "LUA "
'

test_expect_success 'actions echo their Lua in the console' '
	tui_keys g h "]" && tui_wait "sorted by Sepal.Length" &&
	tui_keys g l , && tui_wait "row 1/50" &&
	tui_keys : && tui_wait_re "^> d[0-9]+ = assert\\(d[0-9]+:filter\\(\"Species == .virginica.\"\\)\\)$" &&
	tui_screen | grep -E "^> d3 = assert\\(d1:sort\\{ \"Sepal.Length\", desc = true \\}\\)$"
'

test_expect_success ':save writes the recipe; wb run replays it to the same data hash' '
	run "print(d4:hash())" && tui_wait_re "^[0-9a-f]{64}$" &&
	tui_screen | grep -oE "^[0-9a-f]{64}$" | tail -n 1 >tui_hash &&
	run ":save s.lua" && tui_wait "saved" &&
	contains s.lua "d1 = assert(wb.read_csv(\"iris.csv\"))" &&
	contains s.lua "d3 = assert(d1:sort{ \"Sepal.Length\", desc = true })" &&
	contains s.lua "print(d4:hash())" &&
	! grep -F "error(" s.lua && ! grep -F "while true" s.lua &&
	"$WB" run s.lua --log replay.db >replay.out 2>replay.err &&
	grep -E "^[0-9a-f]{64}$" replay.out >run_hash &&
	test -s run_hash && cmp tui_hash run_hash
'

test_expect_success 'save FILE (without the colon) and ^S work too' '
	run "save s2.lua" && tui_wait "to s2.lua" &&
	tail -n +2 s.lua >a && tail -n +2 s2.lua >b && cmp a b &&
	tui_keys Escape && tui_wait_gone "LUA " && tui_keys C-s && tui_wait "save the session as a recipe:" &&
	tui_keys C-u && tui_type "s3.lua" && tui_keys Enter &&
	tui_wait "to s3.lua" && test -s s3.lua
'

test_expect_success 'quitting records the session as a run with the recipe text' '
	tui_keys g q && tui_wait "[exit 0]" &&
	"$WB" runs --json >runs.json &&
	python3 -c "
import json
r = json.load(open(\"runs.json\"))[0]
assert r[\"kind\"] == \"tui\" and r[\"status\"] == \"ok\", r
" &&
	"$WB" show "$(python3 -c "import json; print(json.load(open(\"runs.json\"))[0][\"id\"])")" --json >run.json &&
	python3 -c "
import json
r = json.load(open(\"run.json\"))
assert \"d1 = assert(wb.read_csv\" in r[\"recipe_text\"], r[\"recipe_text\"]
"
'

test_expect_success 'workbench.lua rebinds keys (wb.config.keys); bad entries are reported' '
	mkdir keys && cp iris.csv keys/ &&
	printf "wb.config.keys = { sort_desc = \"}\", nosuch = \"x\", top = { \"gg\", \"^T\" } }\n" \
		>keys/workbench.lua &&
	tui_restart 100 30 "cd keys && $WB iris.csv" &&
	tui_wait "wb.config.keys: no action '"'"'nosuch'"'"'" &&
	tui_keys "}" && tui_wait "sorted by Sepal.Length (descending)" &&
	tui_keys "]" && tui_wait "no action on ]" &&
	tui_keys j j C-t && tui_wait "row 1/150" &&
	tui_keys "?" && tui_wait "help: the keys" &&
	tui_screen | grep -E "^.?\\} +sort_desc" &&
	tui_screen | grep -E "^.?(gg \\^T|\\^T gg) +top"
'

test_done
