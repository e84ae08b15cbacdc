#!/bin/sh
# Serving and batch scoring, side by side:
#   serve    wb serve on loopback under wrk (keep-alive, one row per request,
#            as JSON dataframe_split and as text/csv) for a 100-tree gbdt:
#            requests/s and latency p50/p99;
#   predict  wb predict FILE.wbz 1M.csv -o out.csv (whole command: read,
#            recipe, model, write) against a python script doing the same
#            with xgboost (read_csv, DMatrix, predict, write CSV).
#   sh bench/ship_speed.sh [SECONDS]      (wrk duration, default 10)
# Data: bench/out/gbdt_train.csv / gbdt_test.csv (bench/gbdt_gen.py); the
# models train on the first 200k rows, depth 6, 100 rounds.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
WB=${WB:-$top/wb}
PY=${PY:-/usr/bin/python3}
DUR=${1:-10}
out=$top/bench/out/ship
mkdir -p "$out"
export WB_DATADIR=${WB_DATADIR:-$top}
[ -f "$top/bench/out/gbdt_train.csv" ] || "$PY" "$top/bench/gbdt_gen.py" "$top/bench/out"
command -v wrk >/dev/null || { echo "wrk is not installed (apt install wrk)" >&2; exit 1; }
head -n 200001 "$top/bench/out/gbdt_train.csv" >"$out/train.csv"
head -n 1000001 "$top/bench/out/gbdt_train.csv" | cut -d, -f1-28 >"$out/score.csv"

"$WB" train "$out/train.csv" --target y --model gbdt --set rounds=100 --set max_depth=6 \
	--log "$out/runs.db" --json >"$out/train.json" 2>/dev/null
run=$("$PY" -c "import json,sys; print(json.load(open(sys.argv[1]))['run_id'])" "$out/train.json")
"$WB" package "$run" -o "$out/m.wbz" --log "$out/runs.db" >/dev/null 2>&1

# --- serve
port=$("$PY" -c "import socket; s=socket.socket(); s.bind(('127.0.0.1',0)); print(s.getsockname()[1])")
"$WB" serve "$out/m.wbz" --port "$port" --threads 2 2>"$out/serve.err" &
pid=$!
trap 'kill $pid 2>/dev/null' EXIT
n=0; until curl -sf "http://127.0.0.1:$port/health" >/dev/null; do n=$((n+1)); [ $n -lt 200 ] || exit 1; sleep 0.05; done
"$PY" - "$out/score.csv" "$out/body.json" "$out/body.csv" <<'PYEOF'
import json, sys
lines = open(sys.argv[1]).read().split("\n", 2)
cols, row = lines[0].split(","), lines[1]
json.dump({"dataframe_split": {"columns": cols, "data": [[float(x) for x in row.split(",")]]}},
          open(sys.argv[2], "w"))
open(sys.argv[3], "w").write(lines[0] + "\n" + row + "\n")
PYEOF
for kind in json csv; do
	ctype=application/json; [ $kind = csv ] && ctype=text/csv
	cat >"$out/post_$kind.lua" <<LUA
wrk.method = "POST"
wrk.headers["Content-Type"] = "$ctype"
local f = io.open("$out/body.$kind"); wrk.body = f:read("*a"); f:close()
LUA
	wrk -t1 -c8 -d"${DUR}s" --latency -s "$out/post_$kind.lua" "http://127.0.0.1:$port/invocations" >"$out/wrk_$kind.txt"
done
kill $pid; wait $pid 2>/dev/null || true
trap - EXIT
summary() { # wrk output -> "R req/s, p50 X, p99 Y, non-2xx N"
	awk '/Requests\/sec/ {r=$2} $1=="50%" {a=$2} $1=="99%" {b=$2} /Non-2xx/ {e=$NF}
	     END {printf "%s req/s, p50 %s, p99 %s, non-2xx %s", r, a, b, e ? e : 0}' "$1"
}

# --- predict, 1M rows
now() { date +%s.%N; }
t0=$(now); "$WB" predict "$out/m.wbz" "$out/score.csv" -o "$out/wb_pred.csv" 2>/dev/null; t1=$(now)
"$PY" - "$out/train.csv" "$out/xgb.json" <<'PYEOF'
import sys, pandas as pd, xgboost as xgb
tr = pd.read_csv(sys.argv[1]); y = tr.pop("y")
b = xgb.train({"objective": "binary:logistic", "tree_method": "hist", "max_depth": 6,
               "eta": 0.1, "nthread": 2}, xgb.DMatrix(tr, label=y), 100)
b.save_model(sys.argv[2])
PYEOF
t2=$(now)
"$PY" - "$out/xgb.json" "$out/score.csv" "$out/xgb_pred.csv" <<'PYEOF'
import sys, pandas as pd, xgboost as xgb
b = xgb.Booster({"nthread": 2}); b.load_model(sys.argv[1])
x = pd.read_csv(sys.argv[2])
p = b.predict(xgb.DMatrix(x))
pd.DataFrame({"p_1": p}).to_csv(sys.argv[3], index=False)
PYEOF
t3=$(now)
wbp=$(echo "$t1 - $t0" | bc -l); xgp=$(echo "$t3 - $t2" | bc -l)

# --- predict's memory: peak RSS on 1M rows and on the same rows 4 times
# over (about 1 GB); streaming means the two are the same.
(cat "$out/score.csv"; for i in 1 2 3; do tail -n +2 "$out/score.csv"; done) >"$out/score4.csv"
rss() { /usr/bin/time -f %M "$WB" predict "$out/m.wbz" "$1" -o "$out/rss_pred.csv" 2>&1 >/dev/null | tail -n 1; }
rss1=$(rss "$out/score.csv"); rss4=$(rss "$out/score4.csv")
rm -f "$out/score4.csv" "$out/rss_pred.csv"

echo "serve, wrk -t1 -c8 ${DUR}s, one row per request, 100-tree gbdt:"
echo "  JSON dataframe_split: $(summary "$out/wrk_json.txt")"
echo "  text/csv:             $(summary "$out/wrk_csv.txt")"
printf '%-40s %8s %8s %7s\n' "predict 1M rows x 28 (whole command)" "wb s" "xgb s" "ratio"
printf '%-40s %8.2f %8.2f %7.2f\n' "read + score + write CSV" "$wbp" "$xgp" "$(echo "$wbp / $xgp" | bc -l)"
printf '%-40s %8s %8s\n' "predict peak RSS (MB)" "1M rows" "4M rows"
printf '%-40s %8d %8d\n' "wb predict -o FILE" "$((rss1 / 1024))" "$((rss4 / 1024))"
