--- wb.tap — TAP output for Lua tests run inside wb (`prove -e 'wb run' tests/lua/*.lua`).
--
--   local t = require("wb.tap")
--   t.ok(f:nrow() == 3, "three rows")
--   t.is(f:names()[1], "x", "first column")
--   t.like(msg, "line 3", "error names the line")   -- plain substring match
--   t.done()                                         -- plan; error if anything failed
local M = {}
local n, failed = 0, 0

local function report(cond, name, diag)
  n = n + 1
  io.write((cond and "ok " or "not ok "), n, " - ", name or "", "\n")
  if not cond then
    failed = failed + 1
    -- The first frame outside this file is the test's own line.
    local level, info = 2, debug.getinfo(2, "Sl")
    while info and info.short_src:find("tap.lua", 1, true) do
      level = level + 1
      info = debug.getinfo(level, "Sl")
    end
    if info then io.write("#   failed at ", info.short_src, ":", info.currentline, "\n") end
    if diag then io.write("#   ", (diag:gsub("\n", "\n#   ")), "\n") end
  end
  return cond
end

function M.ok(cond, name) return report(not not cond, name) end

function M.is(got, want, name)
  return report(got == want, name,
    ("got  %s\nwant %s"):format(tostring(got), tostring(want)))
end

function M.near(got, want, tol, name)
  return report(type(got) == "number" and math.abs(got - want) <= tol, name,
    ("got  %s\nwant %s (+/- %s)"):format(tostring(got), tostring(want), tostring(tol)))
end

function M.like(got, needle, name)
  return report(type(got) == "string" and got:find(needle, 1, true) ~= nil, name,
    ("got  %s\nwant it to contain %s"):format(tostring(got), needle))
end

--- Expects got not to contain needle.
function M.unlike(got, needle, name)
  return report(type(got) == "string" and got:find(needle, 1, true) == nil, name,
    ("got  %s\nwant it not to contain %s"):format(tostring(got):sub(1, 300), needle))
end

--- Calls fn and expects it to raise an error containing needle.
function M.raises(fn, needle, name)
  local okc, err = pcall(fn)
  return report(not okc and tostring(err):find(needle, 1, true) ~= nil, name,
    ("got  %s"):format(okc and "no error" or tostring(err)))
end

function M.done()
  io.write("1..", n, "\n")
  io.flush()
  if failed > 0 then error(("%d of %d tests failed"):format(failed, n), 0) end
end

return M
