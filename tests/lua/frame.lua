-- Frames from Lua: loading, accessors, operations, errors, printing.
local t = require("wb.tap")
local top = os.getenv("WB_TEST_TOP") or "."
local tmp = os.tmpname()

local iris = assert(wb.read_csv(top .. "/data/iris.csv"))
t.is(iris:nrow(), 150, "iris has 150 rows")
t.is(iris:ncol(), 5, "iris has 5 columns")
t.is(#iris, 150, "# is the row count")
t.is(iris:names()[5], "Species", "names in file order")
t.is(iris:kinds()[1], "num", "numeric column is num")
t.is(iris:kinds()[5], "cat", "species is categorical")
t.is(#iris:hash(), 64, "hash is 64 hex digits")
t.is(iris:hash(), assert(wb.read_csv(top .. "/data/iris.csv")):hash(), "same file, same hash")
t.is(table.concat(iris:levels("Species"), ","), "setosa,versicolor,virginica", "levels sorted")

local col = iris:col("Sepal.Length")
t.is(#col, 150, "col returns every value")
t.is(col[1], 5.1, "first value")
t.is(iris:row(1).Species, "setosa", "row as a table")

-- write -> read gives the same content and hash
assert(iris:write_csv(tmp))
local back = assert(wb.read_csv(tmp))
t.is(back:hash(), iris:hash(), "write_csv then read_csv gives the same hash")

-- derived frames
local s = iris:select{ "Species", "Petal.Length" }
t.is(table.concat(s:names(), ","), "Species,Petal.Length", "select keeps the given order")
t.is(iris:drop("Species"):ncol(), 4, "drop")
t.is(iris:rename{ Species = "y" }:names()[5], "y", "rename")
t.is(iris:head(3):nrow(), 3, "head")
t.is(iris:tail(4):row(4)["Sepal.Length"], 5.9, "tail ends at the last row")
t.is(iris:slice(11, 5):nrow(), 5, "slice")
t.ok(iris:head(3):hash() ~= iris:head(4):hash(), "different params, different lineage hash")
t.is(iris:head(3):hash(), iris:head(3):hash(), "same op, same lineage hash")

local wide = iris:filter("`Petal.Length` > 5 and Species == 'virginica'")
t.is(wide:nrow(), 41, "vectorised filter")
local viaLua = iris:filter(function(r) return r["Petal.Length"] > 5 and r.Species == "virginica" end)
t.is(viaLua:nrow(), 41, "Lua predicate filter agrees")

local sorted = iris:sort{ { "Sepal.Length", desc = true }, "Sepal.Width" }
t.is(sorted:row(1)["Sepal.Length"], 7.9, "sort descending")

local train, test = iris:split{ test = 0.2, stratify = "Species", seed = 1 }
t.is(train:nrow() + test:nrow(), 150, "split covers every row")
t.is(test:nrow(), 30, "20% in test")
local tr2 = iris:split{ test = 0.2, stratify = "Species", seed = 1 }
t.is(tr2:hash(), train:hash(), "same seed, same split")

t.is(iris:sample{ n = 10, seed = 3 }:nrow(), 10, "sample n")

local d = iris:describe()
t.is(d:nrow(), 5, "describe has a row per column")
t.is(d:row(1).column, "Sepal.Length", "describe names the column")
t.near(d:row(1).mean, 5.8433333333333, 1e-9, "describe mean")

local vc = iris:value_counts("Species")
t.is(vc:row(1).count, 50, "value counts")
local g = iris:group_by("Species", { "count", "mean(Petal.Length) as pl" })
t.is(g:nrow(), 3, "group_by groups")
t.near(g:row(1).pl, 1.462, 1e-9, "group_by mean")

-- wb.frame from Lua tables
local f = wb.frame({ x = { 1, 2, wb.NA }, y = { "a", "b", "a" } }, { "y", "x" })
t.is(f:kinds()[2], "int", "integers make an int column")
t.is(f:row(3).x, nil, "wb.NA is missing")
t.is(tostring(f:col("x")[3]), "NA", "missing shows as NA in column arrays")

-- printing
local text = tostring(iris:head(3))
t.like(text, "3 rows x 5 columns", "tostring header")
t.like(text, "<num>", "tostring shows kinds")
t.like(text, "setosa", "tostring shows values")

-- operational failures are nil, msg; misuse raises
local none, msg = wb.read_csv(top .. "/data/nope.csv")
t.is(none, nil, "missing file returns nil")
t.like(msg, "nope.csv", "and a message naming it")
local bad, bmsg = iris:select{ "Sepal.Lenght" }
t.is(bad, nil, "unknown column returns nil")
t.like(bmsg, "Sepal.Lenght", "message names the column")
t.raises(function() iris:split{ tst = 0.2 } end, "unknown option 'tst'", "unknown option raises")
t.raises(function() iris:head("x") end, "bad argument", "wrong type raises")

-- cast: through the text, errors name column, row and value
local cf = wb.frame{ n = { "1", "2", "x7" }, b = { "yes", "no", wb.NA }, i = { 1.0, 2.0, 3.0 },
                     d = { "2024-01-02", "2024-03-04T05:06:07Z", wb.NA } }
local c1 = assert(cf:cast{ i = "int", b = "bool", d = "time" })
local kinds = {}
for k, name in ipairs(c1:names()) do kinds[name] = c1:kinds()[k] end
t.is(kinds.i .. "," .. kinds.b .. "," .. kinds.d, "int,bool,time", "cast kinds")
t.is(c1:col("b")[1], true, "yes is true")
t.is(tostring(c1:col("b")[3]), "NA", "missing stays missing")
t.is(c1:col("i")[3], 3, "3.0 casts to the integer 3")
local c2, cerr = cf:cast{ n = "num" }
t.is(c2, nil, "a value that does not convert fails the cast")
t.like(cerr, "column 'n' row 3: 'x7' is not a number", "the error names column, row and value")
local c3 = assert(iris:cast{ Species = "str", ["Sepal.Length"] = "str" })
t.is(c3:kinds()[1] .. "," .. c3:kinds()[5], "str,str", "cast to str")
t.is(c3:cast{ ["Sepal.Length"] = "num" }:content_hash(), iris:cast{ Species = "str" }:content_hash(),
  "num -> str -> num round-trips exactly")
t.ok(c1:hash() ~= cf:hash(), "a cast frame has its own lineage hash")
t.raises(function() cf:cast{ n = "float" } end, "unknown kind 'float'", "unknown kind raises")
local c4, c4err = cf:cast{ nn = "num" }
t.like(c4err, "unknown column 'nn'", "unknown column")

-- run_list / run_info read the run log this recipe is recorded in
local runs = wb.run_list{ limit = 1 }
t.is(#runs, 1, "run_list with a limit")
t.is(runs[1].id, wb.run_id(), "the newest run is this one")
t.is(runs[1].status, "running", "still running")
t.is(wb.run_info().id, wb.run_id(), "run_info of the current run")
t.raises(function() wb.run_list{ limt = 1 } end, "unknown option 'limt'", "run_list options")

-- read_sql
local db = tmp .. ".db"
os.execute(("sqlite3 %q \"create table t(a integer, b real, c text); insert into t values (1, 2.5, 'x'), (2, NULL, 'y'), (3, 1.0, 'x');\""):format(db))
local q = assert(wb.read_sql(db, "select * from t order by a"))
t.is(q:nrow(), 3, "read_sql rows")
t.is(table.concat(q:kinds(), ","), "int,num,cat", "read_sql kinds")
local nq, qmsg = wb.read_sql(db, "select * from nope")
t.is(nq, nil, "bad query returns nil")
t.like(qmsg, "no such table", "with sqlite's message")
os.remove(db)
os.remove(tmp)
t.done()
