#!/bin/sh
# Logistic regression speed, wb against liblinear (-s 0: L2-regularised
# primal logistic regression, trust-region Newton), same data, same C.
#   sh bench/logistic_speed.sh [ROWS] [C]     (default 1000000 rows, C = 1)
#
# Data: bench/logistic_gen.py (28 numeric features, binary target; test set
# ROWS/5), generated once under bench/out/logistic-ROWS/.
#
# Training time only:
#   wb         "train_seconds" of `wb train --json` (recipe fit + model fit;
#              CSV loading excluded);
#   liblinear  the CLI has no timer, so: time(liblinear-train) minus
#              time(liblinear-train -e 1e30), which reads the file, computes
#              one gradient and stops.
# Quality: test log loss of both (liblinear's from `liblinear-predict -b 1`
# probabilities).  liblinear adds a bias feature (-B 1), whose weight it
# penalises; wb never penalises the intercept and standardises features
# (default recipe) — on a million rows neither difference shows in the
# log loss.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
WB=${WB:-$top/wb}
PY=${PY:-/usr/bin/python3}
ROWS=${1:-1000000}
C=${2:-1}
TRAIN=${LIBLINEAR_TRAIN:-$(command -v liblinear-train || command -v train)}
PREDICT=${LIBLINEAR_PREDICT:-$(command -v liblinear-predict || command -v predict)}
out=$top/bench/out/logistic-$ROWS
[ -f "$out/test.svm" ] || "$PY" "$top/bench/logistic_gen.py" "$ROWS" "$out"
export WB_DATADIR=${WB_DATADIR:-$top}

now() { date +%s.%N; }

# wb
"$WB" train "$out/train.csv" --target label --model logistic --set C="$C" \
	--test "$out/test.csv" --log "$out/runs.db" --json >"$out/wb.json"

# liblinear: full training, then the load-only baseline.
t0=$(now)
"$TRAIN" -s 0 -c "$C" -B 1 -q "$out/train.svm" "$out/ll.model"
t1=$(now)
"$TRAIN" -s 0 -c "$C" -B 1 -q -e 1e30 "$out/train.svm" "$out/ll0.model"
t2=$(now)
"$PREDICT" -b 1 -q "$out/test.svm" "$out/ll.model" "$out/ll.pred" >/dev/null

"$PY" - "$out" "$t0" "$t1" "$t2" <<'EOF'
import json, math, sys
out, t0, t1, t2 = sys.argv[1], *map(float, sys.argv[2:5])
wb = json.load(open(out + "/wb.json"))
wb_t = wb["train_seconds"]
wb_ll = wb["metrics"]["logloss"]
ll_t = (t1 - t0) - (t2 - t1)
# liblinear-predict -b 1: first line "labels 0 1", then "pred p_0 p_1" per row.
with open(out + "/ll.pred") as f:
    labels = f.readline().split()[1:]
    probs = [list(map(float, line.split()[1:])) for line in f]
ys = []
with open(out + "/test.svm") as f:
    for line in f:
        ys.append(line.split(" ", 1)[0])
col = {lab: k for k, lab in enumerate(labels)}
ll_ll = -sum(math.log(max(p[col[y]], 1e-15)) for p, y in zip(probs, ys)) / len(ys)
print("%-10s %12s %14s" % ("", "train s", "test logloss"))
print("%-10s %12.3f %14.6f" % ("wb", wb_t, wb_ll))
print("%-10s %12.3f %14.6f   (total %.3f s - load-only %.3f s)"
      % ("liblinear", ll_t, ll_ll, t1 - t0, t2 - t1))
print("time ratio wb / liblinear: %.3f" % (wb_t / ll_t if ll_t > 0 else float("nan")))
EOF
