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
