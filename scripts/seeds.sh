#!/bin/sh
# seeds.sh [SEEDS] [OUT] — the brain v2's results over simulation seeds
# (issue 20): how far a group mean moves from one seed to another, and where
# the mean over seeds lies against the paper. For each seed: simulate the
# four virtual subjects with the simulator's defaults (the calibrated
# parameters), fit both latent spaces with the paper's decoder (OLS, no
# ridge, no curve: the report's main numbers) and evaluate. A seed whose
# eval.json exists is skipped, so a stopped run resumes. Then
# `trainer fmri seeds-report` summarises into reports/fmri/seeds.
#
#   scripts/seeds.sh                      # seeds 1–6 into out/seeds (make seeds: 1–8)
#   scripts/seeds.sh 1,2,3 out/seeds      # the same, three seeds
#   SIMARGS="--v2-temporal 0.1,0.61,1,1.14" REPORT=0 scripts/seeds.sh 2,4,5,6 out/cand
#                                         # candidate parameters on calibration seeds
#
# SIMARGS adds simulate flags (a candidate brain); REPORT=0 skips the report
# (which needs the reporting seed 1: never use it to calibrate).
# Each seed takes about 3 minutes on the 2-core VM alone (the first about 6:
# it fills the face and feature caches in out/cache); `make seeds` runs 1–8.
set -eu
SEEDS=${1:-1,2,3,4,5,6}
OUT=${2:-out/seeds}
GO=${GO:-go}
FACES=${FACES:-../shared/faces/celeba}
DESIGN=${DESIGN:-../shared/ds001761-design}
step() { t0=$(date +%s); "$@"; echo "seeds: $(( $(date +%s) - t0 )) s: $*" >&2; }
for s in $(echo "$SEEDS" | tr , ' '); do
	d="$OUT/seed-$s"
	if [ -f "$d/fmri/eval.json" ]; then
		echo "seeds: seed $s done ($d/fmri/eval.json)" >&2
		continue
	fi
	# shellcheck disable=SC2086 # SIMARGS is a list of flags
	step $GO run ./trainer fmri simulate --faces "$FACES" --design "$DESIGN" --seed "$s" --out "$d/data" --overwrite ${SIMARGS:-}
	step $GO run ./trainer fmri fit --faces "$FACES" --data "$d/data" --out "$d/fmri" --ridge=false --curve "" --subsets 0
	step $GO run ./trainer fmri eval --dir "$d/fmri" --draws 10000
done
if [ "${REPORT:-1}" = 1 ]; then
	step $GO run ./trainer fmri seeds-report --dir "$OUT" --out reports/fmri/seeds
fi
