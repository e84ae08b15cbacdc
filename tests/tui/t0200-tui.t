#!/bin/sh
# wb FILE.csv: the data sheet, scrolling, sorting, Columns and Frequency
# sheets, filtering, hiding, casting, help, quitting (through tmux).
. "$(dirname "$0")/../cli/lib.sh"
. "$WB_TEST_TOP/tests/tui/lib.sh"

test_expect_success 'a CSV opens on a data sheet: header with kinds, rows, status' '
	tui_start 100 30 "$WB" "$DATA/iris.csv" &&
	tui_wait "row 1/150" &&
	line 1 | grep -E "Sepal.Length +% +Sepal.Width +% .*Species +=" &&
	line 2 | grep -E "5\.1 +3\.5 +1\.4 +0\.2 setosa" &&
	line 3 | grep -E "4\.9 +3 +1\.4 +0\.2 setosa" &&
	tui_screen | grep -F "> d1 = assert(wb.read_csv(" &&
	tui_screen | grep -E "^ d1 .*col 1/5"
'

test_expect_success 'j k l h move the cursor; PgDn, G and gg page and jump' '
	tui_keys j j && tui_wait "row 3/150" &&
	tui_keys k && tui_wait "row 2/150" &&
	tui_keys l l && tui_wait "col 3/5" &&
	tui_keys h && tui_wait "col 2/5" &&
	tui_keys PgDn && tui_wait "row 29/150" &&
	line 2 | grep -E "^ +[0-9.]+ +[0-9.]+ +[0-9.]+ +[0-9.]+ [a-z]+" &&
	tui_keys G && tui_wait "row 150/150" &&
	tui_screen | grep -E "5\.9 +3 +5\.1 +1\.8 virginica" &&
	tui_keys g g && tui_wait "row 1/150" &&
	line 2 | grep -E "5\.1 +3\.5"
'

test_expect_success "] sorts descending, [ ascending, by the cursor column (in place)" '
	tui_keys h && tui_wait "col 1/5" &&
	tui_keys "]" && tui_wait "sorted by Sepal.Length (descending)" &&
	line 2 | grep -E "^.? +7\.9 +3\.8" &&
	line 3 | grep -E "^ +7\.7" &&
	tui_screen | grep -F "d2 = assert(d1:sort{ \"Sepal.Length\", desc = true })" &&
	tui_keys "[" && tui_wait "d3 = assert(d2:sort{ \"Sepal.Length\" })" &&
	line 2 | grep -E "^.? +4\.3 +3 +1\.1" &&
	tui_screen | grep -E "^ d3  sorted by Sepal.Length"
'

test_expect_success 'U undoes an in-place change' '
	tui_keys U && tui_wait "back to d2" &&
	line 2 | grep -E "^.? +7\.9"
'

test_expect_success 'I opens the Columns sheet: stats and a histogram per column' '
	tui_keys I && tui_wait "histogram" &&
	tui_screen | grep -E "Sepal.Length +num .* 0\.0% +5\.84333 +0\.828066 +4\.3 +5\.1 +5\.8 +6\.4 +7\.9 +35" &&
	tui_screen | grep -E "Species +cat .* 3\$" &&
	tui_screen | grep -E "Sepal.Length +num +[▁▂▃▄▅▆▇█ ]{16} " &&
	tui_keys g l && tui_wait "col 13/13" &&
	tui_screen | grep -E "Species .* 3 setosa" &&
	tui_screen | grep -F "c1 = d2:describe()"
'

test_expect_success 'Enter on a Columns row goes to that column of the data sheet' '
	tui_keys j j Enter && tui_wait "col 3/5" &&
	tui_screen | grep -E "^ d2 "
'

test_expect_success 'F on Species: the Frequency sheet, 50 each, percent and bars' '
	tui_keys g l && tui_wait "col 5/5" &&
	tui_keys F && tui_wait "percent" &&
	tui_screen | grep -E "setosa +50 +33\.33% +█+" &&
	tui_screen | grep -E "versicolor +50 " &&
	tui_screen | grep -E "virginica +50 " &&
	tui_screen | grep -F "f1 = assert(d2:value_counts(\"Species\"))"
'

test_expect_success 'Enter on a Frequency row opens the rows with that value' '
	tui_keys j Enter && tui_wait "row 1/50" &&
	tui_screen | grep -F "filter(\"Species == '"'"'versicolor'"'"'\")" &&
	line 2 | grep versicolor && ! tui_screen | grep -E "setosa|virginica"
'

test_expect_success ", keeps the rows equal to the value under the cursor" '
	tui_keys q q && tui_wait "col 5/5" &&
	tui_keys g g , && tui_wait "row 1/50" &&
	tui_screen | grep -F "= assert(d2:filter(\"Species == '"'"'virginica'"'"'\"))" &&
	! tui_screen | grep -E "setosa|versicolor"
'

test_expect_success '| filters by an expression (asked, prefilled from the cursor)' '
	tui_keys gh "|" && tui_wait "filter d" &&
	tui_screen | grep -E "filter d[0-9]+: Sepal.Length == 7\.9" &&
	tui_keys C-u && tui_type "Sepal.Length > 7.5" && tui_keys Enter &&
	tui_wait "row 1/6" &&
	tui_screen | grep -F ":filter(\"Sepal.Length > 7.5\"))"
'

test_expect_success '- hides a column (drop), gv shows it again' '
	tui_keys l - && tui_wait "Sepal.Width hidden" &&
	! line 1 | grep Sepal.Width &&
	tui_screen | grep -F ":drop(\"Sepal.Width\"))" &&
	tui_keys g v && tui_wait "all columns again" &&
	line 1 | grep Sepal.Width
'

test_expect_success '~ and = change the kind of the cursor column (cast)' '
	tui_keys g l "~" && tui_wait "Species as str" &&
	tui_screen | grep -F ":cast{ Species = \"str\" })" &&
	line 1 | grep -E "Species +~" &&
	tui_keys "=" && tui_wait "Species as cat" &&
	line 1 | grep -E "Species +="
'

test_expect_success 'a cast that does not fit shows its error and the TUI goes on' '
	tui_keys g h "#" && tui_wait_re "Sepal.Length.*(row|7\.[0-9])" &&
	tui_keys j && tui_wait "row 2/"
'

test_expect_success '? lists the actions of the table; Enter on one runs it' '
	tui_keys "?" && tui_wait "help: the keys" &&
	tui_screen | grep -E "^.?\[ +sort_asc +sort_asc +sort ascending" &&
	tui_screen | grep -E "I +columns +describe" &&
	tui_keys q && tui_wait "row 2/"
'

test_expect_success '/ searches the cursor column; Enter on a help row runs the action' '
	tui_keys "?" && tui_wait "help: the keys" &&
	tui_keys l / && tui_wait "search action:" &&
	tui_type "sort_desc" && tui_keys Enter && tui_wait "'"'"'sort_desc'"'"' in row" &&
	tui_keys Enter && tui_wait "(descending)"
'

test_expect_success 'q pops sheets; the last q quits and restores the terminal' '
	for i in 1 2 3 4 5 6 7 8; do tui_keys q; done &&
	tui_wait "[exit 0]" &&
	tui_screen | grep -F "wb: session recorded as run"
'

test_expect_success 'a missing file is a plain error, exit 1, no curses' '
	expect_code 1 "$WB" nosuch.csv 2>err &&
	contains err "wb: cannot open '"'"'nosuch.csv'"'"'" &&
	tui_restart 80 10 "$WB" nosuch.csv &&
	tui_wait "[exit 1]" &&
	line 1 | grep -F "wb: cannot open '"'"'nosuch.csv'"'"': No such file or directory" &&
	line 2 | grep -F "[exit 1]"
'

test_expect_success 'a CSV that does not parse: its error, exit 1, no curses' '
	printf "a,b\n1,2\n3\n" >bad.csv &&
	tui_restart 80 10 "$WB" bad.csv &&
	tui_wait "[exit 1]" &&
	line 1 | grep -F "wb: bad.csv:3:" &&
	! line 1 | grep -F "tui:1:"
'

test_expect_success 'without a terminal the TUI says so' '
	expect_code 1 "$WB" "$DATA/iris.csv" </dev/null >out 2>err &&
	contains err "needs a terminal"
'

test_done
