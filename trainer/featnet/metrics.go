package featnet

import (
	"math"
	"sort"
)

// AUC is the area under the ROC curve of scores for the positives (the
// Mann–Whitney probability that a random positive scores above a random
// negative, ties counting one half). It is NaN without positives or negatives.
func AUC(scores []float64, positive []bool) float64 {
	idx := make([]int, len(scores))
	for i := range idx {
		idx[i] = i
	}
	sort.Slice(idx, func(a, b int) bool { return scores[idx[a]] < scores[idx[b]] })
	var rankSum float64
	var nPos, nNeg int
	for i := 0; i < len(idx); {
		j := i
		for j < len(idx) && scores[idx[j]] == scores[idx[i]] {
			j++
		}
		mid := float64(i+j+1) / 2 // mean 1-based rank of the tie group
		for _, k := range idx[i:j] {
			if positive[k] {
				rankSum += mid
				nPos++
			} else {
				nNeg++
			}
		}
		i = j
	}
	if nPos == 0 || nNeg == 0 {
		return math.NaN()
	}
	return (rankSum - float64(nPos)*float64(nPos+1)/2) / (float64(nPos) * float64(nNeg))
}

// Binary holds a binary classifier's test scores.
type Binary struct {
	Accuracy         float64 `json:"accuracy"`
	BalancedAccuracy float64 `json:"balanced_accuracy"` // mean of the true-positive and true-negative rates
	AUC              float64 `json:"auc"`
	Prevalence       float64 `json:"prevalence"` // fraction of positives in the test set
	// Majority is the accuracy of always answering the training set's majority class.
	Majority float64 `json:"majority_baseline"`
}

// ScoreBinary scores logits (positive: predicted present) against labels;
// trainPrevalence decides the majority baseline.
func ScoreBinary(logits []float64, positive []bool, trainPrevalence float64) Binary {
	var tp, tn, p, n int
	for i, l := range logits {
		if positive[i] {
			p++
			if l > 0 {
				tp++
			}
		} else {
			n++
			if l <= 0 {
				tn++
			}
		}
	}
	b := Binary{AUC: AUC(logits, positive)}
	total := float64(p + n)
	if total == 0 {
		return Binary{Accuracy: math.NaN(), BalancedAccuracy: math.NaN(), AUC: math.NaN(), Prevalence: math.NaN(), Majority: math.NaN()}
	}
	b.Accuracy = float64(tp+tn) / total
	b.Prevalence = float64(p) / total
	b.Majority = 1 - b.Prevalence
	if trainPrevalence > 0.5 {
		b.Majority = b.Prevalence
	}
	switch {
	case p > 0 && n > 0:
		b.BalancedAccuracy = (float64(tp)/float64(p) + float64(tn)/float64(n)) / 2
	default:
		b.BalancedAccuracy = math.NaN()
	}
	return b
}

// TopK is the fraction of rows whose class is among the k largest logits
// (rows of length classes; labels below 0 are skipped).
func TopK(logits []float32, labels []int, classes, k int) float64 {
	hit, n := 0, 0
	for i, y := range labels {
		if y < 0 {
			continue
		}
		n++
		row := logits[i*classes : (i+1)*classes]
		above := 0
		for _, v := range row {
			if v > row[y] {
				above++
			}
		}
		if above < k {
			hit++
		}
	}
	if n == 0 {
		return math.NaN()
	}
	return float64(hit) / float64(n)
}

// VerificationAUC is the AUC of the cosine similarity of feature vectors
// (rows of x, d values each, centred on their mean row) for pairs of the same
// person against pairs of different persons, over all pairs.
func VerificationAUC(x []float32, d int, person []int) float64 {
	n := len(person)
	mean := make([]float64, d)
	for i := 0; i < n; i++ {
		for j, v := range x[i*d : (i+1)*d] {
			mean[j] += float64(v) / float64(n)
		}
	}
	unit := make([]float64, n*d)
	for i := 0; i < n; i++ {
		var ss float64
		row := unit[i*d : (i+1)*d]
		for j, v := range x[i*d : (i+1)*d] {
			row[j] = float64(v) - mean[j]
			ss += row[j] * row[j]
		}
		inv := 1 / math.Max(math.Sqrt(ss), 1e-12)
		for j := range row {
			row[j] *= inv
		}
	}
	scores := make([]float64, 0, n*(n-1)/2)
	same := make([]bool, 0, n*(n-1)/2)
	for i := 0; i < n; i++ {
		a := unit[i*d : (i+1)*d]
		for j := i + 1; j < n; j++ {
			b := unit[j*d : (j+1)*d]
			var s float64
			for k := range a {
				s += a[k] * b[k]
			}
			scores = append(scores, s)
			same = append(same, person[i] == person[j])
		}
	}
	return AUC(scores, same)
}
