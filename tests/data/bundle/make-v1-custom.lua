-- Writes tests/data/bundle/v1-custom.wbz, the format-version fixture of a
-- bundle whose recipe has custom Lua steps (their apply source in the
-- step's options.code).  Kept so later versions of wb are tested against
-- it: wb run tests/data/bundle/make-v1-custom.lua (from the top directory).
local iris = assert(wb.read_csv("data/iris.csv"))
local r = wb.recipe{ target = "Species",
  wb.step.custom{ { "Petal.Length", "Petal.Width" }, name = "area",
    fit = function(f, cols) return { half = 0.5 } end,
    apply = function(f, state, cols)
      local l, w, v = f:col(cols[1]), f:col(cols[2]), {}
      for i = 1, #l do
        v[i] = (l[i] ~= wb.NA and w[i] ~= wb.NA) and l[i] * w[i] * state.half or wb.NA
      end
      local out, names = { area = v }, f:names()
      for _, n in ipairs(names) do out[n] = f:col(n) end
      names[#names + 1] = "area"
      return wb.frame(out, names)
    end },
  wb.step.custom{ "Sepal.Width", name = "keep",
    apply = [[function(f, state, cols) return f end]] },
}
local m = assert(wb.train{ data = iris, target = "Species", model = "logistic", recipe = r })
assert(wb.package(m, "tests/data/bundle/v1-custom.wbz", { name = "iris-custom", version = "1" }))
