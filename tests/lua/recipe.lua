-- Recipes from Lua: selectors, steps, fit/apply, JSON round trip, custom
-- steps, printing, and errors (raised misuse vs nil, msg).
local t = require("wb.tap")
local top = os.getenv("WB_TEST_TOP") or "."

local credit = assert(wb.read_csv(top .. "/data/credit.csv"))
local function has(f, name)
  for _, n in ipairs(f:names()) do if n == name then return true end end
  return false
end
local train, test = credit:split{ test = 0.25, stratify = "Status", seed = 7 }

local r = wb.recipe{ target = "Status", seed = 3,
  wb.step.impute{ wb.numeric(), method = "median", indicator = true },
  wb.step.impute{ wb.categorical(), method = "mode" },
  wb.step.standardize{ wb.numeric() - wb.match("_missing$") },
  wb.step.one_hot{ wb.categorical() - "Job", min_freq = 0.02 },
  wb.step.target_encode{ "Job", smoothing = 5 },
}
t.like(tostring(r), "recipe (not fitted, 5 steps, target 'Status'", "tostring of a recipe")
t.like(tostring(wb.numeric() - "Age"), "numeric() - 'Age'", "selector difference prints")
t.like(tostring(wb.all_predictors() - wb.match("^Se") + { "x" }), "all_predictors() - match('^Se') + 'x'",
  "selector union and difference")

local fitted, baked = r:fit(train)
t.ok(fitted, "fit returns a fitted recipe")
t.is(baked:nrow(), train:nrow(), "fit also returns the baked training frame")
local names = baked:names()
t.is(names[1], "Status", "the target passes through in place")
t.is(names[3], "Seniority_missing", "indicator follows its column")
t.ok(has(baked, "Home_owner"), "one_hot columns are <col>_<level>")
t.is(baked:kinds()[4], "num", "one_hot columns are num")

local s = tostring(fitted)
t.like(s, "median: Seniority=", "tostring shows learned medians")
t.like(s, "Home: 5 levels", "tostring shows vocabularies")
t.like(s, "Job: prior=", "tostring shows target encodings")

local out = assert(fitted:apply(test))
t.is(out:ncol(), baked:ncol(), "apply gives the same columns as training")
t.is(table.concat(out:names(), ","), table.concat(fitted:outputs(), ","), "outputs() lists them")

-- no missing values survive the imputation
local n_missing = 0
for _, v in ipairs(out:col("Income")) do if v == wb.NA then n_missing = n_missing + 1 end end
t.is(n_missing, 0, "no missing Income after impute")

-- JSON round trip: same bytes, same applied frame
local json = fitted:to_json()
local back = assert(wb.recipe_load(json))
t.is(back:to_json(), json, "to_json -> recipe_load -> to_json is byte-identical")
t.is(back:hash(), fitted:hash(), "same recipe hash")
t.is(back:apply(test):content_hash(), out:content_hash(), "loaded recipe applies bit-identically")
t.like(json, '"format": "wb.recipe"', "JSON names its format")

-- refit gives identical bytes (determinism)
local again = r:fit(train)
t.is(again:to_json(), json, "refitting gives identical JSON")

-- scoring without the target column
local x_only = test:drop("Status")
local scored = assert(fitted:apply(x_only))
t.ok(scored:names()[1] ~= "Status" and scored:ncol() == out:ncol() - 1, "apply works without the target")

-- operational failures: nil, msg
local nojob = test:drop("Job")
local res, msg = fitted:apply(nojob)
t.is(res, nil, "missing column -> nil")
t.is(msg, "step 2 (impute): column 'Job' is missing", "missing column message")
local bad = wb.recipe{ wb.step.standardize{ "Home" } }
res, msg = bad:fit(train)
t.is(msg, "step 1 (standardize): column 'Home' is cat, expected num or int", "wrong kind message")
res, msg = wb.recipe_load('{"format": "wb.recipe", "version": 7}')
t.is(msg, "recipe JSON: $.version: unsupported version 7 (this wb reads 1)", "version checked")
res, msg = wb.recipe_load("not json")
t.like(msg, "recipe JSON: 1:", "malformed JSON gives line:column")

-- misuse raises
t.raises(function() wb.step.impute{ wb.numeric(), methd = "mean" } end,
  "unknown option 'methd' (valid: method, value, indicator, skip)", "unknown option raises")
t.raises(function() wb.step.impute{ wb.numeric(), method = "avg" } end,
  "option 'method' must be one of mean, median, mode, constant", "bad value raises")
t.raises(function() wb.step.standardize{ method = "x" } end, "needs a column selector",
  "a step without a selector raises")
t.raises(function() wb.recipe{ "impute" } end, "expected a step", "a recipe of non-steps raises")
t.raises(function() wb.recipe{ targt = "y" } end, "unknown option 'targt'", "unknown recipe option")
t.raises(function() r:fit("frame") end, "frame", "fit needs a frame")
t.raises(function() return wb.numeric() - 3 end, "selector", "bad selector operand raises")

-- strict recipes refuse extra columns
local strict = assert(wb.recipe{ strict = true, wb.step.standardize{ "Age" } }:fit(train:select{ "Age" }))
res, msg = strict:apply(train:select{ "Age", "Income" })
t.like(msg, "column 'Income' was not in the training data", "strict refuses extra columns")
t.ok(wb.recipe{ wb.step.standardize{ "Age" } }:fit(train:select{ "Age" }):apply(train:select{ "Age", "Income" }),
  "non-strict ignores extra columns")

-- match with a bad pattern is an operational error at fit
res, msg = wb.recipe{ wb.step.standardize{ wb.match("[") } }:fit(train)
t.like(msg, "match('[')", "a bad Lua pattern is reported")

-- custom step: Lua fit and apply, JSON-able state, marked custom
local ratio = wb.step.custom{ { "Amount", "Price" }, name = "ratio",
  fit = function(f, cols) return { scale = 2 } end,
  apply = function(f, state, cols)
    local a, p = f:col("Amount"), f:col("Price")
    local v = {}
    for i = 1, #a do v[i] = a[i] / p[i] * state.scale end
    return f:drop{ "Amount" }:rename{ Price = "ratio2" }
  end }
local cr = wb.recipe{ target = "Status", ratio }
local cf = assert(cr:fit(train))
t.ok(cf:has_custom(), "custom step is marked")
t.like(cf:to_json(), '"custom": true', "custom marked in JSON")
t.like(cf:to_json(), '"scale": 2', "custom state stored in JSON")
t.ok(has(cf:apply(test), "ratio2"), "custom apply ran")
local cl = assert(wb.recipe_load(cf:to_json()))
res, msg = cl:apply(test)
t.like(msg, "custom code is not bound", "a loaded custom step without code refuses")
local cl2 = assert(wb.recipe_load(cf:to_json(), { custom = { ratio = { apply = function(f) return f end } } }))
t.ok(cl2:apply(test), "custom code can be bound again at load")
t.raises(function() wb.step.custom{ "Age", fit = function() end } end, "needs an apply function",
  "custom without apply raises")

-- custom code travels: apply's source is kept in the JSON, read back from
-- this file exactly; a loaded recipe runs it only with allow_custom, in a
-- sandbox, and gives the same frame
local code = cf:to_json():match('"code": "(function%(f, state, cols%).-end)"')
t.ok(code and code:find("state.scale", 1, true), "apply's source is stored in the recipe")
local cl3 = assert(wb.recipe_load(cf:to_json(), { allow_custom = true }))
t.is(cl3:apply(test):content_hash(), cf:apply(test):content_hash(),
  "stored code, run in the sandbox, gives the session's frame")
local k = 2
local up = wb.recipe{ target = "Status", wb.step.custom{ "Age", name = "up",
  apply = function(f) local _ = k; return f end } }
local upf = assert(up:fit(train))
t.unlike(upf:to_json(), '"code"', "a function using an outside local keeps no code")
local upm = assert(wb.train{ data = train, target = "Status", model = "logistic", recipe = up })
res, msg = wb.package(upm, os.tmpname() .. ".wbz")
t.like(msg, "recipe step 1 (custom 'up'): its apply function cannot be stored", "packaging it fails, naming the step")
t.like(msg, "uses 'k', a local variable", "and why")

-- custom steps as source strings run in the sandbox, in the session too
local str = wb.recipe{ target = "Status", wb.step.custom{ "Age", name = "s",
  fit = [[function(f, cols) local n = 0 for _, v in ipairs(f:col(cols[1])) do if v ~= wb.NA then n = n + 1 end end return { n = n } end]],
  apply = [[function(f, state) return f:rename{ Age = "Age_" .. state.n } end]] } }
local sf = assert(str:fit(train))
t.ok(has(sf:apply(test), "Age_" .. train:nrow()), "string fit and apply run (wb.NA, ipairs, f:col)")
local function sandboxed(src)
  local r = wb.recipe{ target = "Status", wb.step.custom{ "Age", name = "x", apply = src } }
  local fitted, e = r:fit(train)
  return fitted and "ran" or e
end
t.like(sandboxed([[function(f) io.write("x") return f end]]), "global 'io'", "no io in the sandbox")
t.like(sandboxed([[function(f) return os.exit(1) end]]), "global 'os'", "no os")
t.like(sandboxed([[function(f) return require("x") end]]), "global 'require'", "no require")
t.like(sandboxed([[function(f) return load("return 1")() end]]), "global 'load'", "no load")
t.like(sandboxed([[function(f) f:write_csv("/tmp/x.csv") return f end]]), "write_csv", "frames cannot write files")
t.like(sandboxed([[function(f) return wb.read_csv("/etc/passwd") end]]), "read_csv", "nor wb read them")
t.like(sandboxed([[function(f) SHARED = 1 return f end]]), "ran", "globals of its own are fine")
t.is(rawget(_G, "SHARED"), nil, "and do not leak into the session")
t.like(sandboxed([[function(f) return 42 end]]), "returned a number, expected a frame", "a non-frame result is named")
t.raises(function() wb.step.custom{ "Age", apply = "function(f) return f end end" } end,
  "custom.apply:1: <eof> expected", "a syntax error raises with the chunk and line")
t.raises(function() wb.step.custom{ "Age", apply = "return 1" } end, "unexpected symbol",
  "code that is not a function expression raises")
t.raises(function() wb.step.custom{ "Age", apply = "42" } end, "gives a number, not a function",
  "a value that is not a function raises")
t.raises(function() wb.step.custom{ "Age", apply = "function(f) return f end", fit = function() end } end,
  "both be functions or both be strings", "mixed fit and apply raise")
t.raises(function() wb.step.custom{ "Age", apply = "function(f) return f end", code = "x" } end,
  "'code' is kept by wb itself", "code cannot be set by hand")

-- the other steps from Lua
local all = wb.recipe{ target = "Status",
  wb.step.impute{ wb.numeric(), method = "mean" },
  wb.step.yeo_johnson{ { "Income", "Assets" } },
  wb.step.clip{ "Debt", q_upper = 0.95 },
  wb.step.bin{ "Age", bins = 4, method = "quantile" },
  wb.step.log{ "Price", log1p = true },
  wb.step.minmax{ "Amount" },
  wb.step.ordinal{ "Records" },
  wb.step.hash{ "Home", buckets = 8 },
  wb.step.poly{ "Time", degree = 2 },
  wb.step.interact{ { "Expenses", "Seniority" } },
  wb.step.drop_nzv{ wb.all_predictors() },
  wb.step.drop_corr{ wb.numeric(), threshold = 0.99 },
}
local af = assert(all:fit(train))
local ao = assert(af:apply(test))
t.ok(has(ao, "Time_pow2") and has(ao, "Expenses_x_Seniority"), "poly and interact columns exist")
local nh = 0
for _, n in ipairs(ao:names()) do if n:match("^Home_h%d$") then nh = nh + 1 end end
t.ok(nh > 1 and nh <= 8, "hash buckets (empty ones dropped by drop_nzv)")
t.is(ao:kinds()[#ao:kinds()], "num", "interactions appended as num")
t.like(tostring(af), "lambda:", "yeo_johnson lambdas shown")
t.like(tostring(af), "Age: edges", "bin edges shown")
t.is(wb.recipe_load(af:to_json()):apply(test):content_hash(), ao:content_hash(),
  "every step round-trips through JSON")

t.done()
