-- Feature recipe on the credit data: missing values, categoricals, a target.
--   wb run recipes/credit.lua [--seed N]
-- Fits on the training split, applies to the test split, prints what each
-- step learned, and checks the properties scoring relies on.
local credit = assert(wb.read_csv(wb.datadir .. "/data/credit.csv"))
local train, test = credit:split{ test = 0.2, stratify = "Status", seed = wb.seed or 1 }

local recipe = wb.recipe{ target = "Status",
  -- numeric: median-impute with indicators, tame the long tails, scale
  wb.step.impute{ wb.numeric(), method = "median", indicator = true },
  wb.step.clip{ { "Income", "Assets", "Debt" }, q_upper = 0.99 },
  wb.step.yeo_johnson{ { "Income", "Assets" } },
  wb.step.standardize{ wb.numeric() - wb.match("_missing$") },
  -- categorical: the most frequent level, then one-hot with rare levels pooled
  wb.step.impute{ wb.categorical(), method = "mode" },
  wb.step.one_hot{ wb.categorical() - "Job", min_freq = 0.01 },
  -- Job against the target, out of fold so training rows never see their own label
  wb.step.target_encode{ "Job", smoothing = 10, folds = 5 },
  wb.step.drop_nzv{ wb.all_predictors() },
}

local fitted, baked = assert(recipe:fit(train))
print(fitted)

local x_test = assert(fitted:apply(test))
print(("train %d x %d -> %d x %d; test %d rows"):format(train:nrow(), train:ncol(),
  baked:nrow(), baked:ncol(), x_test:nrow()))

-- properties a scorer relies on
local function names(f) return table.concat(f:names(), ",") end
assert(names(x_test) == names(baked), "train and test features differ")
for _, name in ipairs(x_test:names()) do
  if name ~= "Status" then
    for _, v in ipairs(x_test:col(name)) do
      assert(v ~= wb.NA, ("missing value left in '%s'"):format(name))
    end
  end
end
-- the fitted recipe is data: it reloads and applies bit-identically
local again = assert(wb.recipe_load(fitted:to_json()))
assert(again:apply(test):content_hash() == x_test:content_hash(), "reloaded recipe differs")
-- scoring rows arrive without the target
assert(fitted:apply(test:drop("Status")):ncol() == x_test:ncol() - 1)
print("recipe " .. fitted:hash():sub(1, 12) .. ": all checks passed")
