-- Models from Lua: every family trains on raw bundled data through its
-- default recipe, predicts, evaluates, saves and reloads identically; the
-- bad cases fail with messages that name what is wrong; cv and check.
local t = require("wb.tap")
local top = os.getenv("WB_TEST_TOP") or "."
local tmp = os.tmpname()

local function read(name) return assert(wb.read_csv(top .. "/data/" .. name)) end
local iris, credit, diabetes = read("iris.csv"), read("credit.csv"), read("diabetes.csv")
local penguins = read("penguins.csv")

local names = wb.models()
table.sort(names)
t.is(table.concat(names, ","), "forest,gbdt,kmeans,knn,linear,logistic,naive_bayes,tree",
  "every family is registered")

-- Classification on raw data (missing values, categorical columns).
local ctrain, ctest = credit:split{ test = 0.25, stratify = "Status", seed = 3 }
local quick = {
  logistic = {}, tree = { max_depth = 5 }, forest = { trees = 30 },
  gbdt = { rounds = 40 }, knn = { k = 15 }, naive_bayes = {},
}
for _, fam in ipairs{ "logistic", "tree", "forest", "gbdt", "knn", "naive_bayes" } do
  local m, err = wb.train{ data = ctrain, target = "Status", model = fam, params = quick[fam] }
  t.ok(m, fam .. " trains on credit (raw, with missing values)")
  if not m then print("# " .. tostring(err)) goto continue end
  do
    local info = m:info()
    t.is(info.task, "classification", fam .. ": classification")
    t.is(table.concat(info.classes, ","), "bad,good", fam .. ": classes")
    local p = assert(m:predict(ctest))
    t.is(table.concat(p:names(), ","), "pred,p_bad,p_good", fam .. ": prediction columns")
    local pb, pg = p:col("p_bad"), p:col("p_good")
    local okp = true
    for i = 1, #pb do
      if not (pb[i] >= 0 and pg[i] >= 0 and math.abs(pb[i] + pg[i] - 1) < 1e-9) then okp = false end
    end
    t.ok(okp, fam .. ": probabilities are in [0,1] and sum to 1")
    local ev = assert(wb.evaluate(m, ctest))
    t.ok(ev.auc > 0.70, fam .. ": test AUC above 0.70 (" .. string.format("%.3f", ev.auc) .. ")")
    t.ok(ev.accuracy > 0.70, fam .. ": accuracy above 0.70")
    t.is(#ev.confusion, 2, fam .. ": 2x2 confusion matrix")
    -- save / load: same bytes, same predictions
    assert(m:save(tmp))
    local back = assert(wb.load_model(tmp))
    t.is(back:hash(), m:hash(), fam .. ": reload keeps the hash")
    t.is(back:predict(ctest):content_hash(), p:content_hash(), fam .. ": reload predicts the same")
    -- same data + seed => same model
    local again = assert(wb.train{ data = ctrain, target = "Status", model = fam, params = quick[fam] })
    t.is(again:hash(), m:hash(), fam .. ": deterministic")
  end
  ::continue::
end

-- Multiclass.
for _, fam in ipairs{ "logistic", "forest", "gbdt", "tree", "knn", "naive_bayes" } do
  local tr, te = iris:split{ test = 0.3, stratify = "Species", seed = 5 }
  local m = assert(wb.train{ data = tr, target = "Species", model = fam, params = fam == "gbdt" and { rounds = 30 } or nil })
  local ev = assert(wb.evaluate(m, te, { log = false }))
  t.ok(ev.accuracy >= 0.85, fam .. ": iris accuracy " .. string.format("%.3f", ev.accuracy))
  t.is(#m:info().classes, 3, fam .. ": three classes")
end

-- Regression.
local dtrain, dtest = diabetes:split{ test = 0.25, seed = 4 }
for _, fam in ipairs{ "linear", "tree", "forest", "gbdt", "knn" } do
  local m = assert(wb.train{ data = dtrain, target = "progression", model = fam,
    params = fam == "tree" and { max_depth = 3 } or nil })
  t.is(m:info().task, "regression", fam .. ": regression")
  local ev = assert(wb.evaluate(m, dtest, { log = false }))
  t.ok(ev.r2 > 0.2, fam .. ": diabetes r2 " .. string.format("%.3f", ev.r2))
  t.ok(ev.rmse > 0 and ev.mae > 0, fam .. ": rmse and mae")
end

-- Linear model's default recipe handles penguins' missing values and text.
local lm = assert(wb.train{ data = penguins:filter("not is_missing(body_mass_g)"), target = "body_mass_g", model = "linear" })
t.ok(#lm:info().features > 6, "linear: one-hot features from categorical columns")
local imp = lm:importance()
t.ok(imp and #imp == #lm:info().features, "linear: importance per feature")

-- kmeans clusters without a target.
local km = assert(wb.train{ data = iris:drop("Species"), model = "kmeans", params = { k = 3 } })
t.is(km:info().task, "clustering", "kmeans: clustering")
local cl = km:predict(iris):col("pred")
local seen = {}
for _, c in ipairs(cl) do seen[c] = true end
t.ok(seen[0] and seen[1] and seen[2] and not seen[3], "kmeans: three clusters 0..2")

-- Importance for trees sums to 1.
local fm = assert(wb.train{ data = ctrain, target = "Status", model = "forest", params = { trees = 10 } })
local sum = 0
for _, e in ipairs(fm:importance()) do sum = sum + e.importance end
t.near(sum, 1, 1e-9, "forest importance sums to 1")

-- Bad cases: operational failures come back as nil, message.
local m, err = wb.train{ data = ctrain, target = "Statuz", model = "gbdt" }
t.ok(not m and err:find("'Statuz'") and err:find("did you mean 'Status'"), "missing target is named")
m, err = wb.train{ data = ctrain, target = "Status", model = "gbdt", params = { learning_rate = 0 } }
t.ok(not m and err:find("learning_rate"), "invalid value names the parameter: " .. tostring(err))
m, err = wb.train{ data = ctrain, target = "Status", model = "gbdt", params = { rouds = 10 } }
t.ok(not m and err:find("unknown parameter 'rouds'") and err:find("rounds"), "unknown parameter lists valid ones")
m, err = wb.train{ data = ctrain, target = "Status", model = "tree", params = { max_depth = -1 } }
t.ok(not m and err:find("max_depth"), "negative depth names max_depth")
m, err = wb.train{ data = ctrain, target = "Status", model = "boost" }
t.ok(not m and err:find("unknown model 'boost'"), "unknown family")
m, err = wb.train{ data = ctrain:filter("Status == 'good'"), target = "Status", model = "logistic" }
t.ok(not m and err:find("single class"), "single-class target")
m, err = wb.train{ data = ctrain:head(0), target = "Status", model = "gbdt" }
t.ok(not m and err:find("no rows"), "empty frame")
m, err = wb.train{ data = diabetes, target = "progression", model = "logistic", task = "regression" }
t.ok(not m and err:find("only classifies"), "classifier asked to regress")
t.raises(function() wb.train{ data = ctrain, target = "Status", modle = "gbdt" } end,
  "unknown option 'modle'", "misspelt option raises")

-- Constant and all-missing features do not break any family.
local odd = wb.frame{
  x = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12 },
  c = { 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5 },
  z = { wb.NA, wb.NA, wb.NA, wb.NA, wb.NA, wb.NA, wb.NA, wb.NA, wb.NA, wb.NA, wb.NA, wb.NA },
  y = { "a", "a", "a", "b", "a", "b", "b", "b", "a", "b", "b", "a" },
}
for _, fam in ipairs{ "logistic", "tree", "forest", "gbdt", "knn", "naive_bayes" } do
  local om, oerr = wb.train{ data = odd, target = "y", model = fam, params = fam == "knn" and { k = 3 } or nil }
  t.ok(om, fam .. ": constant and all-missing features are fine " .. tostring(oerr))
  if om then
    local p = om:predict(odd):col("p_a")
    local finite = true
    for _, v in ipairs(p) do if v ~= v then finite = false end end
    t.ok(finite, fam .. ": no NaN probabilities")
  end
end

-- More classes in test than in train: counted as unseen, never a crash.
local three = wb.frame{ x = { 1, 2, 3, 4 }, y = { "a", "b", "c", "c" } }
local two = assert(wb.train{ data = wb.frame{ x = { 1, 2, 3, 4 }, y = { "a", "b", "a", "b" } },
  target = "y", model = "tree" })
local ev3 = assert(wb.evaluate(two, three, { log = false }))
t.is(ev3.unseen, 2, "rows of an unseen class are counted")
t.ok(ev3.accuracy <= 0.5, "and count as wrong")

-- Cross-validation.
local cv = assert(wb.cv{ data = credit, target = "Status", model = "logistic", folds = 4 })
t.is(#cv.folds, 4, "cv: four folds")
t.is(cv.metric, "auc", "cv: AUC is the primary metric for classification")
t.ok(cv.mean.auc > 0.75 and cv.sd.auc >= 0, "cv: mean and sd")
local n = 0
for _, f in ipairs(cv.folds) do n = n + f.n_test end
t.is(n, credit:nrow(), "cv: every row is tested exactly once")
local cmp = assert(wb.cv{ data = credit, target = "Status", folds = 5, repeats = 2,
  models = { "logistic", { model = "gbdt", params = { rounds = 30 }, name = "gb" } } })
t.is(#cmp.models, 2, "cv: two models")
t.is(#cmp.models[1].folds, 10, "cv: 5 folds x 2 repeats")
t.is(cmp.compare[1].a, "gb", "cv: comparison names the model")
t.ok(cmp.compare[1].p >= 0 and cmp.compare[1].p <= 1, "cv: corrected t-test p-value")
local ts = assert(wb.cv{ data = diabetes, target = "progression", model = "linear", kind = "time", folds = 3 })
t.is(ts.folds[1].n_train < ts.folds[3].n_train, true, "cv time series: training grows")
local grouped = assert(wb.cv{ data = penguins, target = "species", model = "tree", group = "island", folds = 3 })
t.is(#grouped.folds, 3, "cv grouped by island")
local bad, berr = wb.cv{ data = iris, target = "Species", model = "tree", folds = 500 }
t.ok(not bad and berr:find("cannot make 500 folds"), "too many folds")

-- Gates.
t.is(wb.check{ metric = "auc", min = 0.5, value = 0.9 }, 0.9, "check passes and returns the value")
t.raises(function() wb.check{ metric = "auc", min = 0.95, value = 0.9 } end,
  "check failed: auc = 0.9, expected >= 0.95", "check fails with the numbers")
t.raises(function() wb.check{ metric = "rmse", max = 1, metrics = { rmse = 2 } } end,
  "expected <= 1", "max bound")
t.raises(function() wb.check{ metric = "auc" } end, "give min, max or both", "check needs a bound")

os.remove(tmp)
t.done()
