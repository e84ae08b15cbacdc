-- wb.pretty: how the REPL (and the TUI console) shows values.
--
--   local pretty = require "wb.pretty"
--   pretty.format(v)            -- a string: numbers, quoted strings inside
--                               -- tables, nested tables indented and capped,
--                               -- frames/models/plots through __tostring
--   pretty.results(n, ...)      -- the text of a chunk's n results
--   pretty.show(force, n, ...)  -- what the REPL does with them: prints that
--                               -- text (nothing for nils unless force); a
--                               -- plot is drawn instead (plot:show())
--
-- Settings (change them in workbench.lua or at the prompt):
--   pretty.max_items  entries shown per table before "... (N more)"
--   pretty.max_depth  nesting shown before "{...}"
--   pretty.max_total  entries shown in all (nested tables past it: "{...}")
--   pretty.width      a table fitting in this many columns stays on one line
--   pretty.digits     significant digits of floats
local pretty = {
	max_items = 20,
	max_depth = 4,
	max_total = 100,
	width = 78,
	digits = 10,
	max_string = 200,
}

local mtype, huge = math.type, math.huge
local concat, sort = table.concat, table.sort

-- A float with up to `digits` significant digits; one that looks integral
-- keeps its ".0" so 3 and 3.0 stay distinct, as Lua shows them.
function pretty.number(x)
	if mtype(x) == "integer" then return tostring(x) end
	if x ~= x then return "nan" end
	if x == huge then return "inf" end
	if x == -huge then return "-inf" end
	local s = ("%." .. pretty.digits .. "g"):format(x)
	if s:match("^-?%d+$") then s = s .. ".0" end
	return s
end

local escapes = { ["\\"] = "\\\\", ['"'] = '\\"', ["\n"] = "\\n", ["\r"] = "\\r",
	["\t"] = "\\t" }

local function byte_escape(c)
	return ("\\%03d"):format(c:byte())
end

-- A string as a Lua literal, shortened past max_string bytes (at a
-- character boundary); bytes that are not UTF-8 are escaped.
function pretty.quote(s)
	local cut = ""
	if #s > pretty.max_string then
		local stop = pretty.max_string
		while stop > 0 and (s:byte(stop + 1) or 0) & 0xC0 == 0x80 do stop = stop - 1 end
		cut = ("...(%d more bytes)"):format(#s - stop)
		s = s:sub(1, stop)
	end
	s = s:gsub('[%c\\"]', function(c) return escapes[c] or byte_escape(c) end)
	if not utf8.len(s) then s = s:gsub("[\128-\255]", byte_escape) end
	return '"' .. s .. '"' .. cut
end

local keywords = {}
for w in ([[and break do else elseif end false for function goto if in local
	nil not or repeat return then true until while]]):gmatch("%a+") do
	keywords[w] = true
end

local function is_name(k)
	return type(k) == "string" and k:match("^[%a_][%w_]*$") and not keywords[k]
end

-- The metatable's __name ("wb.frame"), when the value has one.
local function type_name(v)
	local mt = getmetatable(v)
	return type(mt) == "table" and type(rawget(mt, "__name")) == "string" and mt.__name or nil
end

local function has_tostring(v)
	local mt = getmetatable(v)
	return type(mt) == "table" and rawget(mt, "__tostring") ~= nil
end

local function describe_function(f)
	local ok, info = pcall(debug.getinfo, f, "S")
	if ok and info and info.what ~= "C" then
		return ("function <%s:%d>"):format(info.short_src, info.linedefined)
	end
	return "function <builtin>"
end

-- A one-line summary of something shown inside a table: the first line of
-- its __tostring (a frame's "frame: 150 rows x 5 columns, ...").
local function inline_object(v)
	local ok, s = pcall(tostring, v)
	if not ok then return "<" .. (type_name(v) or type(v)) .. ">" end
	local first, rest = s:match("^([^\n]*)\n(.*)$")
	if first then
		if rest:match("%S") then first = first .. " ..." end
		return "<" .. first .. ">"
	end
	return s
end

-- "key2" before "key10": digit runs compare as numbers.
local function natural_less(a, b)
	local ia, ib = 1, 1
	while ia <= #a and ib <= #b do
		local da, db = a:match("^%d+", ia), b:match("^%d+", ib)
		if da and db then
			local na, nb = tonumber(da), tonumber(db)
			if na ~= nb then return na < nb end
			if #da ~= #db then return #da < #db end
			ia, ib = ia + #da, ib + #db
		else
			local ca, cb = a:sub(ia, ia), b:sub(ib, ib)
			if ca ~= cb then return ca < cb end
			ia, ib = ia + 1, ib + 1
		end
	end
	return #a - ia < #b - ib
end

-- Keys in display order: the array part 1..n first, then numbers, then
-- strings alphabetically, then the rest by their printed form.
local function ordered_keys(t)
	local n = #t
	local keys, rest = {}, {}
	for i = 1, n do keys[i] = i end
	for k in next, t do
		if not (mtype(k) == "integer" and k >= 1 and k <= n) then rest[#rest + 1] = k end
	end
	local rank = { number = 1, string = 2 }
	sort(rest, function(a, b)
		local ra, rb = rank[type(a)] or 3, rank[type(b)] or 3
		if ra ~= rb then return ra < rb end
		if ra == 3 then return tostring(a) < tostring(b) end
		if ra == 2 then return natural_less(a, b) end
		return a < b
	end)
	for _, k in ipairs(rest) do keys[#keys + 1] = k end
	return keys, n
end

local format_value

local function format_table(t, depth, indent, st)
	local seen = st.seen
	if seen[t] then return "<cycle>" end
	if next(t) == nil then return "{}" end
	if depth >= pretty.max_depth or st.budget <= 0 then return "{...}" end
	seen[t] = true
	local keys, n = ordered_keys(t)
	local items, multiline = {}, false
	local shown = math.min(#keys, pretty.max_items, math.max(st.budget, 1))
	st.budget = st.budget - shown
	for i = 1, shown do
		local k = keys[i]
		local v = format_value(rawget(t, k), depth + 1, indent .. "  ", st)
		local item
		if mtype(k) == "integer" and k >= 1 and k <= n then
			item = v
		elseif is_name(k) then
			item = k .. " = " .. v
		else
			item = "[" .. format_value(k, depth + 1, indent .. "  ", st) .. "] = " .. v
		end
		if item:find("\n", 1, true) then multiline = true end
		items[i] = item
	end
	if #keys > shown then
		items[#items + 1] = ("... (%d more)"):format(#keys - shown)
	end
	seen[t] = nil
	local one = "{ " .. concat(items, ", ") .. " }"
	if not multiline and #indent + #one <= pretty.width then return one end
	if not multiline and #keys == n then
		-- A long list of short values: as many per line as fit.
		local lines, line = {}, ""
		for i, item in ipairs(items) do
			local piece = item .. (i < #items and "," or "")
			if line ~= "" and #indent + 2 + #line + 1 + #piece > pretty.width then
				lines[#lines + 1] = line
				line = piece
			else
				line = line == "" and piece or line .. " " .. piece
			end
		end
		lines[#lines + 1] = line
		return "{\n" .. indent .. "  " .. concat(lines, "\n" .. indent .. "  ") ..
			"\n" .. indent .. "}"
	end
	return "{\n" .. indent .. "  " .. concat(items, ",\n" .. indent .. "  ") ..
		"\n" .. indent .. "}"
end

format_value = function(v, depth, indent, st)
	local tv = type(v)
	if tv == "number" then return pretty.number(v) end
	if tv == "string" then return pretty.quote(v) end
	if tv == "function" then return describe_function(v) end
	if tv == "table" and not has_tostring(v) then
		return format_table(v, depth, indent, st)
	end
	if tv == "table" or tv == "userdata" then return inline_object(v) end
	return tostring(v)
end

-- The text of one value at the top level: strings as they are, objects
-- (frames, models, plots, recipes) by their own __tostring in full.
function pretty.format(v)
	if type(v) == "string" then return v end
	if (type(v) == "userdata" or type(v) == "table") and has_tostring(v) then
		local ok, s = pcall(tostring, v)
		if ok then return s end
		return "<" .. (type_name(v) or type(v)) .. ": __tostring failed: " .. tostring(s) .. ">"
	end
	return format_value(v, 0, "", { seen = {}, budget = pretty.max_total })
end

-- The text of a chunk's results: tab-separated when each fits on one
-- line, else one value per line.
function pretty.results(n, ...)
	local parts, multiline = {}, false
	for i = 1, n do
		local s = pretty.format((select(i, ...)))
		if s:find("\n", 1, true) then multiline = true end
		parts[i] = s
	end
	return concat(parts, multiline and "\n" or "\t")
end

local function is_plot(v)
	return type_name(v) == "wb.plot"
end

-- Prints a chunk's results: nothing when every result is nil (as in
-- trepl) unless force (the chunk was "=expr").  A plot alone is drawn (its
-- :show()); a plot among other values, or one that cannot be drawn, prints
-- as its name.
function pretty.show(force, n, ...)
	if n == 1 and is_plot((...)) then
		local p = ...
		local ok, err = pcall(p.show, p)
		if ok then return end
		io.stderr:write("(cannot draw the plot: ", tostring(err), ")\n")
	end
	local any = force
	for i = 1, n do
		if select(i, ...) ~= nil then any = true break end
	end
	if not any then return end
	local text = pretty.results(n, ...):gsub("\n+$", "")
	io.write(text, "\n")
	io.flush()
end

return pretty
