#!/bin/sh
# CSV load benchmark: wb vs pandas.read_csv vs `cat`, side by side in one run.
#   sh bench/csv_load.sh [FILE]      (default: bench/out/numeric_1m.csv, generated if absent)
# Each contender runs 3 times; the median wall time and the peak RSS
# (/usr/bin/time -f %M) are reported, then the ratios.  Timings on a shared
# 2-core machine are noisy: trust medians, not single runs.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
WB=${WB:-$top/wb}
PY=${PY:-/usr/bin/python3}
file=${1:-$top/bench/out/numeric_1m.csv}
[ -f "$file" ] || python3 "$top/bench/gen_csv.py" 1000000 "$file" >/dev/null
tmp=$(mktemp -d "${TMPDIR:-/tmp}/wb-bench.XXXXXX")
trap 'rm -rf "$tmp"' EXIT INT TERM
export WB_LOG="${WB_LOG:-$tmp/runs.db}"   # keep the project run log clean

# run NAME CMD...: 3 runs, prints "NAME median_seconds max_rss_kb"
run() {
	name=$1; shift
	for i in 1 2 3; do
		/usr/bin/time -f '%e %M' -o "$tmp/t" "$@" >"$tmp/out" 2>"$tmp/err" || {
			echo "$name failed:" >&2; cat "$tmp/err" >&2; return 1; }
		cat "$tmp/t"
	done | sort -n | awk -v n="$name" 'NR == 2 { t = $1 } { if ($2 > m) m = $2 } END { print n, t, m }'
}

bytes=$(wc -c <"$file")
cat "$file" >/dev/null   # warm the page cache for everyone
echo "file: $file ($bytes bytes)"
run cat sh -c "cat '$file' >/dev/null" >"$tmp/cat"
run wb "$WB" run "$top/bench/csv_load.lua" --set "file=$file" >"$tmp/wb"
cp "$tmp/out" "$tmp/wb.out"
run pandas "$PY" -c "import pandas, sys; d = pandas.read_csv(sys.argv[1]); print(d.shape)" "$file" >"$tmp/pandas"
# frame bytes: 8 bytes per cell for a numeric file (num/int columns)
read rows cols <"$tmp/wb.out" || true
cat "$tmp/cat" "$tmp/wb" "$tmp/pandas" | awk -v rows="$rows" -v cols="$cols" -v bytes="$bytes" '
	{ t[$1] = $2; m[$1] = $3 }
	END {
		frame = rows * cols * 8 / 1048576
		printf "%-8s %8s %10s\n", "", "median s", "peak MB"
		for (k in t) printf "%-8s %8.3f %10.1f\n", k, t[k], m[k] / 1024
		printf "rows %d, cols %d, frame ~%.1f MB (8 bytes a cell)\n", rows, cols, frame
		printf "pandas / wb time:      %.2fx (target >= 4x)\n", t["pandas"] / t["wb"]
		printf "wb peak RSS / frame:   %.2f (target <= 1.5)\n", m["wb"] / 1024 / frame
		printf "wb speed / cat speed:  %.3f (cat %.0f MB/s, wb %.0f MB/s)\n", t["cat"] / t["wb"],
			bytes / 1048576 / (t["cat"] > 0 ? t["cat"] : 0.001), bytes / 1048576 / t["wb"]
	}'
