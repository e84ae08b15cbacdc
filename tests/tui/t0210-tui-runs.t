#!/bin/sh
# wb [RUNLOG]: the Runs sheet, a run's sheet, comparing runs.
. "$(dirname "$0")/../cli/lib.sh"
. "$WB_TEST_TOP/tests/tui/lib.sh"

test_expect_success 'no runs yet: an empty Runs sheet with a hint' '
	mkdir empty && cd empty && mkdir .wb &&
	tui_start 120 20 "cd empty && $WB" &&
	tui_wait "no runs recorded here yet" &&
	tui_screen | grep -F "> runs1 = wb.tui.runs()" &&
	tui_screen | grep -E "row 0/0" &&
	tui_keys q && tui_wait "[exit 0]"
'

test_expect_success 'two trained runs in a run log' '
	"$WB" train "$DATA/iris.csv" --target Species --model logistic --log runs.db >/dev/null 2>&1 &&
	"$WB" train "$DATA/iris.csv" --target Species --model tree --set max_depth=2 \
		--log runs.db >/dev/null 2>&1 &&
	"$WB" runs --log runs.db --json >runs.json &&
	python3 -c "import json; r = json.load(open(\"runs.json\")); assert len(r) == 2" &&
	python3 -c "import json; r = json.load(open(\"runs.json\")); print(r[0][\"id\"][:8]); print(r[1][\"id\"][:8])" >ids
'

test_expect_success 'wb RUNS.db opens the Runs sheet: ids, status, key metrics' '
	tui_restart 140 30 "$WB" runs.db &&
	tui_wait "row 1/2" &&
	line 1 | grep -E "^ id +=? *started .* status .* train_auc .* train_accuracy" &&
	tui_screen | grep -E "$(sed -n 1p ids) .* train +wb train +ok " &&
	tui_screen | grep -E "$(sed -n 2p ids) .* train +wb train +ok "
'

test_expect_success 'Enter on a run shows its params, metrics and steps' '
	tui_keys Enter && tui_wait "run $(sed -n 1p ids)" &&
	tui_screen | grep -E "param +model +tree" &&
	tui_screen | grep -E "param +model.max_depth +2" &&
	tui_screen | grep -E "metric +train_accuracy +0\.[0-9]+" &&
	tui_screen | grep -F "= wb.tui.run(\"$(sed -n 1p ids)" &&
	tui_keys G && tui_wait_gone "row 1/" &&
	tui_screen | grep -E "step +1 read_csv +ok, 150 x 5"
'

test_expect_success 'C without marks explains itself' '
	tui_keys q && tui_wait "row 1/2" &&
	tui_keys C && tui_wait "mark two or more runs"
'

test_expect_success 's marks runs; C compares them, differences marked' '
	tui_keys s && tui_wait "1 marked" &&
	tui_keys s && tui_wait "2 marked" &&
	tui_keys C && tui_wait "2 runs side by side" &&
	tui_screen | grep -F "= wb.tui.compare{ \"" &&
	line 1 | grep -E "section +=? *key .* $(sed -n 1p ids) .* $(sed -n 2p ids) .* same" &&
	tui_screen | grep -E "^≠param +model +tree +logistic +false" &&
	tui_screen | grep -E "^ param +threads +([0-9]+) +\\1 +true"
'

test_expect_success 'differing rows are highlighted (a colour, not just the mark)' '
	tmx capture-pane -e -p -t "$TUI_SESSION" >colours &&
	grep -F "param" colours | grep "model" | grep -q "$(printf "\033")\\[" &&
	grep "threads" colours >same_row &&
	! grep -q "33m" same_row
'

test_expect_success 'zd folds the identical rows away, and back' '
	all=$(tui_screen | grep -cE "^(.)(run|param|metric) ") &&
	tui_keys z d && tui_wait "rows that differ" &&
	! tui_screen | grep -E "^ param +threads" &&
	tui_screen | grep -E "^.param +model +tree" &&
	tui_keys z d && tui_wait "showing all" &&
	tui_screen | grep -E "^ param +threads"
'

test_expect_success 'quitting leaves the runs and adds the session as a tui run' '
	tui_keys g q && tui_wait "[exit 0]" &&
	"$WB" runs --log runs.db --json >after.json &&
	python3 -c "
import json
r = json.load(open(\"after.json\"))
assert len(r) == 3, r
assert r[0][\"kind\"] == \"tui\" and r[0][\"status\"] == \"ok\", r[0]
"
'

test_expect_success '. on a run plots its per-round curves from the run log' '
	"$WB" train "$DATA/iris.csv" --target Species --model gbdt --set rounds=15 \
		--valid "$DATA/iris.csv" --log curves.db >/dev/null 2>&1 &&
	tui_restart 140 30 "$WB" curves.db &&
	tui_wait "row 1/1" &&
	tui_keys . && tui_wait "learning curve" &&
	tui_screen | grep -F "valid_mlogloss" &&
	tui_screen | grep -F "= assert(wb.plot.learning(" &&
	tui_keys q && tui_wait "[exit 0]" &&
	tui_restart 140 30 "$WB" curves.db && tui_wait "row 1/2" &&
	tui_keys . && tui_wait "has no per-round metrics" &&
	tui_keys j Enter && tui_wait "row 1/" &&
	tui_keys . && tui_wait "learning curve" &&
	tui_keys q q && tui_wait "[exit 0]"
'

test_done
