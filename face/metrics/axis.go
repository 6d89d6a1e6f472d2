package metrics

import (
	"fmt"
	"math"
)

// AttributeAxis returns the paper's attribute direction in latent space:
// mean of the latents (n×d rows) that have the attribute minus mean of those
// that do not. It panics if either group is empty — the caller knows its
// labels and must not ask for an axis that does not exist.
func AttributeAxis(latents []float32, n, d int, has []bool) []float32 {
	checkLatents("AttributeAxis", latents, n, d, len(has))
	pos, neg := make([]float64, d), make([]float64, d)
	np, nn := 0, 0
	for i := range n {
		acc := neg
		if has[i] {
			acc, np = pos, np+1
		} else {
			nn++
		}
		for j, v := range latents[i*d : (i+1)*d] {
			acc[j] += float64(v)
		}
	}
	if np == 0 || nn == 0 {
		panic(fmt.Sprintf("metrics: AttributeAxis needs latents with and without the attribute, have %d and %d", np, nn))
	}
	axis := make([]float32, d)
	for j := range axis {
		axis[j] = float32(pos[j]/float64(np) - neg[j]/float64(nn))
	}
	return axis
}

// GenderAxis is AttributeAxis with male = has: mean male − mean female.
func GenderAxis(latents []float32, n, d int, male []bool) []float32 {
	return AttributeAxis(latents, n, d, male)
}

// SignAccuracy classifies each latent by the sign of its projection on axis,
// through the origin (positive = has the attribute, e.g. male for the gender
// axis), and returns the fraction classified as labelled. A projection of
// exactly zero counts as wrong. NaN for n = 0.
func SignAccuracy(latents []float32, n, d int, axis []float32, has []bool) float64 {
	checkLatents("SignAccuracy", latents, n, d, len(has))
	if len(axis) != d {
		panic(fmt.Sprintf("metrics: SignAccuracy with an axis of %d values for latents of %d", len(axis), d))
	}
	if n == 0 {
		return math.NaN()
	}
	right := 0
	for i := range n {
		var p float64
		for j, v := range latents[i*d : (i+1)*d] {
			p += float64(v) * float64(axis[j])
		}
		if (p > 0 && has[i]) || (p < 0 && !has[i]) {
			right++
		}
	}
	return float64(right) / float64(n)
}

func checkLatents(fn string, latents []float32, n, d, labels int) {
	if n < 0 || d < 0 || len(latents) != n*d || labels != n {
		panic(fmt.Sprintf("metrics: %s of %d values and %d labels for %d latents of %d", fn, len(latents), labels, n, d))
	}
}
