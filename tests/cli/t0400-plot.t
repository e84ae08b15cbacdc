#!/bin/sh
# wb plot: terminal text and files (valid PNG/SVG/PDF, recorded as run
# artifacts with their sha256), model and run plots, gnuplot's own errors,
# a missing gnuplot, and no gnuplot process left behind.
. "$(dirname "$0")/lib.sh"
DATA="$WB_TEST_TOP/data"

json() { python3 -c "import json,sys; d=json.load(open(sys.argv[1])); $2" "$1"; }
# gnuplot processes started by this script's wb runs (they inherit the
# marker), so gnuplots run by anything else on the machine do not count.
export WB_PLOT_TEST_MARK="$TEST_DIR"
ours() {
	for p in $(pgrep -x gnuplot); do
		tr "\0" "\n" <"/proc/$p/environ" 2>/dev/null | grep -qxF "WB_PLOT_TEST_MARK=$TEST_DIR" && echo "$p"
	done | wc -l
}

test_expect_success 'a histogram in the terminal, sized as asked' '
	"$WB" plot hist "$DATA/credit.csv" Income --size 60x18 --text --log runs.db >out 2>err &&
	test "$(wc -l <out)" -eq 18 &&
	test "$(awk "length > 60" out | wc -l)" -eq 0 &&
	contains out "Income" &&
	contains out "count" &&
	contains out "missing"
'

test_expect_success '-o writes a PNG and records it as an artifact with its sha256' '
	"$WB" plot scatter "$DATA/iris.csv" Sepal.Length Petal.Length --by Species -o s.png --size 640x400 --log runs.db >out &&
	contains out "wrote s.png (sha256 " &&
	python3 -c "import struct,sys; b=open(\"s.png\",\"rb\").read(); assert b[:8]==b\"\x89PNG\r\n\x1a\n\"; w,h=struct.unpack(\">II\", b[16:24]); assert (w,h)==(640,400), (w,h)" &&
	run=$(sed -n "s/.*run \([0-9a-f]*\)).*/\1/p" out) &&
	"$WB" show "$run" --json --log runs.db >show.json &&
	sha=$(sha256sum s.png | cut -c1-64) &&
	json show.json "a=[x for x in d[\"artifacts\"] if x[\"kind\"]==\"plot\"]; assert len(a)==1 and a[0][\"sha256\"]==\"$sha\" and a[0][\"path\"].endswith(\"/s.png\"), a" &&
	"$WB" show "$run" --log runs.db >show.txt &&
	contains show.txt "s.png"
'

test_expect_success 'SVG and PDF by extension' '
	"$WB" plot box "$DATA/iris.csv" Petal.Length --by Species -o b.svg --size 500x300 --log runs.db >/dev/null &&
	grep -q "<svg" b.svg && grep -q "width=\"500\"" b.svg &&
	"$WB" plot corr "$DATA/iris.csv" -o c.pdf --log runs.db >/dev/null &&
	head -c 5 c.pdf | grep -q "%PDF-"
'

test_expect_success 'ROC of models from a run and from a file, overlaid' '
	head -n 3001 "$DATA/credit.csv" >train.csv &&
	(head -n 1 "$DATA/credit.csv"; tail -n +3002 "$DATA/credit.csv") >test.csv &&
	"$WB" train train.csv --target Status --model gbdt --set rounds=30 --valid test.csv --json --log runs.db >t1 &&
	run=$(json t1 "print(d[\"run_id\"])") &&
	"$WB" train train.csv --target Status --model logistic -o lr.json --log runs.db >/dev/null &&
	"$WB" plot roc test.csv --model "$run" --model lr.json --size 100x30 --text --log runs.db >roc &&
	contains roc "gbdt@" &&
	contains roc "lr (AUC 0." &&
	"$WB" plot learning "$run" --text --log runs.db >lc &&
	contains lc "valid_logloss" &&
	"$WB" plot importance --model "$run" --text --log runs.db >imp &&
	contains imp "Seniority"
'

test_expect_success 'CV fold scores of a recorded run' '
	cat >cv.lua <<-\EOF &&
	local d = assert(wb.read_csv(os.getenv("WB_TEST_TOP") .. "/data/iris.csv"))
	wb.cv{ data = d, target = "Species", models = { "logistic", "tree" }, folds = 4, metric = "accuracy" }
	EOF
	"$WB" run cv.lua --json --log runs.db >r &&
	run=$(json r "print(d[\"run_id\"])") &&
	"$WB" plot cv "$run" --text --log runs.db >cv &&
	contains cv "logistic" && contains cv "tree" && contains cv "accuracy"
'

test_expect_success '--json reports the file, its sha256 and the run' '
	"$WB" plot bar "$DATA/credit.csv" Home -o bar.png --json --log runs.db >out &&
	json out "import hashlib; assert d[\"output\"]==\"bar.png\" and d[\"sha256\"]==hashlib.sha256(open(\"bar.png\",\"rb\").read()).hexdigest() and len(d[\"run_id\"])==32, d"
'

test_expect_success 'workbench.lua can force sixel (or text) in the terminal' '
	mkdir sixel && (
		cd sixel &&
		echo "wb.config.plot_terminal = \"sixel\"" >workbench.lua &&
		"$WB" plot hist "$DATA/iris.csv" Petal.Length --size 60x20 --log ../runs.db >out &&
		head -c 2 out | od -c | grep -q "033   P" &&
		grep -q "q\"" out &&
		echo "wb.config.plot_terminal = \"text\"" >workbench.lua &&
		"$WB" plot hist "$DATA/iris.csv" Petal.Length --size 60x20 --log ../runs.db >out &&
		contains out "Petal.Length" &&
		echo "wb.config.plot_terminal = \"colour\"" >workbench.lua &&
		expect_code 1 "$WB" plot hist "$DATA/iris.csv" Petal.Length --log ../runs.db 2>err &&
		contains err "plot_terminal must be"
	)
'

test_expect_success '--script prints the gnuplot script instead' '
	"$WB" plot hist "$DATA/iris.csv" Petal.Length --script --log runs.db >out &&
	contains out "set terminal dumb" &&
	contains out "\$d0 << EOD"
'

test_expect_success 'a gnuplot error in your own script is reported with its line' '
	printf "set xrange [0:1]\nplot sin(x\n" >bad.gp &&
	expect_code 1 "$WB" plot gnuplot bad.gp --text --log runs.db >out 2>err &&
	contains err "gnuplot" &&
	contains err "line 2"
'

test_expect_success 'your own script gets the data file as $data' '
	printf "set key top left\nplot \$data using 1:3 with points title \"sepals\"\n" >mine.gp &&
	"$WB" plot gnuplot mine.gp "$DATA/iris.csv" --text --log runs.db >out &&
	contains out "sepals"
'

test_expect_success 'without gnuplot: one clear message, and the rest of wb still works' '
	expect_code 1 env WB_GNUPLOT=/nonexistent/gnuplot "$WB" plot hist "$DATA/iris.csv" Petal.Length --text --log runs.db >out 2>err &&
	contains err "gnuplot is not installed" &&
	contains err "apt install gnuplot-nox" &&
	expect_code 1 env PATH=/nonexistent "$WB" plot hist "$DATA/iris.csv" Petal.Length --text --log runs.db >out 2>err &&
	contains err "gnuplot is not installed" &&
	env PATH=/nonexistent "$WB" train "$DATA/iris.csv" --target Species --model tree --log runs.db >out 2>err &&
	contains out "accuracy"
'

test_expect_success 'bad input gets a usage error or a message naming it' '
	expect_code 2 "$WB" plot >out 2>err &&
	contains err "which kind" &&
	expect_code 2 "$WB" plot pie "$DATA/iris.csv" >out 2>err &&
	contains err "unknown plot kind '\''pie'\''" &&
	expect_code 2 "$WB" plot hist "$DATA/iris.csv" Petal.Length --size big >out 2>err &&
	contains err "--size" &&
	expect_code 1 "$WB" plot hist "$DATA/iris.csv" Petal.Lenght --log runs.db >out 2>err &&
	contains err "did you mean '\''Petal.Length'\''" &&
	expect_code 1 "$WB" plot hist "$DATA/iris.csv" Petal.Length -o h.jpg --log runs.db >out 2>err &&
	contains err ".png, .svg or .pdf" &&
	expect_code 1 "$WB" plot roc "$DATA/iris.csv" --log runs.db >out 2>err &&
	contains err "--model"
'

test_expect_success 'no gnuplot process is left behind' '
	"$WB" plot hist "$DATA/iris.csv" Petal.Length --text --log runs.db >/dev/null &&
	expect_code 1 "$WB" plot gnuplot bad.gp --text --log runs.db 2>/dev/null &&
	test "$(ours)" -eq 0
'

test_done
