package quant

import (
	"fmt"
	"math"
)

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

// Stats is the measured cost and damage of one encoding of one tensor.
type Stats struct {
	Kind    Kind
	Bytes   int64   // payload size
	MaxAbs  float64 // largest absolute error
	RMSE    float64 // root-mean-square error
	RelRMSE float64 // RMSE relative to the RMS of the original
}

// Measure encodes data under k, decodes it, and reports size and error.
func Measure(k Kind, shape []int, data []float32) (Stats, error) {
	dec, err := RoundTrip(k, shape, data)
	if err != nil {
		return Stats{}, err
	}
	size, _ := EncodedSize(k, shape) // RoundTrip checked the shape
	s := Stats{Kind: k, Bytes: size}
	s.MaxAbs, s.RMSE, s.RelRMSE = Error(data, dec)
	return s, nil
}

// Choose returns the smallest of the candidate encodings (all of Kinds() if
// none are given) whose relative RMS error on data is at most maxRelRMSE,
// with its Stats; ties in size go to the smaller error. An encoding that
// cannot represent the data (NaN, or a q4 scale overflowing float16) is
// skipped, and so is one whose error is NaN (data holding NaN). F32 is exact,
// so it qualifies for finite data whenever it is a candidate.
func Choose(shape []int, data []float32, maxRelRMSE float64, candidates ...Kind) (Stats, error) {
	if len(candidates) == 0 {
		candidates = Kinds()
	}
	var best Stats
	found := false
	var lastErr error
	for _, k := range candidates {
		s, err := Measure(k, shape, data)
		if err != nil {
			lastErr = err
			continue
		}
		if !(s.RelRMSE <= maxRelRMSE) { // also rejects a NaN error
			continue
		}
		if !found || s.Bytes < best.Bytes || (s.Bytes == best.Bytes && s.RelRMSE < best.RelRMSE) {
			best, found = s, true
		}
	}
	if !found {
		if lastErr != nil {
			return Stats{}, fmt.Errorf("quant: no encoding of %v meets relative RMSE %g (last failure: %w)", candidates, maxRelRMSE, lastErr)
		}
		return Stats{}, fmt.Errorf("quant: no encoding of %v meets relative RMSE %g", candidates, maxRelRMSE)
	}
	return best, nil
}
