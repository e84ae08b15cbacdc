-- workbench.lua — wb's startup script: settings and subscriptions.
--
-- wb runs the first of these it finds before any recipe, REPL or TUI session:
--   ./workbench.lua                       (this project)
--   $XDG_CONFIG_HOME/wb/workbench.lua     (you; ~/.config/wb/ if unset)
--   <wb's data directory>/workbench.lua   (this file, the default)
-- Copy it and edit what you like.  Command-line flags beat the environment,
-- which beats these settings (e.g. --log > $WB_LOG > wb.config.log).

-- Where runs are recorded.  nil: .wb/runs.db in the nearest parent directory
-- holding .wb/, else in the current directory.
wb.config.log = nil

-- The seed a run uses when `wb run` is not given --seed.  Every random step
-- (split, sample, model fitting) derives its own stream from it.
wb.config.seed = 42

-- Plot output in the terminal: "auto" (sixel when the terminal supports it,
-- else text), "text" or "sixel"; and the file format plot:save() picks from
-- the file name.
wb.config.plot_terminal = "auto"

-- Threads for parallel work (CSV loading, statistics, training); nil: all cores.
-- Results are identical whatever the count.
wb.config.threads = nil

-- TUI key bindings: action id = key or { keys }.  `?` in the TUI lists the
-- actions; key names: "x", "^X" (Ctrl), Enter Esc Tab BS Del Space Up Down
-- Left Right PgUp PgDn Home End F1..F12, "g"/"z" in front for two keys.
-- wb.config.keys = { sort_desc = "}", top = { "gg", "^T" } }
