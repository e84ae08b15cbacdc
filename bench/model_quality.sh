#!/bin/sh
# Model quality side by side: wb's logistic / linear, forest and gbdt
# against scikit-learn and xgboost on the seven bundled datasets, same
# 5 folds for both (see bench/model_quality.py for the settings).
#   sh bench/model_quality.sh [dataset ...]
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
WB=${WB:-$top/wb}
PY=${PY:-/usr/bin/python3}
out=$top/bench/out/quality
rm -f "$out/quality_runs.db"
exec "$PY" "$top/bench/model_quality.py" "$WB" "$out" "$@"
