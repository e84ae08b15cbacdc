#!/bin/sh
# GBDT benchmark: wb's gbdt vs xgboost 1.7 `hist`, side by side in one run.
#   sh bench/gbdt_speed.sh [ROUNDS]     (default 200; data generated if absent)
# Data: bench/gbdt_gen.py, a HIGGS-style synthetic (1M train / 200k test
# rows, 28 numeric features, logistic label of a nonlinear function, 10%
# label noise, fixed seed), as CSV under bench/out/ so both sides read the
# same bytes.  Both sides: depth 6, learning rate 0.1, 256 bins, 2 threads.
# Reports train time (not CSV parsing: wb's train_seconds, xgboost's
# DMatrix + train), test AUC, prediction time and peak RSS of the whole
# process (/usr/bin/time), then the ratios against the targets
# (time <= 0.8x, |AUC diff| <= 0.002, RSS <= 1x).  Batch prediction of the
# 200k test rows: xgboost's predict call; wb's is the wall time of a `wb run`
# script that reads the test CSV, loads the saved model and predicts, minus
# the same script without the predict (CSV parsing cancels out; the
# recipe's transform is included).  Timings on a shared 2-core machine are
# noisy (waiting OpenMP threads spin, so load hurts every side): run it on a
# quiet machine, more than once.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
WB=${WB:-$top/wb}
PY=${PY:-/usr/bin/python3}
rounds=${1:-200}
train=$top/bench/out/gbdt_train.csv
test=$top/bench/out/gbdt_test.csv
mkdir -p "$top/bench/out"
[ -f "$train" ] && [ -f "$test" ] || "$PY" "$top/bench/gbdt_gen.py" 1000000 200000 "$top/bench/out"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/wb-bench.XXXXXX")
trap 'rm -rf "$tmp"' EXIT INT TERM
export WB_LOG="${WB_LOG:-$tmp/runs.db}"   # keep the project run log clean
export OMP_NUM_THREADS=2

cat "$train" "$test" >/dev/null   # warm the page cache for both

/usr/bin/time -f '%e %M' -o "$tmp/wb.time" "$WB" train "$train" --target y --model gbdt \
	--set rounds="$rounds" --set max_depth=6 --set learning_rate=0.1 --set max_bins=256 \
	--test "$test" -o "$tmp/model.json" --json >"$tmp/wb.json" 2>"$tmp/wb.err" || {
	echo "wb failed:" >&2; cat "$tmp/wb.err" >&2; exit 1; }
cat >"$tmp/pred.lua" <<'EOF'
local d = assert(wb.read_csv(os.getenv("WB_BENCH_TEST")))
local m = assert(wb.load_model(os.getenv("WB_BENCH_MODEL")))
if os.getenv("WB_BENCH_PREDICT") == "1" then m:predict(d) end
EOF
export WB_BENCH_TEST="$test" WB_BENCH_MODEL="$tmp/model.json"
for pass in 0 1; do
	WB_BENCH_PREDICT=$pass /usr/bin/time -f '%e' -o "$tmp/wbpred$pass.time" \
		"$WB" run "$tmp/pred.lua" >/dev/null 2>"$tmp/wbpred.err" || {
		echo "wb run (predict) failed:" >&2; cat "$tmp/wbpred.err" >&2; exit 1; }
done
/usr/bin/time -f '%e %M' -o "$tmp/xgb.time" "$PY" "$top/bench/gbdt_speed.py" "$train" "$test" \
	"$rounds" 6 0.1 2 >"$tmp/xgb.json" 2>"$tmp/xgb.err" || {
	echo "xgboost failed:" >&2; cat "$tmp/xgb.err" >&2; exit 1; }

"$PY" - "$tmp" <<'EOF'
import json, sys
tmp = sys.argv[1]
wb = json.load(open(tmp + "/wb.json"))
xg = json.load(open(tmp + "/xgb.json"))
wt, wm = open(tmp + "/wb.time").read().split()
xt, xm = open(tmp + "/xgb.time").read().split()
wauc = wb["metrics"]["auc"]
print("%-8s %9s %9s %10s %10s" % ("", "train s", "test AUC", "peak MB", "wall s"))
print("%-8s %9.2f %9.4f %10.1f %10.1f" % ("wb", wb["train_seconds"], wauc, int(wm) / 1024, float(wt)))
print("%-8s %9.2f %9.4f %10.1f %10.1f" % ("xgboost", xg["train_seconds"], xg["test_auc"], int(xm) / 1024, float(xt)))
print("train time wb / xgboost:  %.2fx (target <= 0.8x)" % (wb["train_seconds"] / xg["train_seconds"]))
print("test AUC wb - xgboost:    %+.4f (target within +-0.002)" % (wauc - xg["test_auc"]))
print("peak RSS wb / xgboost:    %.2fx (target <= 1x)" % (int(wm) / int(xm)))
wp = float(open(tmp + "/wbpred1.time").read()) - float(open(tmp + "/wbpred0.time").read())
print("predict 200k rows:        wb %.2f s (wall, run minus load-only run), xgboost %.3f s"
      % (wp, xg["predict_seconds"]))
EOF
