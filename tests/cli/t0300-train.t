#!/bin/sh
# wb train: metrics on raw data, JSON, determinism across threads, gates
# (exit code 3), and errors that name what is wrong.
. "$(dirname "$0")/lib.sh"
DATA="$WB_TEST_TOP/data"

json() { python3 -c "import json,sys; d=json.load(open(sys.argv[1])); $2" "$1"; }

test_expect_success 'train on raw data prints metrics and records the run' '
	"$WB" train "$DATA/credit.csv" --target Status --model gbdt --set rounds=30 --split 0.25 --log runs.db >out 2>err &&
	contains out "gbdt classification of '\''Status'\''" &&
	contains out "auc" &&
	contains out "accuracy" &&
	"$WB" show "$(sed -n "s/^run //p" out)" --log runs.db >show &&
	contains show "train" &&
	contains show "model.rounds" &&
	contains show "train_logloss" &&
	contains show "1..30 (30)" &&
	contains show "model  "
'

test_expect_success '--json has run_id, model, metrics and train_seconds' '
	"$WB" train "$DATA/diabetes.csv" --target progression --model linear --split 0.2 --json --log runs.db >out 2>err &&
	json out "assert d[\"model\"]==\"linear\" and d[\"task\"]==\"regression\" and d[\"train_seconds\"]>0 and len(d[\"run_id\"])==32 and \"rmse\" in d[\"metrics\"] and \"r2\" in d[\"metrics\"], d"
'

test_expect_success '--test FILE evaluates on another file; -o saves the model' '
	head -n 3001 "$DATA/credit.csv" >train.csv &&
	(head -n 1 "$DATA/credit.csv"; tail -n +3002 "$DATA/credit.csv") >test.csv &&
	"$WB" train train.csv --target Status --model logistic --test test.csv -o m.json --json --log runs.db >out &&
	json out "assert d[\"test_rows\"]==1454 and d[\"train_rows\"]==3000 and d[\"output\"]==\"m.json\", d" &&
	json m.json "assert d[\"format\"]==\"wb.model\" and d[\"family\"]==\"logistic\", d"
'

test_expect_success 'same data and seed give the same model on 1 and 2 threads' '
	for fam in gbdt forest logistic tree; do
		OMP_NUM_THREADS=1 "$WB" train "$DATA/credit.csv" --target Status --model $fam --split 0.2 --json --log runs.db >one &&
		OMP_NUM_THREADS=2 "$WB" train "$DATA/credit.csv" --target Status --model $fam --split 0.2 --json --log runs.db >two &&
		a=$(json one "print(d[\"model_sha256\"])") &&
		b=$(json two "print(d[\"model_sha256\"])") &&
		test "$a" = "$b" || { echo "$fam differs: $a vs $b"; return 1; }
	done
'

test_expect_success 'a different seed gives a different forest' '
	"$WB" train "$DATA/iris.csv" --target Species --model forest --set trees=5 --seed 1 --json --log runs.db >a &&
	"$WB" train "$DATA/iris.csv" --target Species --model forest --set trees=5 --seed 2 --json --log runs.db >b &&
	test "$(json a "print(d[\"model_sha256\"])")" != "$(json b "print(d[\"model_sha256\"])")"
'

test_expect_success 'missing target column: exit 1 naming it' '
	expect_code 1 "$WB" train "$DATA/iris.csv" --target species --log runs.db 2>err &&
	contains err "'\''species'\''" &&
	contains err "did you mean '\''Species'\''"
'

test_expect_success 'missing target values: exit 1 naming the first row, no traceback' '
	expect_code 1 "$WB" train "$DATA/penguins.csv" --target sex --log runs.db 2>err &&
	contains err "target '\''sex'\'' is missing in 11 rows (first: row 4)" &&
	! grep -q "stack traceback" err
'

test_expect_success 'bad parameter value: exit 1 naming the parameter' '
	expect_code 1 "$WB" train "$DATA/iris.csv" --target Species --model gbdt --set learning_rate=0 --log runs.db 2>err &&
	contains err "learning_rate"
'

test_expect_success 'unknown parameter lists the valid ones' '
	expect_code 1 "$WB" train "$DATA/iris.csv" --target Species --model tree --set depth=3 --log runs.db 2>err &&
	contains err "unknown parameter '\''depth'\''" &&
	contains err "max_depth"
'

test_expect_success 'usage errors exit 2' '
	expect_code 2 "$WB" train "$DATA/iris.csv" 2>err &&
	contains err "--target COL is required" &&
	expect_code 2 "$WB" train "$DATA/iris.csv" --target Species --split 2 2>err &&
	contains err "fraction" &&
	expect_code 2 "$WB" train "$DATA/iris.csv" --target Species --split 0.2 --test x.csv 2>err &&
	contains err "not both"
'

test_expect_success 'a bad data file names file, line and column' '
	printf "a,b\n1,2\n3\n" >ragged.csv &&
	expect_code 1 "$WB" train ragged.csv --target b --log runs.db 2>err &&
	contains err "ragged.csv:3"
'

cat >gate.lua <<'LUA'
local d = assert(wb.read_csv(wb.params.file))
local tr, te = d:split{ test = 0.25, stratify = "Status", seed = 1 }
local m = assert(wb.train{ data = tr, target = "Status", model = "logistic" })
wb.evaluate(m, te)
wb.check{ metric = "auc", min = wb.params.min }
print("passed")
LUA

test_expect_success 'wb.check passes: exit 0' '
	"$WB" run gate.lua --log runs.db --set file="$DATA/credit.csv" --set min=0.5 >out 2>err &&
	contains out passed
'

test_expect_success 'wb.check fails: exit 3 with expected and measured' '
	expect_code 3 "$WB" run gate.lua --log runs.db --set file="$DATA/credit.csv" --set min=0.99 >out 2>err &&
	contains err "check failed: auc = 0.8" &&
	contains err "expected >= 0.99" &&
	! contains out passed 2>/dev/null &&
	"$WB" runs --log runs.db --limit 1 --json >runs &&
	json runs "assert d[0][\"status\"]==\"failed\", d"
'

test_done
