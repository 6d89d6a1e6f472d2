#!/usr/bin/env bash
# scale.sh — the fMRI pipeline on one virtual subject at the real study's
# scale (issue 23): the real acquisition grid (80 × 80 × 41 voxels of 3 mm,
# a brain mask of about 115,000 voxels) and every run of ds001761's sub-02
# (100 runs of 195–204 volumes). Each step runs under GNU time (seconds,
# peak resident memory) while the load average is sampled; the last step
# writes reports/scale/scale.json.
#
# The fit streams the runs (fit --stream) and also writes the exporter's input
# at the site's voxel budget (fit --site-voxels: the voxels of largest F),
# scored beside the full selection by eval (variant "budget"). export builds
# the site data at the budget, export-full at the full selection; browser
# times the app's load and decode of both, natively and as WebAssembly
# under Node.
#
#   scripts/scale.sh                      # every step: simulate fit eval export report export-full browser report
#   scripts/scale.sh fit eval             # some steps (the earlier steps' outputs must exist)
#
# Environment: OUT (work folder, default out/scale), SUB (default 02),
# SEED (simulation seed, default 1), BUDGET (the site's voxel budget,
# default 5000), GO (default go), GOMEMLIMIT (default 9GiB). Needs /usr/bin/time (apt-get install time).
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=${OUT:-out/scale}
SUB=${SUB:-02}
SEED=${SEED:-1}
BUDGET=${BUDGET:-5000}
GO=${GO:-go}
# The Go collector lets garbage grow to the live heap's size again before it
# runs; on a machine whose memory other jobs share, that margin is what the
# kernel's OOM killer takes. A soft limit makes it collect earlier.
export GOMEMLIMIT=${GOMEMLIMIT:-9GiB}
STEPS=${*:-simulate fit eval export report export-full browser report}
[ -x /usr/bin/time ] || { echo "scale.sh: /usr/bin/time is missing (apt-get install time)" >&2; exit 1; }
mkdir -p "$OUT/bin"
$GO build -o "$OUT/bin/trainer" ./trainer
$GO build -o "$OUT/bin/exporter" ./exporter

# step NAME CMD…: run CMD under GNU time, its output in NAME.log, GNU
# time's report in NAME.time, the 1-minute load average every 15 s in
# NAME.load.
step() {
	local name=$1
	shift
	echo "scale.sh: $name: $*" | tee "$OUT/$name.log"
	(while sleep 15; do cut -d' ' -f1 /proc/loadavg; done) >"$OUT/$name.load" &
	local sampler=$!
	local rc=0
	/usr/bin/time -v -o "$OUT/$name.time" "$@" >>"$OUT/$name.log" 2>&1 || rc=$?
	kill "$sampler" 2>/dev/null || true
	if [ $rc -ne 0 ]; then
		echo "scale.sh: $name failed (exit $rc); see $OUT/$name.log" >&2
		exit $rc
	fi
	grep -E "Elapsed|Maximum resident" "$OUT/$name.time"
}

for s in $STEPS; do
	case $s in
	simulate)
		step simulate "$OUT/bin/trainer" fmri simulate --scale real --subjects "$SUB" --seed "$SEED" \
			--out "$OUT/virtual" --overwrite
		;;
	fit)
		step fit "$OUT/bin/trainer" fmri fit --data "$OUT/virtual" --out "$OUT/fmri" --models vaegan,pca \
			--stream --ridge=false --curve "" --site-voxels "$BUDGET"
		;;
	eval)
		step eval "$OUT/bin/trainer" fmri eval --dir "$OUT/fmri"
		;;
	export)
		# --lab "": the Lab's files belong to the site's four subjects,
		# not to this one (and their calibration is not the export's cost).
		step export "$OUT/bin/exporter" --fmri "$OUT/fmri/site-voxels-$BUDGET" --lab "" --out "$OUT/site-data"
		;;
	export-full)
		step export-full "$OUT/bin/exporter" --fmri "$OUT/fmri" --lab "" --out "$OUT/site-data-full"
		;;
	browser)
		# The app's load and decode benchmarks on the exported data.
		abs=$(pwd)/$OUT
		wasmpath="$PATH:$($GO env GOROOT)/lib/wasm"
		: >"$OUT/browser.log"
		for d in site-data site-data-full; do
			[ -f "$OUT/$d/index.json" ] || { echo "scale.sh: $OUT/$d/index.json missing: skipped" | tee -a "$OUT/browser.log"; continue; }
			echo "## native $d" >>"$OUT/browser.log"
			FMRIFACE_SITE_DATA=$abs/$d $GO test -run '^$' -bench 'LoadSiteData|DecodeSiteData' -benchtime 5x ./wasm/app/ >>"$OUT/browser.log" 2>&1
			echo "## wasm $d" >>"$OUT/browser.log"
			PATH=$wasmpath GOOS=js GOARCH=wasm FMRIFACE_SITE_DATA=$abs/$d $GO test -run '^$' -bench 'LoadSiteData|DecodeSiteData' -benchtime 5x ./wasm/app/ >>"$OUT/browser.log" 2>&1
		done
		grep -E "^##|ns/op" "$OUT/browser.log"
		;;
	report)
		"$OUT/bin/trainer" fmri scale-report --work "$OUT" --out reports/scale/scale.json
		;;
	*)
		echo "scale.sh: unknown step $s (want simulate, fit, eval, export, export-full, browser or report)" >&2
		exit 2
		;;
	esac
done
