-- wb package: the recipe `wb package RUN -o FILE.wbz` runs.  wb.params:
-- run (id or prefix), output, name, version.  The model is the run's model
-- artifact; the data for the input schema, golden rows and drift reference
-- is the first dataset the run read (its CSV), and the metrics are the
-- run's last scalar metrics.
local p = wb.params
local run, err = wb.run_info(p.run)
if not run then error(err, 0) end

local model_path
for i = #run.artifacts, 1, -1 do
  if run.artifacts[i].kind == "model" then model_path = run.artifacts[i].path; break end
end
if not model_path then
  error("run " .. run.id:sub(1, 12) .. " trained no model (it has no model artifact)", 0)
end
local m = assert(wb.load_model(model_path))

local data_path
for _, d in ipairs(run.datasets or {}) do
  if d.path and d.path ~= "" then data_path = d.path; break end
end
if not data_path then
  error("run " .. run.id:sub(1, 12) .. " read no data file to take the schema and golden rows from", 0)
end
local data = assert(wb.read_csv(data_path))

local metrics = {}
for _, x in ipairs(run.metrics or {}) do
  if (x.step == nil or x.step < 0) and type(x.value) == "number" then metrics[x.key] = x.value end
end

local out = p.output or ((p.name or m:info().family) .. ".wbz")
local path, sha = assert(wb.package(m, out, {
  name = p.name or m:info().family, version = p.version or "1", data = data, metrics = metrics,
  meta = { description = "packaged from run " .. run.id }, run_id = run.id,
}))
WB_RESULT = { output = path, sha256 = sha, run = run.id, model = m:info().family }
