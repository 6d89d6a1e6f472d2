#!/bin/sh
# calibrate.sh NOISE [OUT] — one step of the noise calibration (reports/fmri):
# simulate the four virtual subjects on the calibration seed (2, never the
# reporting seed 1) at the given noise scales, fit the VAE-GAN decoders and
# print the evaluation table. The target is the paper's VAE-GAN pairwise
# accuracy with all voxels: 97.1, 98.7, 95.0, 91.3 % (± 2 points).
#
#   scripts/calibrate.sh 7.4,6.8,10,10.9
#   MODEL=runs/new/model.npz scripts/calibrate.sh 5.6,5.4,9.9,9.4   # a candidate face model
set -eu
NOISE=${1:?usage: scripts/calibrate.sh s1,s2,s3,s4 [out folder]}
OUT=${2:-out/calib/$(echo "$NOISE" | tr , _)}
GO=${GO:-go}
$GO run ./trainer fmri simulate --seed 2 --noise "$NOISE" --out "$OUT/data" --overwrite
$GO run ./trainer fmri fit --data "$OUT/data" --out "$OUT/fmri" --model "${MODEL:-models/default/model.npz}" --models vaegan --ridge=false --curve "" --subsets 0
$GO run ./trainer fmri eval --dir "$OUT/fmri" --draws 10000
