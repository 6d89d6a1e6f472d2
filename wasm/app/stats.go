package app

import (
	"math"
	"sort"
)

// Pearson returns the correlation of a and b (equal lengths); 0 when either is
// constant.
func Pearson(a, b []float32) float64 {
	n := len(a)
	if n == 0 || len(b) != n {
		return 0
	}
	var ma, mb float64
	for i := range a {
		ma += float64(a[i])
		mb += float64(b[i])
	}
	ma /= float64(n)
	mb /= float64(n)
	var sab, saa, sbb float64
	for i := range a {
		da, db := float64(a[i])-ma, float64(b[i])-mb
		sab += da * db
		saa += da * da
		sbb += db * db
	}
	if saa == 0 || sbb == 0 {
		return 0
	}
	return sab / math.Sqrt(saa*sbb)
}

// CorrMatrix fills r (n×n, row-major) with r[i][j] = Pearson(decoded_i, true_j)
// for n latents of length l laid out row by row.
func CorrMatrix(decoded, truth []float32, n, l int, r []float64) {
	for i := range n {
		for j := range n {
			r[i*n+j] = Pearson(decoded[i*l:(i+1)*l], truth[j*l:(j+1)*l])
		}
	}
}

// Pairwise counts, from a correlation matrix r (n×n, r[i][j] between decoded
// i and true j), the ordered pairs (i, j≠i) with r[i][i] > r[i][j]: the
// paper's pairwise test, out of n·(n−1) (380 for 20 faces). perFace, if not
// nil, receives each face's count out of n−1.
func Pairwise(r []float64, n int, perFace []int) (correct, total int) {
	for i := range n {
		c := 0
		for j := range n {
			if j != i && r[i*n+i] > r[i*n+j] {
				c++
			}
		}
		if perFace != nil {
			perFace[i] = c
		}
		correct += c
	}
	return correct, n * (n - 1)
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
