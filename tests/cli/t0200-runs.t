#!/bin/sh
# wb runs / wb show: listing, JSON, filters, id prefixes, interrupted runs.
. "$(dirname "$0")/lib.sh"
export TZ=UTC

# json_check FILE 'python expression over d'... — the file must parse as JSON
# and every expression be true; the first false one is shown with d.  (One
# python per call: its start-up is most of this script's time.)
json_check() {
	python3 -c 'import json,sys
d = json.load(open(sys.argv[1]))
for e in sys.argv[2:]:
    if not eval(e):
        print("json check failed:", e, file=sys.stderr)
        print(json.dumps(d, indent=1)[:3000], file=sys.stderr)
        sys.exit(1)' "$@"
}

cat >good.lua <<'LUA'
wb.log_param("lr", 0.1)
wb.log_param("model", "gbdt")
wb.log_metric("loss", 0.9, 1)
wb.log_metric("loss", 0.5, 2)
wb.log_metric("auc", 0.875)
wb.log_metric("acc", 0.75)
wb.log_metric("f1", 0.5)
LUA
printf 'wb.log_metric("rmse", 1.5)\nerror("boom")\n' >bad.lua

test_expect_success 'no run log yet: says so, exits 0, creates nothing' '
	"$WB" runs --log none/runs.db >out 2>err &&
	contains out "no runs yet (run log '\''none/runs.db'\'' does not exist)" &&
	! test -e none &&
	"$WB" runs --json --log none/runs.db >out &&
	json_check out "d == []"
'

test_expect_success 'set up: three runs, one failed' '
	"$WB" run good.lua --log runs.db 2>err &&
	"$WB" run good.lua --log runs.db --seed 7 2>err &&
	expect_code 1 "$WB" run bad.lua --log runs.db 2>err &&
	test "$(sqlite3 runs.db "SELECT count(*) FROM runs")" = 3
'

test_expect_success 'wb runs prints an aligned table, newest first' '
	"$WB" runs --log runs.db >out &&
	test "$(wc -l <out)" = 4 &&
	head -n 1 out >head &&
	contains head "ID" && contains head "STARTED" && contains head "STATUS" && contains head "METRICS" &&
	sed -n 2p out >first &&
	contains first "bad.lua" && contains first "failed" && contains first "rmse=1.5" &&
	grep -Eq "^[0-9a-f]{8}  [0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}  run " first &&
	sed -n 3p out >second &&
	contains second "good.lua" && contains second " ok " &&
	contains second "acc=0.75 auc=0.875 f1=0.5 ..." &&
	awk "NR == 1 { print index(\$0, \"KIND\") } NR > 1 { print index(\$0, \" run \") + 1 }" out | sort -u >cols &&
	test "$(wc -l <cols)" = 1
'

test_expect_success 'wb runs --json parses and has the documented keys' '
	"$WB" runs --json --log runs.db >out &&
	json_check out "len(d) == 3 and all(len(r[\"id\"]) == 32 for r in d)" "[r[\"status\"] for r in d] == [\"failed\", \"ok\", \"ok\"]" "d[1][\"seed\"] == 7 and d[1][\"kind\"] == \"run\" and d[1][\"wb_version\"]" "d[1][\"metrics\"] == {\"acc\": 0.75, \"auc\": 0.875, \"f1\": 0.5, \"loss\": 0.5}" "d[0][\"started\"].endswith(\"Z\") and d[0][\"started_unix\"] > 1.6e9" "d[0][\"started_unix\"] >= d[1][\"started_unix\"] and d[1][\"seconds\"] >= 0"
'

test_expect_success '--limit keeps the newest runs' '
	"$WB" runs --limit 1 --json --log runs.db >out &&
	json_check out "len(d) == 1 and d[0][\"status\"] == \"failed\"" &&
	"$WB" runs --limit=2 --log runs.db >out &&
	test "$(wc -l <out)" = 3
'

test_expect_success '--where filters with an SQL condition' '
	"$WB" runs --where "status = '\''ok'\''" --json --log runs.db >out &&
	json_check out "len(d) == 2 and {r[\"status\"] for r in d} == {\"ok\"}" &&
	"$WB" runs --where "seed = 7" --log runs.db >out &&
	test "$(wc -l <out)" = 2 &&
	"$WB" runs --where "id IN (SELECT run_id FROM metrics WHERE key = '\''rmse'\'')" --json --log runs.db >out &&
	json_check out "len(d) == 1" &&
	"$WB" runs --where "status = '\''nothing'\''" --log runs.db >out &&
	contains out "no runs match"
'

test_expect_success 'a bad --where is an error quoting the condition' '
	expect_code 1 "$WB" runs --where "nope = 1" --log runs.db >out 2>err &&
	contains err "bad run filter '\''nope = 1'\''" &&
	contains err "no such column: nope" &&
	expect_code 1 "$WB" runs --where "1); DELETE FROM runs; --" --log runs.db 2>err &&
	test "$(sqlite3 runs.db "SELECT count(*) FROM runs")" = 3
'

test_expect_success 'usage errors exit 2' '
	expect_code 2 "$WB" runs --limit 2>err && contains err "usage: wb runs" &&
	expect_code 2 "$WB" runs --limit abc --log runs.db 2>err && contains err "positive integer" &&
	expect_code 2 "$WB" runs --limit 0 --log runs.db 2>err &&
	expect_code 2 "$WB" runs --bogus 2>err && contains err "unknown option" &&
	expect_code 2 "$WB" runs extra 2>err &&
	expect_code 2 "$WB" show 2>err && contains err "usage: wb show" &&
	expect_code 2 "$WB" show --log 2>err &&
	expect_code 2 "$WB" show a b --log runs.db 2>err
'

test_expect_success 'WB_LOG picks the log when --log is absent' '
	WB_LOG=runs.db "$WB" runs --json >out &&
	json_check out "len(d) == 3"
'

test_expect_success 'wb show RUN by an 8-digit prefix' '
	id=$("$WB" runs --where "seed = 7" --json --log runs.db | python3 -c "import json,sys; print(json.load(sys.stdin)[0][\"id\"])") &&
	short=$(printf %s "$id" | cut -c1-8) &&
	"$WB" show "$short" --log runs.db >out &&
	contains out "run        $id" &&
	contains out "status     ok" &&
	contains out "seed       7" &&
	contains out "argv       wb run good.lua --log runs.db --seed 7" &&
	contains out "recipe     sha256:$(sha256sum good.lua | cut -c1-64)" &&
	contains out "Steps" && contains out "Params" && contains out "Metrics" &&
	grep -Eq "^  lr +0\.1$" out &&
	grep -Eq "^  model +gbdt$" out &&
	grep -Eq "^  loss +0\.5 +2$" out &&
	! contains out "wb.log_param" 2>/dev/null
'

test_expect_success 'wb show --json has everything, including the recipe text' '
	id=$("$WB" runs --where "seed = 7" --json --log runs.db | python3 -c "import json,sys; print(json.load(sys.stdin)[0][\"id\"])") &&
	"$WB" show "$id" --json --log runs.db >out &&
	json_check out "d[\"id\"] == \"$id\" and d[\"status\"] == \"ok\"" "d[\"recipe_text\"] == open(\"good.lua\").read()" "d[\"params\"] == {\"lr\": 0.1, \"model\": \"gbdt\"}" "[(m[\"key\"], m[\"value\"], m[\"step\"]) for m in d[\"metrics\"]][:3] == [(\"loss\", 0.9, 1), (\"loss\", 0.5, 2), (\"auc\", 0.875, None)]" "isinstance(d[\"steps\"], list) and isinstance(d[\"tags\"], dict)" "isinstance(d[\"datasets\"], list) and isinstance(d[\"artifacts\"], list)" "d[\"argv\"][-2:] == [\"--seed\", \"7\"] and d[\"pid\"] > 0 and d[\"host\"]"
'

test_expect_success 'wb show: a failed run shows its message' '
	id=$("$WB" runs --where "status = '\''failed'\''" --json --log runs.db | python3 -c "import json,sys; print(json.load(sys.stdin)[0][\"id\"])") &&
	"$WB" show "$id" --log runs.db >out &&
	contains out "status     failed" &&
	contains out "boom"
'

test_expect_success 'unknown and ambiguous prefixes exit 1 with clear errors' '
	expect_code 1 "$WB" show zz --log runs.db 2>err &&
	contains err "no run matches '\''zz'\''" &&
	expect_code 1 "$WB" show ffffffffffffffffffffffffffffffff --log runs.db 2>err &&
	contains err "no run matches" &&
	expect_code 1 "$WB" show abc --log none.db 2>err &&
	contains err "run log '\''none.db'\'' does not exist" &&
	! test -e none.db &&
	: 17 runs: two of them must share their first hex digit &&
	printf "local x = 1\n" >tiny.lua &&
	i=0 && while [ $i -lt 17 ]; do "$WB" run tiny.lua --log many.db 2>/dev/null || exit 1; i=$((i + 1)); done &&
	"$WB" runs --json --log many.db >all &&
	set -- $(python3 -c "import json,collections; c=collections.Counter(r[\"id\"][0] for r in json.load(open(\"all\"))); k,n=c.most_common(1)[0]; print(k, n)") &&
	expect_code 1 "$WB" show "$1" --log many.db 2>err &&
	contains err "run prefix '\''$1'\'' is ambiguous ($2 runs)"
'

test_expect_success 'a SIGKILLed wb run shows as interrupted; the database is intact' '
	printf "wb.log_metric(\"started\", 1)\nlocal x = 0\nwhile true do x = x + 1 end\n" >spin.lua &&
	"$WB" run spin.lua --log kill.db >/dev/null 2>&1 &
	pid=$! &&
	n=0 &&
	until [ "$(sqlite3 kill.db "SELECT count(*) FROM metrics" 2>/dev/null)" = 1 ]; do
		n=$((n + 1)); [ $n -lt 400 ] || { kill -9 $pid; echo "run never started" >&2; exit 1; }
		sleep 0.05
	done &&
	test "$(sqlite3 kill.db "SELECT status FROM runs")" = running &&
	kill -9 $pid && { wait $pid; test $? = 137; } &&
	"$WB" runs --log kill.db >out &&
	contains out "interrupted" &&
	"$WB" runs --json --log kill.db >out &&
	json_check out "len(d) == 1 and d[0][\"status\"] == \"interrupted\"" &&
	test "$(sqlite3 kill.db "SELECT status FROM runs")" = interrupted &&
	test "$(sqlite3 kill.db "PRAGMA integrity_check")" = ok &&
	"$WB" show "$(sqlite3 kill.db "SELECT substr(id, 1, 6) FROM runs")" --log kill.db >out &&
	contains out "status     interrupted" &&
	contains out "ended without finishing"
'

test_expect_success 'a running run of a live process stays running' '
	"$WB" run spin.lua --log live.db >/dev/null 2>&1 &
	pid=$! &&
	n=0 &&
	until [ "$(sqlite3 live.db "SELECT count(*) FROM metrics" 2>/dev/null)" = 1 ]; do
		n=$((n + 1)); [ $n -lt 400 ] || { kill -9 $pid; exit 1; }
		sleep 0.05
	done &&
	"$WB" runs --json --log live.db >out; rc=$?;
	kill -9 $pid; wait $pid;
	test $rc = 0 && json_check out "d[0][\"status\"] == \"running\""
'

test_done
