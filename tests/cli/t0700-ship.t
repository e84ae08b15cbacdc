#!/bin/sh
# From a run to production: wb package, wb bundle inspect / verify (and
# tampering), wb predict equal to in-session predictions, wb serve through
# curl, wb drift as a gate, and wb.package from Lua.
. "$(dirname "$0")/lib.sh"
DATA="$WB_TEST_TOP/data"

json() { python3 -c "import json,sys; d=json.load(open(sys.argv[1])); $2" "$1"; }

test_expect_success 'setup: a gbdt trained on part of credit, tested on the rest' '
	head -n 3001 "$DATA/credit.csv" >train.csv &&
	(head -n 1 "$DATA/credit.csv"; tail -n +3002 "$DATA/credit.csv") >test.csv &&
	"$WB" train train.csv --target Status --model gbdt --set rounds=40 --test test.csv --json --log runs.db >t.json 2>/dev/null &&
	json t.json "print(d[\"run_id\"])" >run
'

test_expect_success 'wb package writes a bundle that is an artifact of its run' '
	"$WB" package "$(cat run)" -o credit.wbz --name credit --version 3 --json --log runs.db >p.json &&
	json p.json "import hashlib; assert d[\"sha256\"] == hashlib.sha256(open(\"credit.wbz\",\"rb\").read()).hexdigest(), d" &&
	"$WB" show "$(json p.json "print(d[\"run_id\"])")" --json --log runs.db >show.json &&
	json show.json "assert any(a[\"kind\"] == \"bundle\" for a in d[\"artifacts\"]), d[\"artifacts\"]"
'

test_expect_success 'inspect shows the manifest; --json is the manifest' '
	"$WB" bundle inspect credit.wbz >out &&
	contains out "credit 3" && contains out "gbdt classification of '\''Status'\''" &&
	contains out "Home:cat" &&
	"$WB" bundle inspect credit.wbz --json >m.json &&
	json m.json "assert d[\"format\"] == \"wb.bundle\" and d[\"format_version\"] == 1 and d[\"run_id\"] == open(\"run\").read().strip() and abs(d[\"metrics\"][\"auc\"] - json.load(open(\"t.json\"))[\"metrics\"][\"auc\"]) < 1e-9, d[\"metrics\"]"
'

test_expect_success 'verify re-scores the golden rows' '
	"$WB" bundle verify credit.wbz >out &&
	contains out "100 golden rows re-scored identically"
'

test_expect_success 'a tampered bundle is refused, naming what changed' '
	python3 - <<-\EOF &&
	import zipfile
	src = zipfile.ZipFile("credit.wbz")
	dst = zipfile.ZipFile("bad.wbz", "w", zipfile.ZIP_DEFLATED)
	for i in src.infolist():
	    data = src.read(i.filename)
	    if i.filename == "model.json":
	        data = data[:-2] + b" " + data[-1:]  # same size, still JSON: only the hash can tell
	    dst.writestr(i, data)
	dst.close()
	EOF
	expect_code 1 "$WB" bundle verify bad.wbz 2>err &&
	contains err "model.json" && contains err "sha256" &&
	expect_code 1 "$WB" predict bad.wbz test.csv 2>err &&
	contains err "model.json"
'

test_expect_success 'wb predict equals the predictions made in a session' '
	"$WB" predict credit.wbz test.csv --proba --keep Status -o pred.csv &&
	head -n 1 pred.csv | grep -qx "Status,pred,p_bad,p_good" &&
	cat >same.lua <<-\EOF &&
	local m = assert(wb.load_model(wb.params.model))
	local t = assert(wb.read_csv("test.csv"))
	local mine = assert(m:predict(t, { proba = true }))
	local theirs = assert(wb.read_csv("pred.csv")):drop("Status")
	assert(mine:content_hash() == theirs:content_hash(), "predictions differ")
	EOF
	model=$(json show.json "print([a[\"path\"] for a in d[\"artifacts\"] if a[\"kind\"]==\"bundle\"][0])") &&
	mpath=$("$WB" show "$(cat run)" --json --log runs.db | python3 -c "import json,sys; print([a[\"path\"] for a in json.load(sys.stdin)[\"artifacts\"] if a[\"kind\"]==\"model\"][0])") &&
	"$WB" run same.lua --set model="$mpath" --log runs.db 2>err &&
	"$WB" predict credit.wbz test.csv | head -n 1 | grep -qx "pred"
'

test_expect_success 'wb predict streams: tiny chunks give the same bytes, errors keep real line numbers' '
	"$WB" predict credit.wbz test.csv --proba --keep Status -o whole.csv 2>err &&
	contains err "in 1 chunk " &&
	WB_PREDICT_CHUNK=2000 "$WB" predict credit.wbz test.csv --proba --keep Status -o pieces.csv 2>err &&
	grep -E "1454 rows scored in [0-9]{2,} chunks" err &&
	cmp whole.csv pieces.csv &&
	awk -F, "NR == 1200 { \$2 = \"many\" } { print }" OFS=, test.csv >bad.csv &&
	WB_PREDICT_CHUNK=2000 expect_code 1 "$WB" predict credit.wbz bad.csv 2>err &&
	contains err "bad.csv:1200" && contains err "many" &&
	test ! -e out.csv
'

test_expect_success 'a schema problem names the column' '
	cut -d, -f1-5 test.csv >narrow.csv &&
	expect_code 1 "$WB" predict credit.wbz narrow.csv 2>err &&
	contains err "Marital"
'

test_expect_success 'wb predict -o /dev/null writes to the device, not over it' '
	"$WB" predict credit.wbz test.csv -o /dev/null 2>err &&
	test -c /dev/null && contains err "-> /dev/null" &&
	"$WB" export-c credit.wbz -o /dev/null 2>err && test -c /dev/null
'

test_expect_success 'wb serve answers health, metadata, invocations, metrics; stops on SIGTERM' '
	port=$(python3 -c "import socket; s=socket.socket(); s.bind((\"127.0.0.1\",0)); print(s.getsockname()[1])") &&
	("$WB" serve credit.wbz --port "$port" 2>serve.err & echo $! >pid) &&
	n=0; until curl -sf "http://127.0.0.1:$port/health" >h.json; do n=$((n+1)); [ $n -lt 100 ] || exit 1; sleep 0.05; done &&
	json h.json "assert d == {\"status\": \"ok\"}" &&
	curl -sf "http://127.0.0.1:$port/metadata" >md.json &&
	json md.json "assert d[\"name\"] == \"credit\"" &&
	head -n 3 test.csv >two.csv &&
	curl -sf -H "Content-Type: text/csv" --data-binary @two.csv "http://127.0.0.1:$port/invocations" >inv.json &&
	"$WB" predict credit.wbz two.csv -o two_pred.csv &&
	json inv.json "import csv; want=[r[\"pred\"] for r in csv.DictReader(open(\"two_pred.csv\"))]; assert d[\"predictions\"] == want, (d, want)" &&
	code=$(curl -s -o err.json -w "%{http_code}" -H "Content-Type: application/json" --data "{\"dataframe_records\": [{\"Age\": 3}]}" "http://127.0.0.1:$port/invocations") &&
	test "$code" = 400 && json err.json "assert \"Seniority\" in d[\"message\"] or \"column\" in d[\"message\"], d" &&
	python3 - "$port" <<-\EOF &&
	import csv, json, sys, urllib.request, urllib.error
	from concurrent.futures import ThreadPoolExecutor
	port = sys.argv[1]
	rows = list(csv.DictReader(open("two.csv")))
	want = [r["pred"] for r in csv.DictReader(open("two_pred.csv"))]
	def num(v):
	    try: return int(v)
	    except ValueError: return v if v != "" else None
	recs = [{k: num(v) for k, v in r.items() if k != "Status"} for r in rows]
	cols = list(recs[0].keys())
	def post(body, ctype="application/json", path="/invocations"):
	    req = urllib.request.Request("http://127.0.0.1:%s%s" % (port, path), data=body,
	                                 headers={"Content-Type": ctype})
	    try:
	        with urllib.request.urlopen(req) as r:
	            return r.status, json.loads(r.read())
	    except urllib.error.HTTPError as e:
	        return e.code, json.loads(e.read() or b"{}")
	for body in ({"dataframe_split": {"columns": cols, "data": [[r[c] for c in cols] for r in recs]}},
	             {"dataframe_records": recs}, {"instances": recs}, {"inputs": recs}):
	    code, d = post(json.dumps(body).encode())
	    assert code == 200 and d["predictions"] == want, (list(body), code, d)
	code, d = post(json.dumps({"dataframe_records": recs}).encode(), path="/invocations?proba=1")
	assert code == 200 and set(d["predictions"][0]) == {"pred", "p_bad", "p_good"}, d
	code, d = post(b"{not json")
	assert code == 400 and "line 1" in d["message"], d
	code, d = post(b"{}", path="/nope")
	assert code == 404, code
	try:
	    urllib.request.urlopen("http://127.0.0.1:%s/invocations" % port)
	    raise SystemExit("GET /invocations should be 405")
	except urllib.error.HTTPError as e:
	    assert e.code == 405, e.code
	body = json.dumps({"dataframe_records": recs}).encode()
	with ThreadPoolExecutor(8) as ex:
	    results = list(ex.map(lambda _: post(body), range(64)))
	assert all(c == 200 and d["predictions"] == want for c, d in results), results[:3]
	EOF
	curl -sf "http://127.0.0.1:$port/metrics" >metrics.txt &&
	grep -qE "^wb_rows_scored_total 1(3|4)[0-9]" metrics.txt &&
	grep -q "wb_request_duration_seconds_bucket" metrics.txt &&
	kill -TERM "$(cat pid)" &&
	n=0; while kill -0 "$(cat pid)" 2>/dev/null; do n=$((n+1)); [ $n -lt 100 ] || exit 1; sleep 0.05; done &&
	contains serve.err "stopped"
'

test_expect_success 'custom Lua steps: packaged with their code, opened only with --allow-custom, run sandboxed' '
	cat >custom.lua <<-\EOF &&
	local d = assert(wb.read_csv("train.csv"))
	local r = wb.recipe{ target = "Status",
	  wb.step.custom{ { "Amount", "Price" }, name = "ratio",
	    fit = function(f, cols) return { scale = 100 } end,
	    apply = function(f, state, cols)
	      local a, p, v = f:col("Amount"), f:col("Price"), {}
	      for i = 1, #a do
	        v[i] = (a[i] ~= wb.NA and p[i] ~= wb.NA and p[i] ~= 0) and a[i] / p[i] * state.scale or wb.NA
	      end
	      local cols, names = { ratio = v }, f:names()
	      for _, n in ipairs(names) do cols[n] = f:col(n) end
	      names[#names + 1] = "ratio"
	      return wb.frame(cols, names)
	    end },
	  wb.step.custom{ "Age", name = "slow",
	    apply = [[function(f) if f:nrow() == 7 then while true do end end return f end]] } }
	local m = assert(wb.train{ data = d, target = "Status", model = "gbdt", recipe = r, params = { rounds = 20 } })
	assert(m:save("custom_model.json"))
	assert(m:predict(assert(wb.read_csv("test.csv")), { proba = true }):write_csv("custom_session.csv"))
	EOF
	"$WB" run custom.lua --log runs.db 2>err &&
	"$WB" runs --json --log runs.db >runs.json &&
	json runs.json "print(d[0][\"id\"])" >crun &&
	"$WB" package "$(cat crun)" -o custom.wbz --log runs.db >/dev/null &&
	expect_code 1 "$WB" bundle verify custom.wbz 2>err &&
	contains err "recipe step 1 (custom) runs custom Lua code" && contains err "--allow-custom" &&
	expect_code 1 "$WB" predict custom.wbz test.csv 2>err && contains err "--allow-custom" &&
	"$WB" bundle verify custom.wbz --allow-custom >out &&
	contains out "100 golden rows re-scored identically" &&
	"$WB" bundle inspect custom.wbz >out &&
	contains out "custom   recipe step 1 '\''ratio'\'' runs Lua code" &&
	contains out "v[i] = (a[i] ~= wb.NA" &&
	contains out "function(f) if f:nrow() == 7 then" &&
	python3 -c "import zipfile; print(zipfile.ZipFile(\"custom.wbz\").read(\"README.md\").decode())" >card.md &&
	contains card.md "wb serve model.wbz --port 8080 --allow-custom" &&
	"$WB" predict custom.wbz test.csv --proba --allow-custom -o custom_pred.csv &&
	cmp custom_pred.csv custom_session.csv &&
	expect_code 1 "$WB" export-c custom.wbz -o c.c --allow-custom 2>err &&
	contains err "recipe step 1 runs custom Lua code, which has no C form" &&
	(head -n 1 test.csv; sed -n 2,8p test.csv) >seven.csv &&
	WB_SANDBOX_SECONDS=1 expect_code 1 "$WB" predict custom.wbz seven.csv --allow-custom 2>err &&
	contains err "step 2 (custom '\''slow'\'')" && contains err "slow.apply:1: took longer than 1 s" &&
	port=$(python3 -c "import socket; s=socket.socket(); s.bind((\"127.0.0.1\",0)); print(s.getsockname()[1])") &&
	("$WB" serve custom.wbz --port "$port" --allow-custom 2>cserve.err & echo $! >cpid) &&
	n=0; until curl -sf "http://127.0.0.1:$port/health" >/dev/null; do n=$((n+1)); [ $n -lt 100 ] || exit 1; sleep 0.05; done &&
	head -n 4 test.csv >three.csv &&
	curl -sf -H "Content-Type: text/csv" --data-binary @three.csv "http://127.0.0.1:$port/invocations" >cinv.json &&
	json cinv.json "import csv; want=[r[\"pred\"] for r in csv.DictReader(open(\"custom_session.csv\"))][:3]; assert d[\"predictions\"] == want, (d, want)" &&
	kill -TERM "$(cat cpid)" &&
	n=0; while kill -0 "$(cat cpid)" 2>/dev/null; do n=$((n+1)); [ $n -lt 100 ] || exit 1; sleep 0.05; done
'

test_expect_success 'the format-version 1 fixture with custom steps still opens, verifies and scores' '
	fx="$WB_TEST_TOP/tests/data/bundle/v1-custom.wbz" &&
	expect_code 1 "$WB" bundle verify "$fx" 2>err && contains err "--allow-custom" &&
	"$WB" bundle verify "$fx" --allow-custom >out &&
	contains out "100 golden rows re-scored identically" &&
	"$WB" predict "$fx" "$DATA/iris.csv" --allow-custom -o iris_pred.csv &&
	test "$(wc -l <iris_pred.csv)" = 151
'

test_expect_success 'the Dockerfile installs a package for every library wb links, and opts in to custom code' '
	python3 -c "import zipfile; open(\"Dockerfile\", \"wb\").write(zipfile.ZipFile(\"credit.wbz\").read(\"Dockerfile\"))" &&
	python3 -c "import zipfile; open(\"Dockerfile.custom\", \"wb\").write(zipfile.ZipFile(\"custom.wbz\").read(\"Dockerfile\"))" &&
	! grep -q allow-custom Dockerfile && grep -q "\"--allow-custom\"\]" Dockerfile.custom &&
	if command -v dpkg >/dev/null && command -v readelf >/dev/null; then
		# No docker here to build the image: check its runtime stage
		# against the shared libraries this wb needs instead.
		sed -n "/^FROM debian:12-slim/,/useradd/p" Dockerfile >runtime &&
		for lib in $(readelf -d "$WB" | sed -n "s/.*Shared library: \[\(.*\)\]/\1/p"); do
			case $lib in libc.so.*|libm.so.*|libasan.so.*|libubsan.so.*|libstdc++.so.*|libgcc_s.so.*) continue ;; esac
			path=$(ldconfig -p | awk -v l="$lib" "\$1 == l {print \$NF; exit}") &&
			pkg=$( (dpkg -S "$path" 2>/dev/null || dpkg -S "$(readlink -f "$path")") | head -n 1 | cut -d: -f1) &&
			{ grep -qw -- "$pkg" runtime || { echo "# $lib ($pkg) is not installed by the Dockerfile"; false; }; } || return 1
		done
	fi
'

test_expect_success 'a custom step that needs more than the sandbox gives is not packaged' '
	cat >escape.lua <<-\EOF &&
	local d = assert(wb.read_csv("train.csv"))
	local r = wb.recipe{ target = "Status", wb.step.custom{ "Age", name = "home",
	  apply = function(f) assert(os.getenv("HOME") ~= "") return f end } }
	local m = assert(wb.train{ data = d, target = "Status", model = "logistic", recipe = r })
	local ok, err = wb.package(m, "escape.wbz")
	assert(not ok)
	print(err)
	EOF
	"$WB" run escape.lua --log runs.db >out 2>err &&
	contains out "does not score the same in the sandbox" && contains out "global '\''os'\''" &&
	test ! -e escape.wbz
'

test_expect_success 'export-c: the C file compiled with cc gives the same probabilities as wb predict' '
	command -v cc >/dev/null || { echo "# skip: no cc"; return 0; }
	"$WB" export-c credit.wbz -o credit.c 2>err &&
	contains err "int credit_predict(" &&
	cat >harness.c <<-\EOF &&
	/* Reads a simple CSV (no quotes) with a header on stdin, maps its
	 * columns to the model inputs by name, prints p_<class> per row. */
	#include <math.h>
	#include <stdio.h>
	#include <stdlib.h>
	#include <string.h>
	#include "credit.c"
	int main(void)
	{
		char line[65536];
		static char names[256][128];
		int nf = 0, slot[256], iscat[256];
		if (!fgets(line, sizeof line, stdin)) return 1;
		line[strcspn(line, "\r\n")] = 0;
		for (char *t = strtok(line, ","); t; t = strtok(NULL, ",")) snprintf(names[nf++], 128, "%s", t);
		for (int j = 0; j < nf; j++) {
			slot[j] = -1; iscat[j] = 0;
			for (int k = 0; k < CREDIT_N_NUM; k++) if (!strcmp(names[j], credit_num_names[k])) slot[j] = k;
			for (int k = 0; k < CREDIT_N_CAT; k++) if (!strcmp(names[j], credit_cat_names[k])) { slot[j] = k; iscat[j] = 1; }
		}
		double num[CREDIT_N_NUM], out[CREDIT_N_OUT];
		const char *cat[CREDIT_N_CAT];
		static char cells[256][256];
		while (fgets(line, sizeof line, stdin)) {
			line[strcspn(line, "\r\n")] = 0;
			char *p = line;
			for (int j = 0; j < nf; j++) {
				char *c = strchr(p, 44); /* a comma */
				size_t n = c ? (size_t)(c - p) : strlen(p);
				memcpy(cells[j], p, n); cells[j][n] = 0;
				p = c ? c + 1 : p + n;
				if (slot[j] < 0) continue;
				if (iscat[j]) cat[slot[j]] = n ? cells[j] : NULL;
				else num[slot[j]] = n ? strtod(cells[j], NULL) : NAN;
			}
			credit_predict(num, cat, out);
			for (int k = 0; k < CREDIT_N_OUT; k++) printf(k ? ",%.17g" : "%.17g", out[k]);
			printf("\n");
		}
		return 0;
	}
	EOF
	cc -std=c99 -O2 -o harness harness.c -lm &&
	./harness <test.csv >c_out.csv &&
	"$WB" predict credit.wbz test.csv --proba -o w_out.csv &&
	python3 -c "
import csv
w = [(float(r[\"p_bad\"]), float(r[\"p_good\"])) for r in csv.DictReader(open(\"w_out.csv\"))]
c = [tuple(float(x) for x in l.split(\",\")) for l in open(\"c_out.csv\")]
assert len(w) == len(c) == 1454, (len(w), len(c))
bad = [i for i, (a, b) in enumerate(zip(w, c)) if a != b]
assert not bad, (len(bad), w[bad[0]], c[bad[0]])"
'

test_expect_success 'wb drift: the same data is ok, shifted data fails the gate (exit 3)' '
	"$WB" drift credit.wbz train.csv >d.txt &&
	contains d.txt "status ok" &&
	python3 -c "
import csv
r = list(csv.DictReader(open(\"test.csv\")))
w = csv.DictWriter(open(\"shifted.csv\", \"w\"), fieldnames=r[0].keys()); w.writeheader()
for x in r:
    x[\"Income\"] = str(int(x[\"Income\"]) * 3) if x[\"Income\"] else \"\"
    w.writerow(x)" &&
	expect_code 3 "$WB" drift credit.wbz shifted.csv --json >d.json &&
	json d.json "c = [x for x in d[\"columns\"] if x[\"name\"] == \"Income\"][0]; assert c[\"status\"] == \"drift\" and c[\"psi\"] > 0.25, c"
'

test_expect_success 'wb.package and wb.load_bundle from Lua' '
	cat >pk.lua <<-\EOF &&
	local d = assert(wb.read_csv("train.csv"))
	local m = assert(wb.train{ data = d, target = "Status", model = "logistic" })
	assert(wb.evaluate(m, assert(wb.read_csv("test.csv"))))
	local path, sha = assert(wb.package(m, "lr.wbz", { name = "lr", version = "1" }))
	local b = assert(wb.load_bundle(path))
	assert(b:manifest().metrics.auc > 0.7)
	assert(b:predict(d):content_hash() == m:predict(d, { proba = true }):content_hash())
	print("sha " .. sha)
	EOF
	"$WB" run pk.lua --log runs.db >out 2>err &&
	contains out "sha " &&
	"$WB" bundle verify lr.wbz >/dev/null
'

test_done
