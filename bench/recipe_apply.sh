#!/bin/sh
# Recipe apply benchmark: a fitted 6-step recipe (impute x2, winsorize,
# standardize, log1p, one-hot) applied to 1M rows x 29 columns (25 numeric,
# 4 categorical, ~2% missing), wb vs the same pipeline in scikit-learn, side
# by side in one run.  Each side loads the file, fits once and reports its
# best of 3 applies (load and fit are not timed); then the ratio.
#   sh bench/recipe_apply.sh [FILE]   (default: bench/out/recipe_1m.csv, generated if absent)
#   WB_THREADS / OMP_NUM_THREADS set wb's thread count (default: all cores).
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
WB=${WB:-$top/wb}
PY=${PY:-/usr/bin/python3}
file=${1:-$top/bench/out/recipe_1m.csv}
[ -f "$file" ] || "$PY" "$top/bench/recipe_gen.py" 1000000 "$file" >/dev/null
tmp=$(mktemp -d "${TMPDIR:-/tmp}/wb-bench.XXXXXX")
trap 'rm -rf "$tmp"' EXIT INT TERM
export WB_LOG="${WB_LOG:-$tmp/runs.db}"   # keep the project run log clean

echo "file: $file ($(wc -c <"$file") bytes)"
"$WB" run "$top/bench/recipe_apply.lua" --set "file=$file" >"$tmp/wb"
"$PY" "$top/bench/recipe_apply.py" "$file" >"$tmp/sk"
awk '
	FNR == NR { w = $2; wr = $4; wi = $6; wo = $8; next }
	{ s = $2; so = $8 }
	END {
		printf "%-14s %10s %8s %8s\n", "", "apply s", "rows", "cols out"
		printf "%-14s %10.3f %8d %8d\n", "wb", w, wr, wo
		printf "%-14s %10.3f %8d %8d\n", "scikit-learn", s, wr, so
		printf "ratio sklearn/wb: %.1fx\n", s / w
	}' "$tmp/wb" "$tmp/sk"
