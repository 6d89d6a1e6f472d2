package app

import (
	"sort"

	"fmriface/util/corr"
)

// Pearson returns the correlation of a and b (equal lengths): corr.Pearson,
// with 0 where that is undefined (either constant), which is what the panels
// show and rank.
func Pearson(a, b []float32) float64 { return corr.PearsonOr(a, b, 0) }

// CorrMatrix fills r (n×n, row-major) with r[i][j] = Pearson(decoded_i, true_j)
// for n latents of length l laid out row by row (corr.MatrixInto).
func CorrMatrix(decoded, truth []float32, n, l int, r []float64) {
	corr.MatrixInto(r[:n*n], decoded[:n*l], truth[:n*l], l, 0)
}

// Pairwise counts, from a correlation matrix r (n×n, r[i][j] between decoded
// i and true j), the ordered pairs (i, j≠i) with r[i][i] > r[i][j]: the
// paper's pairwise test (corr.Pairwise), out of n·(n−1) (380 for 20 faces).
// perFace, if not nil, receives each face's count out of n−1.
func Pairwise(r []float64, n int, perFace []int) (correct, total int) {
	if perFace != nil {
		perFace = perFace[:n]
	}
	return corr.Pairwise(r[:n*n], n, perFace)
}

// Rank is 1 + the number of candidates j whose score beats the target's: 1 is
// a full recognition. Ties count against the target.
func Rank(scores []float64, target int) int {
	rank := 1
	for j, s := range scores {
		if j != target && s >= scores[target] {
			rank++
		}
	}
	return rank
}

// Order returns candidate indices sorted by descending score (stable).
func Order(scores []float64) []int {
	idx := make([]int, len(scores))
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(a, b int) bool { return scores[idx[a]] > scores[idx[b]] })
	return idx
}

// Project is the dot product of z with axis: the gender read-out is its sign
// (positive = male), a projection through the origin as in the paper.
func Project(z, axis []float32) float64 {
	var s float64
	for i := range z {
		s += float64(z[i]) * float64(axis[i])
	}
	return s
}
