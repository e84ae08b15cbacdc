-- Plots from Lua: every kind draws as terminal text with its title, axes and
-- legend; files are valid PNG / SVG / PDF of the asked size and are run
-- artifacts with their sha256; gnuplot's own errors come back as errors;
-- the gnuplot process is one per session and is reaped (no child is left).
local t = require("wb.tap")
local top = os.getenv("WB_TEST_TOP") or "."
local tmpdir = os.tmpname()
os.remove(tmpdir)
assert(os.execute("mkdir -p " .. tmpdir))

local function read(name) return assert(wb.read_csv(top .. "/data/" .. name)) end
local credit, iris, diabetes = read("credit.csv"), read("iris.csv"), read("diabetes.csv")

-- This process's children, from /proc (no helper process of our own).
local function children()
  local f = assert(io.open("/proc/self/stat"))
  local pid = f:read("a"):match("^(%d+)")
  f:close()
  local n = 0
  local tasks = io.open("/proc/" .. pid .. "/task/" .. pid .. "/children")
  if tasks then
    for _ in tasks:read("a"):gmatch("%d+") do n = n + 1 end
    tasks:close()
  end
  return n
end
local children_before = children()

local function file_bytes(path)
  local f = io.open(path, "rb")
  if not f then return nil end
  local s = f:read("a")
  f:close()
  return s
end

local function be32(s, at)
  local a, b, c, d = s:byte(at, at + 3)
  return ((a * 256 + b) * 256 + c) * 256 + d
end

-- Every built-in kind is registered.
local kinds = {}
for _, k in ipairs(wb.plot.kinds()) do kinds[#kinds + 1] = k.name end
table.sort(kinds)
t.is(table.concat(kinds, ","),
  "bar,box,calibration,confusion,corr,cv,gnuplot,hist,importance,learning,line,pr,predicted,residuals,roc,scatter",
  "all plot kinds are registered")

-- Text: sized as asked, title, axis label, legend.
local h = assert(wb.plot.hist(credit, "Income", { bins = 20 }))
local txt = assert(h:text(70, 20))
local lines = {}
for l in txt:gmatch("([^\n]*)\n") do lines[#lines + 1] = l end
t.is(#lines, 20, "text has exactly the asked height")
local widest = 0
for _, l in ipairs(lines) do widest = math.max(widest, #l) end
t.ok(widest <= 70, "no line is wider than asked (" .. widest .. ")")
t.like(txt, "Income", "hist text shows the title")
t.like(txt, "count", "hist text shows the y label")
t.like(txt, "+-----", "hist text draws the frame")
t.ok(not txt:find("\f", 1, true), "form feed stripped")

local info = h:info()
t.is(info.kind, "hist", "info: kind")
t.like(info.note, "missing", "info: note says missing incomes are not shown")
t.like(txt, "missing", "the note is the last line of the text")

local sc = assert(wb.plot.scatter(iris, "Sepal.Length", "Petal.Length", { by = "Species" }))
local stx = assert(sc:text(80, 24))
for _, cls in ipairs{ "setosa", "versicolor", "virginica" } do
  t.like(stx, cls, "scatter legend has " .. cls)
end

-- Evaluation plots: legends carry the metric that wb.evaluate computes.
local train, test = credit:split{ test = 0.3, stratify = "Status", seed = 5 }
local gb = assert(wb.train{ data = train, target = "Status", model = "gbdt", params = { rounds = 30 } })
local lr = assert(wb.train{ data = train, target = "Status", model = "logistic" })
local ev = assert(wb.evaluate(gb, test))
local roc = assert(wb.plot.roc(ev))
local rtx = assert(roc:text(90, 30))
t.like(rtx, string.format("gbdt (AUC %.3f)", ev.auc), "ROC legend shows the evaluation's AUC")
local both = assert(wb.plot.roc({ gbdt = gb, logistic = lr }, test):text(100, 30))
t.like(both, "gbdt (AUC", "overlaid ROC: gbdt")
t.like(both, "logistic (AUC", "overlaid ROC: logistic")
local listed = assert(wb.plot.roc({ gb, lr }, test):text(100, 30))
t.like(listed, "logistic (AUC", "a list of models is labelled by family")
t.ok(assert(wb.plot.pr(ev):text()):find("AP ", 1, true), "PR legend has AP")
t.ok(wb.plot.calibration(gb, test), "calibration plot")
t.ok(wb.plot.confusion(ev), "confusion plot")
t.ok(wb.plot.importance(gb), "importance from a model")
t.ok(wb.plot.importance{ a = 0.5, b = 0.25 }, "importance from a table")

local rtrain, rtest = diabetes:split{ test = 0.25, seed = 1 }
local lin = assert(wb.train{ data = rtrain, target = "progression", model = "linear" })
t.ok(assert(wb.plot.residuals(lin, rtest):text()):find("residual", 1, true), "residuals plot")
t.ok(wb.plot.predicted(wb.evaluate(lin, rtest)), "predicted vs actual")
local r, rerr = wb.plot.roc(lin, rtest)
t.ok(not r and rerr:find("regression", 1, true), "ROC of a regression model is refused: " .. tostring(rerr))
local ok, e = pcall(wb.plot.roc, gb)
t.ok(not ok and tostring(e):find("needs a frame", 1, true), "a model without a frame is a clear error")

-- Learning curve from this run's log; CV distribution from wb.cv.
local valid_gb = assert(wb.train{ data = train, target = "Status", model = "gbdt",
  params = { rounds = 25 }, valid = test })
t.ok(valid_gb, "gbdt with a validation set")
local lc = assert(wb.plot.learning())
local ltx = assert(lc:text(90, 25))
t.like(ltx, "valid_logloss", "learning curve legend has valid_logloss")
t.like(ltx, "train_logloss", "learning curve legend has train_logloss")
local cv = assert(wb.cv{ data = iris, target = "Species", models = { "logistic", "tree" }, folds = 4 })
t.ok(assert(wb.plot.cv(cv):text()):find("tree", 1, true), "cv plot names the models")
t.ok(wb.plot.line{ { name = "loss", y = { 3, 2, 1.5, 1.2 } } }, "line from series")
t.ok(wb.plot.line(iris, "Sepal.Length", "Petal.Length"), "line from a frame")
t.ok(wb.plot.box(iris, "Petal.Length", { by = "Species" }), "box by group")
t.ok(wb.plot.corr(iris), "correlation heatmap")
t.ok(wb.plot.bar(credit, "Home"), "bar chart")

-- Files: header and dimensions; artifacts with sha256.
local png = tmpdir .. "/roc.png"
local path, sha = roc:save(png, { width = 640, height = 480 })
t.is(path, png, "save returns the path")
t.is(#sha, 64, "save returns a sha256")
local bytes = file_bytes(png)
t.ok(bytes and bytes:sub(1, 8) == "\137PNG\r\n\26\n", "PNG signature")
t.is(bytes and be32(bytes, 17), 640, "PNG width")
t.is(bytes and be32(bytes, 21), 480, "PNG height")
assert(h:save(tmpdir .. "/h.svg", { width = 500, height = 300 }))
local svg = file_bytes(tmpdir .. "/h.svg") or ""
t.like(svg, "<svg", "SVG document")
t.like(svg, 'width="500"', "SVG width")
t.like(svg, 'height="300"', "SVG height")
assert(h:save(tmpdir .. "/h.pdf"))
local pdf = file_bytes(tmpdir .. "/h.pdf") or ""
t.is(pdf:sub(1, 5), "%PDF-", "PDF header")
t.like(pdf, "/MediaBox [ 0 0 576 432 ]", "PDF page is 8 x 6 in (800 x 600 at 100/in)")

local run = assert(wb.run_info())
local found
for _, a in ipairs(run.artifacts) do
  if a.kind == "plot" and a.path:find("roc.png", 1, true) then found = a end
end
t.ok(found, "the saved plot is an artifact of the run")
t.is(found and found.sha256, sha, "the artifact has the file's sha256")
t.is(found and found.bytes, #bytes, "the artifact has the file's size")
local steps = 0
for _, s in ipairs(run.steps) do if s.kind == "plot" then steps = steps + 1 end end
t.is(steps, 3, "each save is a plot step")

local np, nerr = h:save(tmpdir .. "/h.jpg")
t.ok(not np and nerr:find(".png, .svg or .pdf", 1, true), "unknown extension: " .. tostring(nerr))
local nd, derr = h:save(tmpdir .. "/no/such/dir/h.png")
t.ok(not nd and derr:find("no/such/dir", 1, true), "unwritable path is named: " .. tostring(derr))

-- Same plot, same bytes.
local a1 = file_bytes(png)
roc:save(png, { width = 640, height = 480 })
t.ok(file_bytes(png) == a1, "saving again gives identical bytes")

-- Errors name what is wrong.
local bad, berr = wb.plot.hist(credit, "Incom")
t.ok(not bad and berr:find("did you mean 'Income'", 1, true), "unknown column suggests: " .. tostring(berr))
bad, berr = wb.plot.hist(credit, "Income", { binz = 3 })
t.ok(not bad and berr:find("unknown option 'binz'", 1, true), "unknown option: " .. tostring(berr))
bad, berr = wb.plot.hist(credit, "Home")
t.ok(not bad and berr:find("Home", 1, true), "hist of a category is refused: " .. tostring(berr))

-- gnuplot's own errors come back; the process survives them.
local g = assert(wb.plot.gnuplot("plot sin(x"))
local gt, gerr = g:text()
t.ok(not gt and gerr:find("gnuplot", 1, true), "a gnuplot syntax error surfaces: " .. tostring(gerr))
local pid = wb.plot.pid()
t.ok(pid, "gnuplot is running")
local fine = assert(wb.plot.gnuplot("set key top left\nplot $data using 1:2 with points title 'petals'", iris,
  { "Petal.Length", "Petal.Width" }):text())
t.like(fine, "petals", "the escape hatch plots the frame as $data")
t.is(wb.plot.pid(), pid, "the same gnuplot process served both")
t.is(children(), children_before + 1, "one child: the gnuplot process")

-- Large data stays fast and says when it samples.
local n = 200000
local xs, ys = {}, {}
for i = 1, n do xs[i] = (i * 7919) % 1000 / 10; ys[i] = (i * 104729) % 1000 / 10 end
local big = wb.frame{ x = xs, y = ys }
local t0 = os.clock()
local btx = assert(wb.plot.scatter(big, "x", "y"):text(80, 24))
t.like(btx, "showing 4,000 of 200,000 points", "terminal scatter is sampled and says so")
t.ok(os.clock() - t0 < 5, "200k-point scatter renders quickly")

wb.plot.close()
t.is(wb.plot.pid(), nil, "close stops gnuplot")
t.is(children(), children_before, "no child process left (none, not even a zombie)")
os.execute("rm -rf " .. tmpdir)
t.done()
