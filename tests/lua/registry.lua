-- The model registry from Lua: wb.register (this run, a run id, a bundle
-- file, a model), wb.registry, wb.alias_set / alias_rm / alias_history,
-- wb.resolve_model; operational errors are nil + a message naming the
-- thing, misuse raises.  Run by `wb run` (a recorded run with a log).
local t = require("wb.tap")
local top = os.getenv("WB_TEST_TOP") or "."
local tmpdir = os.tmpname()
os.remove(tmpdir)
assert(os.execute("mkdir -p " .. tmpdir))

local run = wb.run_id()
t.ok(run, "this test runs inside a recorded run")
-- The shared test log outlives this file: a name of our own starts at 1.
local name = "iris-" .. run:sub(1, 12)

local iris = assert(wb.read_csv(top .. "/data/iris.csv"))
local train, test = iris:split{ test = 0.3, stratify = "Species", seed = 11 }
local m = assert(wb.train{ data = train, target = "Species", model = "tree",
                           params = { max_depth = 3 } })
assert(wb.evaluate(m, test))

-- This run, by default: version 1, with the model's sha256; not a step.
local nsteps = #wb.run_info().steps
local v, e = wb.register(name)
t.is(v, 1, "the current run registers as version 1")
t.is(e and e.run_id, run, "its entry names the run")
t.is(e and e.sha256, m:hash(), "and keeps the sha256 of the model the run trained")
t.is(e and e.bundle, nil, "a run has no bundle")
t.is(e and #e.aliases, 0, "and no aliases yet")
t.ok(e and e.created > 0 and math.abs(e.created - os.time()) < 600, "created is now")
t.is(#wb.run_info().steps, nsteps, "registering is not a step of the run")

-- A run id prefix: version 2.
local v2, e2 = wb.register(name, run:sub(1, 8))
t.is(v2, 2, "registering again gives version 2")
t.is(e2 and e2.run_id, run, "a unique prefix resolves to the whole run id")

-- A model: this run, with that model's hash.
local v3, e3 = wb.register(name, m)
t.is(v3, 3, "a model registers as version 3")
t.is(e3 and e3.sha256, m:hash(), "with the model's sha256")

-- A bundle file: its absolute path and sha256.
local wbz = tmpdir .. "/iris.wbz"
local path, sha = assert(wb.package(m, wbz, { name = "iris", version = "1" }))
local bv, be = wb.register(name, path)
t.is(bv, 4, "a bundle registers as version 4")
t.is(be and be.sha256, sha, "with the bundle's sha256")
t.ok(be and be.bundle and be.bundle:sub(1, 1) == "/" and be.bundle:sub(-9) == "/iris.wbz",
  "and its absolute path (" .. tostring(be and be.bundle) .. ")")
t.is(be and be.run_id, nil, "a bundle alone names no run")

-- Aliases: set, move, set another, remove; the history keeps every change.
t.is(wb.alias_set(name, "production", 1, "first release"), true, "alias_set returns true")
assert(wb.alias_set(name, "production", 2))
assert(wb.alias_set(name, "staging", 1))
t.is(wb.alias_rm(name, "staging", "retired"), true, "alias_rm returns true")
local list = assert(wb.registry(name))
t.is(#list, 4, "wb.registry(name) lists the 4 versions")
local shape = {}
for i, x in ipairs(list) do
  shape[i] = x.name .. ":" .. x.version .. "[" .. table.concat(x.aliases, ",") .. "]"
end
t.is(table.concat(shape, " "),
  name .. ":1[] " .. name .. ":2[production] " .. name .. ":3[] " .. name .. ":4[]",
  "in version order, with where the aliases point")
local all = assert(wb.registry())
local mine = 0
for _, x in ipairs(all) do if x.name == name then mine = mine + 1 end end
t.is(mine, 4, "wb.registry() lists every name, ours among them")

local h = assert(wb.alias_history(name))
local moves = {}
for i, x in ipairs(h) do
  moves[i] = ("%s:%s->%s:%s"):format(x.alias, tostring(x.previous), tostring(x.version),
                                     tostring(x.message))
end
t.is(table.concat(moves, " "), "production:nil->1:first release production:1->2:nil "
  .. "staging:nil->1:nil staging:1->nil:retired", "the alias history, oldest first")
t.ok(#h == 4 and h[1].user and h[1].user ~= "" and h[1].host and h[1].host ~= ""
  and h[1].time > 0, "each change says who, where and when")

-- References.
local r = wb.resolve_model(name .. "@production")
t.is(r and r.version, 2, "name@alias resolves to the version it points at")
t.is(r and r.aliases[1], "production", "with its aliases")
t.is(wb.resolve_model(name .. ":1").version, 1, "name:1 is version 1")
t.is(wb.resolve_model(name .. "@3").version, 3, "name@3 is version 3")
t.is(wb.resolve_model(name).version, 4, "a bare name is the latest version")

-- Operational failures: nil and a message naming the thing.
local function expect(needle, what, a, b)
  t.is(a, nil, what .. " returns nil")
  t.like(b, needle, what .. " says so")
end
expect("bad model name 'bad name'", "a bad model name",
  wb.register("bad name", run))
expect("deadbeef", "an unknown run", wb.register(name, "deadbeef"))
expect("has no alias 'canary'", "an unknown alias", wb.resolve_model(name .. "@canary"))
expect("model '" .. name .. "' has no version 9", "a version that does not exist",
  wb.alias_set(name, "production", 9))
expect("has no version 9", "resolving a version that does not exist",
  wb.resolve_model(name .. ":9"))
expect("no model named 'nosuch-" .. run .. "'", "an unknown model",
  wb.resolve_model("nosuch-" .. run))
expect("it is not set", "removing an alias that is not set", wb.alias_rm(name, "canary"))
expect("all digits", "an all-digit alias", wb.alias_set(name, "42", 1))
t.is(wb.resolve_model(name .. "@production").version, 2, "failures moved nothing")

-- { log = path }: another run log; listings never create one.
local other = tmpdir .. "/other.db"
expect("does not exist", "listing a log that does not exist",
  wb.registry({ log = other }))
t.ok(not io.open(other), "and it was not created")
local ov = wb.register("shipped", path, { log = other })
t.is(ov, 1, "a bundle registers in another log as version 1")
expect("no run matches", "this run is not in the other log",
  wb.register("shipped", nil, { log = other }))
t.is(wb.alias_set("shipped", "production", 1, nil, { log = other }), true,
  "alias_set with a nil message and options")
local ol = assert(wb.registry("shipped", { log = other }))
t.is(#ol == 1 and ol[1].aliases[1], "production", "the other log has it, aliased")
t.is(#assert(wb.alias_history({ log = other })), 1, "and its own history")
t.is(wb.resolve_model("shipped", { log = other }).sha256, sha, "resolved there")
expect("no model named 'shipped'", "the run's own log does not",
  wb.resolve_model("shipped"))
-- The command line reads what Lua wrote.
local wbin = os.getenv("WB") or (top .. "/wb")
local p = io.popen(("%q models shipped --log %q"):format(wbin, other))
local out = p:read("a")
p:close()
t.like(out, "production", "wb models shows it")

-- Misuse raises.
t.raises(function() wb.register({}) end, "string expected", "a name must be a string")
t.raises(function() wb.register(name, true) end, "bad argument #2", "what must be a string or model")
t.raises(function() wb.registry({ logg = other }) end, "unknown option 'logg'",
  "unknown options are named")
t.raises(function() wb.registry({ log = 5 }) end, "option 'log' must be a path",
  "log must be a string")
t.raises(function() wb.alias_set(name, "production", "two") end, "number expected",
  "a version must be a number")
t.raises(function() wb.alias_set(name, "production", 0) end, "a version is a number >= 1",
  "a version is at least 1")
t.raises(function() wb.alias_rm(name, "staging", { log = other }, "late") end,
  "the options table must be the last argument", "options come last")
t.raises(function() wb.resolve_model() end, "bad argument #1", "resolve_model needs a reference")
t.raises(function() wb.alias_history(true) end, "string expected", "a history name is a string")

os.execute("rm -rf " .. tmpdir)
t.done()
