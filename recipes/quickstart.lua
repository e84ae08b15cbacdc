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
