#!/bin/sh
# Runs every side-by-side benchmark (wb against its peers, one run each) and
# prints their ratio tables.  Not a test: numbers depend on the machine.
#   make bench            (builds ./wb first)
set -u
cd "$(dirname "$0")/.." || exit 1
status=0
for b in bench/csv_load.sh bench/recipe_apply.sh bench/model_quality.sh \
	 bench/logistic_speed.sh bench/forest_speed.sh bench/gbdt_speed.sh \
	 bench/plot_speed.sh bench/tui_open.sh bench/ship_speed.sh; do
	echo "== $b"
	sh "$b" || status=1
	echo
done
exit $status
