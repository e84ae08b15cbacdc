-- wb train: the recipe that `wb train FILE --target COL ...` runs.
-- Its full text is stored with the run like any recipe, so the run can be
-- replayed; the command line arrives in wb.params:
--   file, target, model, test, split, valid, task, output (strings) and
--   model.<name> = value for each --set name=value (typed).
local p = wb.params

local function read(path)
  local f, err = wb.read_csv(path)
  if not f then error(err, 0) end
  return f
end

local function kind_of(frame, name)
  local names, kinds = frame:names(), frame:kinds()
  for i, n in ipairs(names) do
    if n == name then return kinds[i] end
  end
end

local data = read(p.file)
local params = {}
for k, v in pairs(p) do
  local name = type(k) == "string" and k:match("^model%.(.+)$")
  if name then params[name] = v end
end

local train, test = data, nil
if p.test then
  test = read(p.test)
elseif p.split then
  local frac = tonumber(p.split)
  local opts = { test = frac, seed = wb.seed }
  local kind = kind_of(data, p.target)
  if kind == "cat" or kind == "str" or kind == "bool" or p.task == "classification" then
    opts.stratify = p.target
  end
  train, test = data:split(opts)
end
local valid = p.valid and read(p.valid) or nil

local model, err = wb.train{
  data = train, target = p.target, model = p.model, params = params,
  valid = valid, task = p.task,
}
if not model then error(err, 0) end

local eval_on, prefix = test, ""
if not test then eval_on, prefix = train, "train_" end
local metrics = {}
local info = model:info()
if info.task ~= "clustering" then
  local ev, e2 = wb.evaluate(model, eval_on, { prefix = prefix })
  if not ev then error(e2, 0) end
  for k, v in pairs(ev) do
    if type(v) == "number" and k ~= "n" and k ~= "unseen" and k ~= "skipped" then
      metrics[prefix .. k] = v
    end
  end
end
if p.output then
  local ok, e3 = model:save(p.output)
  if not ok then error(e3, 0) end
end

WB_RESULT = {
  model = info.family, task = info.task, target = info.target,
  classes = info.classes, features = #info.features,
  metrics = metrics, evaluated_on = test and "test" or "train",
  train_seconds = info.train_seconds, train_rows = train:nrow(),
  test_rows = test and test:nrow() or 0, model_sha256 = info.hash,
  output = p.output,
}
