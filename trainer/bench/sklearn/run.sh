#!/bin/sh
# Least squares X (N × P) → Y (N × V): gonum (pure Go, and on OpenBLAS when
# libopenblas is installed) beside scikit-learn Ridge(cholesky) and numpy
# lstsq, on the same .npy files, in the same run. Each fit runs in its own
# process so that peak RSS is its own. Usage (from the repository root):
#
#   trainer/bench/sklearn/run.sh            # N=8000 P=1025 V=5000
#   V=20000 LSTSQ=0 trainer/bench/sklearn/run.sh
#
# REPS (default 3) fits per process, best time reported; lstsq runs once.
#
# Needs Debian python3-sklearn (run with /usr/bin/python3).
set -eu
N=${N:-8000}
P=${P:-1025}
V=${V:-5000}
LSTSQ=${LSTSQ:-1}
REPS=${REPS:-3}
NICE=${NICE:-nice -n 19}
DIR=$(mktemp -d)
trap 'rm -rf "$DIR"' EXIT
HERE=$(dirname "$0")

echo "machine: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
$NICE go build -o "$DIR/fitbench" ./trainer/bench/sklearn
$NICE "$DIR/fitbench" -dir "$DIR" -gen -n "$N" -p "$P" -v "$V"
echo "X $N×$P, Y $N×$V written ($(du -sh "$DIR" | cut -f1))"

run() { # label, command...: time the command, report its own line and the peak RSS from time -v
	/usr/bin/time -v "$@" 2>"$DIR/time.txt" || { cat "$DIR/time.txt"; exit 1; }
	grep -E "Maximum resident" "$DIR/time.txt" | sed 's/^\s*/  (time -v) /'
}

run $NICE "$DIR/fitbench" -dir "$DIR" -reps "$REPS"
if [ -e /usr/lib/x86_64-linux-gnu/libopenblas.so ] || [ -e /usr/lib/libopenblas.so ]; then
	CGO_LDFLAGS=-lopenblas $NICE go build -tags netlib -o "$DIR/fitbench-openblas" ./trainer/bench/sklearn
	run $NICE "$DIR/fitbench-openblas" -dir "$DIR" -reps "$REPS"
fi
run $NICE /usr/bin/python3 "$HERE/bench.py" "$DIR" ridge "$REPS"
if [ "$LSTSQ" = 1 ]; then
	run $NICE /usr/bin/python3 "$HERE/bench.py" "$DIR" lstsq
fi
