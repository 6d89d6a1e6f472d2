package mvpa

import (
	"errors"
	"fmt"
	"math"
	"slices"

	"gonum.org/v1/gonum/mat"
)

// Data is a set of labelled patterns.
type Data struct {
	X      *mat.Dense // n samples × p features (voxels)
	Labels []int      // class of each sample, in [0, K)
	Runs   []int      // run of each sample; cross-validation leaves one run out
	K      int        // number of classes
}

// Validate checks shapes, labels and values.
func (d Data) Validate() error {
	if d.X == nil {
		return errors.New("mvpa: no patterns")
	}
	n, p := d.X.Dims()
	if n == 0 || p == 0 {
		return fmt.Errorf("mvpa: patterns are %d×%d", n, p)
	}
	if len(d.Labels) != n || len(d.Runs) != n {
		return fmt.Errorf("mvpa: %d patterns, %d labels, %d runs", n, len(d.Labels), len(d.Runs))
	}
	if d.K < 2 {
		return fmt.Errorf("mvpa: need at least 2 classes, have %d", d.K)
	}
	for i, l := range d.Labels {
		if l < 0 || l >= d.K {
			return fmt.Errorf("mvpa: sample %d has label %d outside [0, %d)", i, l, d.K)
		}
	}
	for i := 0; i < n; i++ {
		for j, v := range d.X.RawRowView(i) {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return fmt.Errorf("mvpa: sample %d, feature %d is %v", i, j, v)
			}
		}
	}
	if len(uniq(d.Runs)) < 2 {
		return errors.New("mvpa: leave-one-run-out needs at least 2 runs")
	}
	return nil
}

func uniq(x []int) []int {
	u := slices.Clone(x)
	slices.Sort(u)
	return slices.Compact(u)
}

// CentreRuns returns a copy of X in which each run's mean pattern has been
// subtracted from that run's samples. It uses no labels, so it may be
// applied to test runs; with one sample per class in every run it is the
// mean-over-categories subtraction of Haxby et al. (2001).
func CentreRuns(X *mat.Dense, runs []int) *mat.Dense {
	n, p := X.Dims()
	out := mat.DenseCopyOf(X)
	for _, r := range uniq(runs) {
		mean := make([]float64, p)
		cnt := 0
		for i := 0; i < n; i++ {
			if runs[i] == r {
				for j, v := range X.RawRowView(i) {
					mean[j] += v
				}
				cnt++
			}
		}
		for j := range mean {
			mean[j] /= float64(cnt)
		}
		for i := 0; i < n; i++ {
			if runs[i] == r {
				row := out.RawRowView(i)
				for j := range row {
					row[j] -= mean[j]
				}
			}
		}
	}
	return out
}

// Classifier fits on training patterns and scores test patterns: one score
// per class, the highest wins.
type Classifier interface {
	Name() string
	// Scores returns len(test rows) × k scores.
	Scores(train *mat.Dense, labels []int, k int, test *mat.Dense) (*mat.Dense, error)
}

// classMeans returns the k × p class means of the training rows.
func classMeans(train *mat.Dense, labels []int, k int) (*mat.Dense, []int, error) {
	_, p := train.Dims()
	m := mat.NewDense(k, p, nil)
	cnt := make([]int, k)
	for i, l := range labels {
		row := m.RawRowView(l)
		for j, v := range train.RawRowView(i) {
			row[j] += v
		}
		cnt[l]++
	}
	for c := 0; c < k; c++ {
		if cnt[c] == 0 {
			return nil, nil, fmt.Errorf("mvpa: class %d has no training samples", c)
		}
		row := m.RawRowView(c)
		for j := range row {
			row[j] /= float64(cnt[c])
		}
	}
	return m, cnt, nil
}

// CVResult holds the out-of-run scores and predictions of every sample.
type CVResult struct {
	Scores *mat.Dense // n × K, each row from the fold that left its run out
	Pred   []int      // argmax of each row (lowest class on ties)
}

// CrossValidate runs leave-one-run-out cross-validation: for every run, the
// classifier is fitted on the other runs and scores that run's samples.
func CrossValidate(d Data, c Classifier) (*CVResult, error) {
	if err := d.Validate(); err != nil {
		return nil, err
	}
	return crossValidate(d, c, d.Labels)
}

func crossValidate(d Data, c Classifier, labels []int) (*CVResult, error) {
	n, p := d.X.Dims()
	res := &CVResult{Scores: mat.NewDense(n, d.K, nil), Pred: make([]int, n)}
	for _, r := range uniq(d.Runs) {
		var tr, te []int
		for i, ri := range d.Runs {
			if ri == r {
				te = append(te, i)
			} else {
				tr = append(tr, i)
			}
		}
		train := mat.NewDense(len(tr), p, nil)
		trl := make([]int, len(tr))
		for a, i := range tr {
			copy(train.RawRowView(a), d.X.RawRowView(i))
			trl[a] = labels[i]
		}
		test := mat.NewDense(len(te), p, nil)
		for a, i := range te {
			copy(test.RawRowView(a), d.X.RawRowView(i))
		}
		s, err := c.Scores(train, trl, d.K, test)
		if err != nil {
			return nil, fmt.Errorf("mvpa: %s, fold leaving run %d out: %w", c.Name(), r, err)
		}
		for a, i := range te {
			row := s.RawRowView(a)
			copy(res.Scores.RawRowView(i), row)
			res.Pred[i] = argmax(row)
		}
	}
	return res, nil
}

func argmax(x []float64) int {
	best := 0
	for i, v := range x {
		if v > x[best] {
			best = i
		}
	}
	return best
}

// Accuracy is the fraction of predictions equal to the labels.
func Accuracy(pred, labels []int) float64 {
	ok := 0
	for i := range pred {
		if pred[i] == labels[i] {
			ok++
		}
	}
	return float64(ok) / float64(len(pred))
}

// Confusion counts samples by true class (row) and predicted class (column).
func Confusion(pred, labels []int, k int) [][]int {
	m := make([][]int, k)
	for i := range m {
		m[i] = make([]int, k)
	}
	for i := range pred {
		m[labels[i]][pred[i]]++
	}
	return m
}

// Pairwise returns the two-way identification accuracy of Haxby et al.
// (2001) from out-of-run scores: acc[i][j] is, over the samples of class i,
// the fraction whose score for i beats their score for j (ties count one
// half; the diagonal is NaN). overall is the mean of acc over all ordered
// pairs i ≠ j, so each pair counts once per direction.
func Pairwise(scores *mat.Dense, labels []int, k int) (acc [][]float64, overall float64) {
	acc = make([][]float64, k)
	cnt := make([]int, k)
	for i := range acc {
		acc[i] = make([]float64, k)
	}
	for s, l := range labels {
		row := scores.RawRowView(s)
		cnt[l]++
		for j := 0; j < k; j++ {
			switch {
			case j == l:
			case row[l] > row[j]:
				acc[l][j]++
			case row[l] == row[j]:
				acc[l][j] += 0.5
			}
		}
	}
	sum, pairs := 0.0, 0
	for i := range acc {
		for j := range acc[i] {
			if i == j {
				acc[i][j] = math.NaN()
				continue
			}
			if cnt[i] == 0 {
				acc[i][j] = math.NaN()
				continue
			}
			acc[i][j] /= float64(cnt[i])
			sum += acc[i][j]
			pairs++
		}
	}
	if pairs == 0 {
		return acc, math.NaN()
	}
	return acc, sum / float64(pairs)
}

// PairAccuracy is the accuracy of the two-way decision between classes a and
// b alone: the mean of acc[a][b] and acc[b][a] from Pairwise (e.g. faces vs
// houses).
func PairAccuracy(acc [][]float64, a, b int) float64 { return (acc[a][b] + acc[b][a]) / 2 }
