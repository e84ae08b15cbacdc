-- wb.pretty (how the REPL shows values) and wb.help (`?name`).
local t = require("wb.tap")
local pretty = require("wb.pretty")
local help = require("wb.help")
local top = os.getenv("WB_TEST_TOP") or "."

-- numbers
t.is(pretty.format(42), "42", "integers as integers")
t.is(pretty.format(3.0), "3.0", "an integral float keeps .0")
t.is(pretty.format(0.1 + 0.2), "0.3", "floats with 10 significant digits")
t.is(pretty.format(1 / 3), "0.3333333333", "a long float is cut to 10 digits")
t.is(pretty.format(1 / 0) .. " " .. pretty.format(-1 / 0), "inf -inf", "infinities")
t.is(pretty.format(0 / 0), "nan", "nan")

-- strings: raw at the top, quoted inside tables
t.is(pretty.format("a\tb"), "a\tb", "a string alone prints as it is")
t.is(pretty.format({ "x\n\"y\"" }), [[{ "x\n\"y\"" }]], "quoted and escaped inside a table")
t.like(pretty.format({ ("z"):rep(500) }), "(300 more bytes)", "long strings are shortened")
t.is(pretty.format({ "\0" .. "1" }), [[{ "\0001" }]], "control bytes as three digits")
t.is(pretty.format({ "é\255" }), [[{ "\195\169\255" }]], "not UTF-8: high bytes escaped")
t.is(pretty.format({ "中文" }), [[{ "中文" }]], "UTF-8 stays as it is")
t.like(pretty.format({ ("é"):rep(150) }), "...(100 more bytes)", "cut at a character boundary")

-- tables
t.is(pretty.format({}), "{}", "empty table")
t.is(pretty.format({ a = 1, b = { 2, 3 } }), "{ a = 1, b = { 2, 3 } }", "short tables on one line")
t.is(pretty.format({ 1, 2, x = true, ["two words"] = 1, [10] = "ten" }),
	[[{ 1, 2, [10] = "ten", ["two words"] = 1, x = true }]],
	"array part, then numbers, then names; odd keys bracketed")
t.is(pretty.format({ k10 = 1, k2 = 2, k1 = 3 }), "{ k1 = 3, k2 = 2, k10 = 1 }", "natural key order")
local many = {}
for i = 1, 50 do many[i] = i end
local s = pretty.format(many)
t.like(s, "... (30 more)", "long tables are capped")
t.ok(not s:find("21,", 1, true), "only the first 20 items")
local wide = {}
for i = 1, 12 do wide["name" .. i] = ("value %d"):format(i) end
local w = pretty.format(wide)
t.like(w, "{\n  name1 = \"value 1\",\n  name2 = ", "a wide table goes one entry per line")
t.like(w, "\n}", "closing brace on its own line")
local deep = { a = { b = { c = { d = { e = {} } } } } }
t.like(pretty.format(deep), "{...}", "nesting is capped")
local huge = {}
for i = 1, 30 do huge["t" .. i] = { a = { 1, 2 }, b = { 3, 4 }, c = { 5, 6 }, d = { 7, 8 } } end
local hs = pretty.format(huge)
t.like(hs, "{...}", "a total budget caps nested output")
t.ok(select(2, hs:gsub("\n", "")) < 30, "so printing _G stays short")
local cyc = {}
cyc.me = cyc
t.is(pretty.format(cyc), "{ me = <cycle> }", "cycles do not loop")
t.like(pretty.format(print), "function <builtin>", "C functions")
t.like(pretty.format(function() end), "function <", "Lua functions say where they are")

-- objects
local iris = assert(wb.read_csv(top .. "/data/iris.csv"))
local f = pretty.format(iris)
t.like(f, "frame: 150 rows x 5 columns", "a frame prints by its own tostring")
t.like(f, "Sepal.Length", "with its column names")
t.like(pretty.format({ data = iris }), "{ data = <frame: 150 rows x 5 columns", "inside a table: its first line")
t.is(pretty.format(wb.NA), "NA", "wb.NA")

-- results
t.is(pretty.results(3, 1, "a", nil), "1\ta\tnil", "several results are tab-separated")
t.like(pretty.results(2, iris:head(2), 1), "\n1", "a multi-line result puts one per line")

-- help
t.like(help.text("wb.train"), "wb.train{ data = f", "?wb.train")
t.like(help.text("frame:sort"), "frame:sort(keys)", "?frame:sort")
t.like(help.text("frame:tail"), "frame:head", "a second name on the first line")
d = iris
t.like(help.text("d:sort"), "frame:sort(keys)", "?d:sort for a live frame")
t.like(help.text("d"), "d is a frame", "?d lists a frame's methods")
d = nil
t.like(help.text("wb.plot.hist"), "wb.plot.hist(frame, column", "plot kinds from the live registry")
t.like(help.text("wb.step.impute"), "wb.step.<name>", "steps share one entry")
t.like(help.text("frame"), "frame:write_csv", "a group lists its topics")
t.like(help.text(""), "?NAME shows the documentation", "? alone is an overview")
t.like(help.text("string.format"), "manual.html#pdf-string.format", "Lua's own functions point at the manual")
local msg, missing = help.text("wb.trian")
t.like(msg, "no help for 'wb.trian'", "unknown topic")
t.like(msg, "wb.train", "with close matches")
t.ok(missing, "second result marks a miss")
local names = help.names()
t.ok(#names > 50, "every documented name")
for i = 2, #names do
	if names[i - 1] >= names[i] then
		t.ok(false, "names sorted: " .. names[i - 1] .. " >= " .. names[i])
	end
end

t.done()
