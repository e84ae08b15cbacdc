-- quickstart.lua — a first tour of wb on the bundled credit data.
--
--   wb run recipes/quickstart.lua            (or: make run)
--   wb runs                                  every run, newest first
--   wb show <id>                             this run's steps, hashes and recipe
--
-- Every call below that makes a frame is a step in the run log, with its
-- parameters and the hashes of what it read and made.

local data = wb.params.data or (wb.datadir .. "/data/credit.csv")
local credit = assert(wb.read_csv(data))
print(credit)

-- Column summaries: count, missing, mean, quartiles, distinct, top value.
print(credit:describe():select{ "column", "kind", "missing", "mean", "median", "distinct", "top" })

-- How the classes are balanced, and how they differ by home ownership.
print(credit:value_counts("Status"))
print(credit:group_by("Home", { "count", "mean(Income)", "median(Amount)" }))

-- A vectorised filter (evaluated in C over whole columns) and a sort.
local big = credit:filter("Amount > 1500 and not is_missing(Income)")
               :sort{ { "Amount", desc = true }, "Age" }
print(big:head(5))

-- A stratified split with the run's seed (--seed N to change it).
local train, test = credit:split{ test = 0.2, stratify = "Status" }
wb.log_metric("train_rows", train:nrow())
wb.log_metric("test_rows", test:nrow())
wb.log_param("data", data)
print(("train %d rows, test %d rows, seed %d"):format(train:nrow(), test:nrow(), wb.seed))

-- A model on the raw training split: gbdt's default recipe keeps missing
-- values (they learn a default direction) and codes the categoricals.
local model = assert(wb.train{ data = train, target = "Status", model = "gbdt",
                               params = { rounds = 150, max_depth = 4, learning_rate = 0.05 } })
print(model)
local ev = assert(wb.evaluate(model, test))
print(("test: auc %.3f  accuracy %.3f  logloss %.3f"):format(ev.auc, ev.accuracy, ev.logloss))
for i, e in ipairs(model:importance()) do
  if i > 5 then break end
  print(("  %-10s %.3f"):format(e.feature, e.importance))
end

-- Look rather than read: the ROC curve in the terminal, and as a PNG that
-- is recorded with its sha256 as an artifact of this run (`wb show`).
wb.plot.roc(ev):show(72, 22)
os.execute("mkdir -p plots")
local png = assert(wb.plot.roc(ev):save("plots/roc.png"))
assert(wb.plot.importance(model, { top = 10 }):save("plots/importance.png"))
print("saved " .. png .. " and plots/importance.png")

-- Is it better than a logistic regression?  Same 5 folds for both, and a
-- corrected paired t-test (as Weka's Experimenter reports it).
local cmp = assert(wb.cv{ data = train, target = "Status", folds = 5,
  models = { "logistic", { model = "gbdt", params = { rounds = 150, max_depth = 4, learning_rate = 0.05 } } } })
for _, m in ipairs(cmp.models) do
  print(("cv %-9s auc %.3f ± %.3f"):format(m.name, m.mean.auc, m.sd.auc))
end
wb.plot.cv(cmp):save("plots/cv.png")
local c = cmp.compare[1]
print(("%s - %s: %+.4f auc, t = %.2f, p = %.3f"):format(c.a, c.b, c.diff, c.t, c.p))

-- A gate, as CI would use it: the run fails with exit code 3 below 0.80.
wb.check{ metric = "auc", min = 0.80 }
