-- wb.tui — the Lua side of the TUI (`wb [FILE | RUNLOG]`).
--
-- Every action the TUI performs is a line of Lua that runs through the
-- session and is echoed in the console, so a session saves as a recipe that
-- `wb run` replays headless.  This module holds what those lines call and
-- what writes them:
--
--   wb.tui.runs([opts]) -> frame       the Runs sheet (one row per run)
--   wb.tui.run(id) -> frame            the Run sheet (steps, params, metrics, ...)
--   wb.tui.compare{ id, id, ... } -> frame   runs side by side, `same` per row
--   wb.tui.open(frame | plot [, title]) -> it   shows it in the TUI (a sheet or
--                                      the plot pane); headless it only names it
--   wb.tui.actions() -> { { id, keys, lua, help }, ... }   the TUI's action table
--   wb.tui.name(prefix) -> "d3"        the next free global name
--   wb.tui.code.<lua>(ctx) -> text     the Lua line an action runs
--
-- It works without the TUI too (a recipe saved from a session may call
-- wb.tui.runs), so nothing here touches the terminal.
local M = {}

M.active = false  -- true while the TUI runs (it sets this)
M._queue = {}     -- what wb.tui.open asked to show, drained by the TUI
M._actions = {}   -- the action table, filled by the TUI

local NA = wb.NA

-- The next free global name: prefix1, prefix2, ...
function M.name(prefix)
  local i = 1
  while rawget(_G, prefix .. i) ~= nil do i = i + 1 end
  return prefix .. i
end

local function kind_of(x)
  local mt = getmetatable(x)
  return type(mt) == "table" and mt.__name or type(x)
end

-- The global holding x, if any (so a sheet can be named after it).
local function global_name(x)
  for k, v in pairs(_G) do
    if v == x and type(k) == "string" and k:match("^[%a_][%w_]*$") then return k end
  end
end

function M.open(x, title)
  local kind = kind_of(x)
  if kind ~= "wb.frame" and kind ~= "wb.plot" then
    error("wb.tui.open: expected a frame or a plot, got " .. kind, 2)
  end
  local name = global_name(x)
  if not name then
    name = M.name(kind == "wb.frame" and "d" or "p")
    rawset(_G, name, x)
  end
  if M.active then
    M._queue[#M._queue + 1] = { value = x, name = name, title = title, kind = kind }
  end
  return x
end

function M.actions()
  local out = {}
  for i, a in ipairs(M._actions) do
    local keys = {}
    for j, k in ipairs(a.keys or {}) do keys[j] = k end
    out[i] = { id = a.id, keys = keys, lua = a.lua, help = a.help }
  end
  return out
end

-- ------------------------------------------------------------ run log sheets

local function short_time(s)
  if type(s) ~= "string" then return NA end
  return (s:gsub("T", " "):gsub("Z$", ""))
end

-- A value as one line of text: floats to 10 digits, tables as
-- { k = v, ... } with sorted keys (nested ones too, a few levels deep).
local function flat(v, depth)
  if math.type(v) == "float" then return string.format("%.10g", v) end
  if type(v) ~= "table" or v == NA then return tostring(v) end
  if depth > 3 then return "{...}" end
  local parts = {}
  if #v > 0 then
    for i, x in ipairs(v) do parts[i] = flat(x, depth + 1) end
  else
    local keys = {}
    for k in pairs(v) do keys[#keys + 1] = k end
    table.sort(keys, function(a, b) return tostring(a) < tostring(b) end)
    for _, k in ipairs(keys) do
      parts[#parts + 1] = tostring(k) .. "=" .. flat(v[k], depth + 1)
    end
  end
  return "{" .. table.concat(parts, ", ") .. "}"
end

local function text(v)
  if v == nil or v == NA then return NA end
  return flat(v, 0)
end

-- Metrics worth a column on the Runs sheet, best first.
local KEY_METRICS = {
  "test_auc", "auc", "test_accuracy", "accuracy", "test_rmse", "rmse", "test_r2", "r2",
  "test_f1_macro", "f1_macro", "test_logloss", "logloss", "test_mae", "mae",
  "train_auc", "train_accuracy", "train_rmse", "train_r2",
}

--- wb.tui.runs([{ limit = 500, where = "SQL" }]) -> frame: one row per run of
--- the run log, newest first (id, started, kind, name, status, seconds, seed,
--- up to six key metrics, run = the full id); the TUI's own run is left out.
function M.runs(opts)
  opts = opts or {}
  local where = opts.where
  local me = wb.run_id()
  if me then
    local not_me = "id <> '" .. me .. "'"
    where = where and ("(" .. where .. ") AND " .. not_me) or not_me
  end
  local runs = assert(wb.run_list{ limit = opts.limit or 500, where = where })
  local have = {}
  for _, r in ipairs(runs) do
    for k in pairs(r.metrics or {}) do have[k] = true end
  end
  local metrics = {}
  for _, k in ipairs(KEY_METRICS) do
    if have[k] and #metrics < 6 then metrics[#metrics + 1] = k end
  end
  local cols = { id = {}, started = {}, kind = {}, name = {}, status = {},
                 seconds = {}, seed = {}, run = {} }
  for _, k in ipairs(metrics) do cols[k] = {} end
  for i, r in ipairs(runs) do
    cols.id[i] = r.id:sub(1, 8)
    cols.started[i] = short_time(r.started)
    cols.kind[i] = r.kind or NA
    cols.name[i] = r.name or NA
    cols.status[i] = r.status or NA
    cols.seconds[i] = tonumber(r.seconds) and r.seconds + 0.0 or NA
    cols.seed[i] = r.seed and tostring(r.seed) or NA
    cols.run[i] = r.id
    for _, k in ipairs(metrics) do
      local v = r.metrics and r.metrics[k]
      cols[k][i] = type(v) == "number" and v + 0.0 or NA
    end
  end
  local order = { "id", "started", "kind", "name", "status", "seconds", "seed" }
  for _, k in ipairs(metrics) do order[#order + 1] = k end
  order[#order + 1] = "run"
  return wb.frame(cols, order)
end

local function info(id)
  local r, err = wb.run_info(id)
  if not r then error(err, 3) end
  return r
end

local function sorted_keys(t)
  local keys = {}
  for k in pairs(t or {}) do keys[#keys + 1] = k end
  table.sort(keys)
  return keys
end

-- The last value of each metric of a run (metrics come as a list in time order).
local function last_metrics(r)
  local last = {}
  for _, m in ipairs(r.metrics or {}) do last[m.key] = m.value end
  return last
end

--- wb.tui.run(id) -> frame (section, key, value, info): the run's fields,
--- params, last metrics, steps, datasets and artifacts, one per row.
function M.run(id)
  local r = info(id)
  local cols = { section = {}, key = {}, value = {}, info = {} }
  local function add(section, key, value, extra)
    local i = #cols.section + 1
    cols.section[i], cols.key[i] = section, tostring(key)
    cols.value[i], cols.info[i] = text(value), extra and text(extra) or NA
  end
  for _, k in ipairs{ "id", "kind", "name", "status", "started", "seconds", "seed",
                      "wb_version", "git_commit", "cwd", "message" } do
    if r[k] ~= nil then add("run", k, k == "started" and short_time(r[k]) or r[k]) end
  end
  for _, k in ipairs(sorted_keys(r.params)) do add("param", k, r.params[k]) end
  local last = last_metrics(r)
  for _, k in ipairs(sorted_keys(last)) do add("metric", k, last[k]) end
  for _, s in ipairs(r.steps or {}) do
    local what = s.status or "?"
    if s.rows then what = what .. ", " .. s.rows .. " x " .. (s.cols or "?") end
    if s.seconds then what = what .. string.format(", %.3f s", s.seconds) end
    local p = s.params
    if type(p) == "table" then p = text(p) end
    add("step", string.format("%d %s", s.seq or 0, s.kind or "?"), what,
        s.message or p)
  end
  for _, d in ipairs(r.datasets or {}) do
    add("dataset", d.path or "?", (d.rows or "?") .. " x " .. (d.cols or "?"),
        d.hash and d.hash:sub(1, 12))
  end
  for _, a in ipairs(r.artifacts or {}) do
    add("artifact", a.path or "?", a.kind or "", a.bytes and (a.bytes .. " bytes"))
  end
  return wb.frame(cols, { "section", "key", "value", "info" })
end

--- wb.tui.compare{ id, id, ... } -> frame (section, key, one column per run
--- named by its short id, same): fields, params and last metrics side by
--- side; same is false where the runs differ.
function M.compare(ids)
  if type(ids) ~= "table" or #ids < 2 then
    error("wb.tui.compare: give two or more run ids", 2)
  end
  local runs, names = {}, {}
  for i, id in ipairs(ids) do
    runs[i] = info(id)
    local n = 8
    local name = runs[i].id:sub(1, n)
    while names[name] do n = n + 4; name = runs[i].id:sub(1, n) end
    names[name] = true
    names[i] = name
  end
  local cols = { section = {}, key = {}, same = {} }
  for i = 1, #runs do cols[names[i]] = {} end
  local function add(section, key, values)
    local row = #cols.section + 1
    cols.section[row], cols.key[row] = section, key
    local same = true
    for i = 1, #runs do
      local v = values[i]
      cols[names[i]][row] = v == nil and NA or text(v)
      if text(v) ~= text(values[1]) then same = false end
    end
    cols.same[row] = same
  end
  for _, k in ipairs{ "kind", "name", "status", "seconds", "seed", "wb_version",
                      "recipe_sha256", "git_commit" } do
    local vals = {}
    for i, r in ipairs(runs) do vals[i] = r[k] end
    add("run", k, vals)
  end
  local pkeys, mkeys, lasts = {}, {}, {}
  for i, r in ipairs(runs) do
    for k in pairs(r.params or {}) do pkeys[k] = true end
    lasts[i] = last_metrics(r)
    for k in pairs(lasts[i]) do mkeys[k] = true end
  end
  for _, k in ipairs(sorted_keys(pkeys)) do
    local vals = {}
    for i, r in ipairs(runs) do vals[i] = r.params and r.params[k] end
    add("param", k, vals)
  end
  for _, k in ipairs(sorted_keys(mkeys)) do
    local vals = {}
    for i = 1, #runs do vals[i] = lasts[i][k] end
    add("metric", k, vals)
  end
  local order = { "section", "key" }
  for i = 1, #runs do order[#order + 1] = names[i] end
  order[#order + 1] = "same"
  return wb.frame(cols, order)
end

-- --------------------------------------------------------- generated code
--
-- Each generator gets the context of the action (ctx) and returns the Lua
-- text to run, or nil and a message.  ctx holds:
--   frame   the global name of the sheet's frame ("d1")
--   new     the global name for the result ("d2"); new2 a second one
--   col     the cursor column's name; kind its kind ("num", "cat", ...)
--   value   the cursor cell (nil when missing); missing = true then
--   text    the cursor cell as text (time values in ISO form)
--   expr, fraction, family, target, model, eval, test, ids, x, path
--
-- Operations that can fail return nil, message; the generated line wraps
-- them in assert() so a failure stops the line (and a replay) right there
-- instead of leaving nil in a global.

local q = function(s) return string.format("%q", s) end

local LUA_KEYWORDS = {}
for w in ([[and break do else elseif end false for function goto if in local nil
            not or repeat return then true until while]]):gmatch("%a+") do
  LUA_KEYWORDS[w] = true
end

-- A table key: Age or ["Sepal.Length"].
local function key(name)
  if name:match("^[%a_][%w_]*$") and not LUA_KEYWORDS[name] then return name end
  return "[" .. q(name) .. "]"
end

-- A column name inside a filter expression (app/core/expr.h): bare when the
-- language reads it as a name, else in backquotes.
local EXPR_WORDS = { ["and"] = true, ["or"] = true, ["not"] = true, ["in"] = true,
                     ["true"] = true, ["false"] = true, is_missing = true }
local function expr_name(name)
  if name:match("^[%a_][%w_.]*$") and not EXPR_WORDS[name:lower()] then return name end
  if name:find("`", 1, true) then return nil end
  return "`" .. name .. "`"
end

-- A number as text that reads back to exactly the same value.
local function num_literal(x)
  if math.type(x) == "integer" then return tostring(x) end
  if x ~= x or x == math.huge or x == -math.huge then return nil end
  for _, fmt in ipairs{ "%.15g", "%.16g", "%.17g" } do
    local s = string.format(fmt, x)
    if tonumber(s) == x then return s end
  end
end

local function expr_string(s)
  return "'" .. s:gsub("'", "''") .. "'"
end

-- The expression "col == <cursor value>" for the column's kind.
function M.equals_expr(ctx)
  local name = expr_name(ctx.col)
  if not name then return nil, "cannot name column '" .. ctx.col .. "' in an expression" end
  if ctx.missing then return "is_missing(" .. name .. ")" end
  local k, v = ctx.kind, ctx.value
  if k == "num" or k == "int" then
    local lit = num_literal(v)
    if not lit then return nil, "cannot compare with " .. tostring(v) end
    return name .. " == " .. lit
  elseif k == "bool" then
    return name .. " == " .. tostring(v)
  end
  return name .. " == " .. expr_string(ctx.text or tostring(v))
end

local code = {}
M.code = code

function code.read_csv(ctx)
  return string.format("%s = assert(wb.read_csv(%s))", ctx.new, q(ctx.path))
end

function code.runs(ctx)
  return string.format("%s = wb.tui.runs()", ctx.new)
end

function code.run(ctx)
  return string.format("%s = wb.tui.run(%s)", ctx.new, q(ctx.id))
end

function code.compare(ctx)
  local ids = {}
  for i, id in ipairs(ctx.ids) do ids[i] = q(id) end
  return string.format("%s = wb.tui.compare{ %s }", ctx.new, table.concat(ids, ", "))
end

function code.sort_asc(ctx)
  return string.format("%s = assert(%s:sort{ %s })", ctx.new, ctx.frame, q(ctx.col))
end

function code.sort_desc(ctx)
  return string.format("%s = assert(%s:sort{ %s, desc = true })", ctx.new, ctx.frame, q(ctx.col))
end

function code.filter_value(ctx)
  local e, err = M.equals_expr(ctx)
  if not e then return nil, err end
  return string.format("%s = assert(%s:filter(%s))", ctx.new, ctx.frame, q(e))
end

function code.filter_expr(ctx)
  return string.format("%s = assert(%s:filter(%s))", ctx.new, ctx.frame, q(ctx.expr))
end

function code.hide(ctx)
  return string.format("%s = assert(%s:drop(%s))", ctx.new, ctx.frame, q(ctx.col))
end

function code.cast(ctx)
  return string.format("%s = assert(%s:cast{ %s = %s })", ctx.new, ctx.frame, key(ctx.col),
                       q(ctx.to))
end

function code.describe(ctx)
  return string.format("%s = %s:describe()", ctx.new, ctx.frame)
end

function code.value_counts(ctx)
  return string.format("%s = assert(%s:value_counts(%s))", ctx.new, ctx.frame, q(ctx.col))
end

function code.split(ctx)
  local opts = "test = " .. num_literal(ctx.fraction)
  if ctx.stratify then opts = opts .. ", stratify = " .. q(ctx.stratify) end
  return string.format("%s, %s = assert(%s:split{ %s })", ctx.new, ctx.new2, ctx.frame, opts)
end

function code.train(ctx)
  return string.format("%s = assert(wb.train{ data = %s, target = %s, model = %s })",
                       ctx.new, ctx.frame, q(ctx.target), q(ctx.family))
end

function code.evaluate(ctx)
  if ctx.prefix then
    return string.format("%s = assert(wb.evaluate(%s, %s, { prefix = %s }))", ctx.new,
                         ctx.model, ctx.frame, q(ctx.prefix))
  end
  return string.format("%s = assert(wb.evaluate(%s, %s))", ctx.new, ctx.model, ctx.frame)
end

function code.package(ctx)
  return string.format("assert(wb.package(%s, %s))", ctx.model, q(ctx.path))
end

function code.plot(ctx)
  local kind = (ctx.kind == "num" or ctx.kind == "int" or ctx.kind == "time") and "hist" or "bar"
  return string.format("%s = assert(wb.plot.%s(%s, %s))", ctx.new, kind, ctx.frame, q(ctx.col))
end

function code.plot_run(ctx)
  return string.format("%s = assert(wb.plot.learning(%s))", ctx.new, q(ctx.id))
end

function code.scatter(ctx)
  return string.format("%s = assert(wb.plot.scatter(%s, %s, %s))", ctx.new, ctx.frame,
                       q(ctx.x), q(ctx.col))
end

function code.roc(ctx)
  return string.format("%s = assert(wb.plot.roc(%s))", ctx.new, ctx.eval)
end

return M
