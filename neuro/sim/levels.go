package sim

import (
	"context"
	"fmt"
)

// StimulusLevels returns the brain v2's three feature levels of the pool's
// faces ids, one row per face, before the simulator's standardisation and
// random projection: the contrast-normalised Gabor energies (normSigma as
// BrainV2Config.NormSigma; the local-mean channels are 0), the face-feature
// network's mid level and its embedding. The analysis uses them as
// references of its representational similarity analysis; they are
// properties of the stimuli, computed the same way whichever brain made the
// data.
func StimulusLevels(ctx context.Context, pool *Pool, ids []int, featureModel, cacheDir string, normSigma float64) (low, mid, high [][]float64, err error) {
	for _, id := range ids {
		if id < 0 || id >= len(pool.Faces) {
			return nil, nil, nil, fmt.Errorf("sim: stimulus levels: face %d not in the pool of %d", id, len(pool.Faces))
		}
	}
	lo, err := imageFeatures(ctx, pool.Size, pool.Image, ids, nil)
	if err != nil {
		return nil, nil, nil, err
	}
	normalizeEnergy(lo, len(ids), normSigma)
	net, dMid, dHigh, err := netLevels(ctx, featureModel, cacheDir, pool, ids, nil)
	if err != nil {
		return nil, nil, nil, err
	}
	d := dMid + dHigh
	for r := range ids {
		low = append(low, f64(lo[r*NumFeatures:(r+1)*NumFeatures]))
		mid = append(mid, f64(net[r*d:r*d+dMid]))
		high = append(high, f64(net[r*d+dMid:(r+1)*d]))
	}
	return low, mid, high, nil
}

func f64(x []float32) []float64 {
	out := make([]float64, len(x))
	for i, v := range x {
		out[i] = float64(v)
	}
	return out
}
