package quant

import "math"

// Error measures how far decoded is from orig: the largest absolute
// difference, the root-mean-square difference, and that RMS relative to the
// RMS of orig (0 when both are 0, +Inf when only orig's is). Sums run in
// float64. It panics if the lengths differ, which is a programming error.
func Error(orig, decoded []float32) (maxAbs, rmse, relRMSE float64) {
	if len(orig) != len(decoded) {
		panic("quant: Error: length mismatch")
	}
	if len(orig) == 0 {
		return 0, 0, 0
	}
	var se, ss float64
	for i, o := range orig {
		d := float64(o) - float64(decoded[i])
		maxAbs = math.Max(maxAbs, math.Abs(d)) // NaN, once seen, stays
		se += d * d
		ss += float64(o) * float64(o)
	}
	n := float64(len(orig))
	rmse = math.Sqrt(se / n)
	rms := math.Sqrt(ss / n)
	switch {
	case rmse == 0:
		relRMSE = 0
	case rms == 0:
		relRMSE = math.Inf(1)
	default:
		relRMSE = rmse / rms
	}
	return maxAbs, rmse, relRMSE
}
