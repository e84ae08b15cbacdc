-- bench/csv_load.lua: load one CSV (wb run bench/csv_load.lua --set file=PATH).
local f = assert(wb.read_csv(wb.params.file))
print(f:nrow(), f:ncol())
