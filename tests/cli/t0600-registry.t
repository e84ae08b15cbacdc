#!/bin/sh
# The model registry: wb register (a run or a bundle file), wb models,
# wb alias set / rm / history, and errors that name what is wrong.
. "$(dirname "$0")/lib.sh"
DATA="$WB_TEST_TOP/data"

json() { python3 -c "import json,sys; d=json.load(open(sys.argv[1])); $2" "$1"; }

test_expect_success 'a trained run registers as version 1, then 2' '
	"$WB" train "$DATA/iris.csv" --target Species --model tree --log runs.db --json >t.json 2>/dev/null &&
	run=$(json t.json "print(d[\"run_id\"])") &&
	"$WB" register iris "$run" --log runs.db >out &&
	contains out "registered iris version 1" &&
	"$WB" register iris "$(echo "$run" | cut -c1-8)" --log runs.db --json >r.json &&
	json r.json "assert d[\"version\"] == 2 and len(d[\"sha256\"]) == 64, d"
'

test_expect_success 'a file registers with its sha256' '
	printf "not really a bundle" >m.wbz &&
	"$WB" register other m.wbz --log runs.db --json >r.json &&
	json r.json "import hashlib; assert d[\"sha256\"] == hashlib.sha256(b\"not really a bundle\").hexdigest(), d"
'

test_expect_success 'aliases move, and wb models shows where they point' '
	"$WB" alias set iris production 1 -m "first release" --log runs.db >out &&
	contains out "iris@production -> version 1" &&
	"$WB" alias set iris production 2 --log runs.db >/dev/null &&
	"$WB" alias set iris staging 1 --log runs.db >/dev/null &&
	"$WB" alias rm iris staging -m retired --log runs.db >/dev/null &&
	"$WB" models --log runs.db >out &&
	grep -E "^iris +2 +production " out &&
	grep -E "^iris +1 +- " out &&
	"$WB" models iris --json --log runs.db >m.json &&
	json m.json "assert [(m[\"version\"], m[\"aliases\"]) for m in d] == [(1, []), (2, [\"production\"])], d"
'

test_expect_success 'the alias history says who moved what when, append-only' '
	"$WB" alias history iris --json --log runs.db >h.json &&
	json h.json "
moves = [(h[\"alias\"], h[\"previous\"], h[\"version\"], h[\"message\"]) for h in d]
assert moves == [(\"production\", None, 1, \"first release\"), (\"production\", 1, 2, None),
                 (\"staging\", None, 1, None), (\"staging\", 1, None, \"retired\")], moves
assert all(h[\"user\"] and h[\"host\"] and h[\"time\"] > 0 for h in d)" &&
	"$WB" alias history --log runs.db >h.txt &&
	contains h.txt "iris@production  1 -> 2" &&
	! sqlite3 runs.db "DELETE FROM alias_history" 2>/dev/null &&
	test "$(sqlite3 runs.db "SELECT count(*) FROM alias_history")" = 4
'

test_expect_success 'errors name the model, version, alias or run' '
	expect_code 1 "$WB" alias set iris production 9 --log runs.db 2>err &&
	contains err "model '\''iris'\'' has no version 9" &&
	expect_code 1 "$WB" alias rm iris canary --log runs.db 2>err &&
	contains err "it is not set" &&
	expect_code 1 "$WB" register iris deadbeef --log runs.db 2>err &&
	contains err "deadbeef" &&
	expect_code 1 "$WB" register "bad name" m.wbz --log runs.db 2>err &&
	contains err "is not allowed" &&
	expect_code 2 "$WB" alias set iris production --log runs.db 2>err &&
	expect_code 2 "$WB" alias set iris production two --log runs.db 2>err &&
	contains err "VERSION must be a number" &&
	"$WB" models --log empty.db >out && contains out "no registered models"
'

test_done
