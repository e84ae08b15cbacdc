-- wb plot: the recipe that `wb plot KIND ...` runs (see `wb plot --help`).
-- Its text is stored with the run like any recipe.  The command line
-- arrives in wb.params:
--   kind; arg.1, arg.2, ... (positional arguments after the kind);
--   model.1, model.2, ... (--model: a model JSON file or a run id);
--   opt.<name> = value (--set name=value and the shortcut flags);
--   output (-o), size ("WxH"), text ("1": no sixel), script ("1").
local p = wb.params
local kind = p.kind

local args, models, opts = {}, {}, {}
for i = 1, 64 do
  if p["arg." .. i] == nil then break end
  args[i] = p["arg." .. i]
end
for i = 1, 16 do
  if p["model." .. i] == nil then break end
  models[i] = p["model." .. i]
end
for k, v in pairs(p) do
  local name = type(k) == "string" and k:match("^opt%.(.+)$")
  if name then opts[name] = v end
end
if next(opts) == nil then opts = nil end

local function fail(msg) error(msg, 0) end

local function read(path)
  local f, err = wb.read_csv(path)
  if not f then fail(err) end
  return f
end

local function need(n, what)
  if #args < n then fail("wb plot " .. kind .. ": " .. what) end
end

-- A model: a JSON file, or the model a run trained (its "model" artifact).
local function load_model(ref)
  local f = io.open(ref, "r")
  if f then
    f:close()
    local m, err = wb.load_model(ref)
    if not m then fail(err) end
    return m, (ref:match("([^/]+)%.json$") or ref)
  end
  local run, err = wb.run_info(ref)
  if not run then
    fail("--model '" .. ref .. "': not a model file, and " .. err)
  end
  for i = #run.artifacts, 1, -1 do
    local a = run.artifacts[i]
    if a.kind == "model" then
      local m, e2 = wb.load_model(a.path)
      if not m then fail(e2) end
      local fam = m:info().family
      return m, fam .. "@" .. run.id:sub(1, 8)
    end
  end
  fail("run " .. run.id:sub(1, 12) .. " trained no model (it has no model artifact)")
end

local frame_kinds = { hist = 1, bar = 1, scatter = 2, line = 2, box = 1, corr = 0 }
local scored_kinds = { roc = 1, pr = 1, calibration = 1, confusion = 1,
                       residuals = 1, predicted = 1 }
local plot

if frame_kinds[kind] then
  need(1 + frame_kinds[kind], "needs a data file" ..
       (frame_kinds[kind] > 0 and " and " .. frame_kinds[kind] .. " column(s)" or ""))
  local data = read(args[1])
  local call = { data }
  for i = 2, #args do call[#call + 1] = args[i] end
  call[#call + 1] = opts
  plot = assert(wb.plot[kind](table.unpack(call, 1, #args + 1)))
elseif scored_kinds[kind] then
  need(1, "needs a data file with the target column (e.g. the test set)")
  if #models == 0 then fail("wb plot " .. kind .. ": needs --model MODEL.json or --model RUN") end
  local data = read(args[1])
  local named = {}
  for _, ref in ipairs(models) do
    local m, name = load_model(ref)
    while named[name] do name = name .. "'" end
    named[name] = m
  end
  local what = named
  if #models == 1 then what = next(named) and select(2, next(named)) end
  plot = assert(wb.plot[kind](what, data, opts))
elseif kind == "importance" then
  if #models ~= 1 then fail("wb plot importance: needs one --model MODEL.json or --model RUN") end
  plot = assert(wb.plot.importance((load_model(models[1])), opts))
elseif kind == "learning" then
  need(1, "needs a run id (a run that trained a gbdt)")
  plot = assert(wb.plot.learning(args[1], opts))
elseif kind == "cv" then
  need(1, "needs a run id (a run that called wb.cv)")
  local run, err = wb.run_info(args[1])
  if not run then fail(err) end
  -- cv_<metric>@<model> series, one per model, steps = folds.
  local series, order, metric = {}, {}, opts and opts.metric
  for _, m in ipairs(run.metrics) do
    local met, name = m.key:match("^cv_([%w_]+)@(.+)$")
    if met and (metric == nil or met == metric) and m.step and m.step >= 0 then
      metric = met
      if not series[name] then series[name] = {}; order[#order + 1] = name end
      series[name][m.step] = m.value
    end
  end
  if #order == 0 then
    fail("run " .. run.id:sub(1, 12) .. " has no cross-validation fold scores (run wb.cv in it)")
  end
  local result = { metric = metric, models = {} }
  for _, name in ipairs(order) do
    local folds = {}
    for i, v in ipairs(series[name]) do folds[i] = { [metric] = v } end
    result.models[#result.models + 1] = { name = name, folds = folds }
  end
  plot = assert(wb.plot.cv(result, opts))
elseif kind == "gnuplot" then
  need(1, "needs a gnuplot script file (and optionally a data file and columns)")
  local f, err = io.open(args[1], "r")
  if not f then fail("cannot open gnuplot script '" .. args[1] .. "': " .. err:gsub("^[^:]*: ", "")) end
  local script = f:read("a")
  f:close()
  local data = args[2] and read(args[2]) or nil
  local cols = {}
  for i = 3, #args do cols[#cols + 1] = args[i] end
  if data then
    plot = assert(wb.plot.gnuplot(script, data, #cols > 0 and cols or nil, opts))
  else
    plot = assert(wb.plot.gnuplot(script, opts))
  end
else
  local names = {}
  for _, k in ipairs(wb.plot.kinds()) do names[#names + 1] = k.name end
  fail("unknown plot kind '" .. tostring(kind) .. "' (kinds: " .. table.concat(names, ", ") .. ")")
end

local w, h
if p.size then
  w, h = p.size:match("^(%d+)x(%d+)$")
  w, h = tonumber(w), tonumber(h)
end

WB_RESULT = { kind = kind, note = plot:info().note }
if p.script then
  local fmt = "text"
  if p.output then fmt = p.output:match("%.(%a+)$"):lower() end
  io.write(plot:script(fmt))
elseif p.output then
  local path, sha = plot:save(p.output, w and { width = w, height = h } or nil)
  if not path then fail(sha) end
  WB_RESULT.output, WB_RESULT.sha256 = path, sha
else
  if p.text then wb.config.plot_terminal = "text" end
  local ok, err = plot:show(w, h)
  if not ok then fail(err) end
end
