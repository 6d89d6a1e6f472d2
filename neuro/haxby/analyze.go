package haxby

import (
	"fmt"
	"io"
	"math"
	"slices"

	"gonum.org/v1/gonum/mat"

	"fmriface/neuro/glm"
	"fmriface/neuro/mvpa"
	"fmriface/util/progress"
)

// Options control Analyze.
type Options struct {
	Permutations int     // label permutations for the p-values (0: none)
	Seed         uint64  // seed of the permutations
	Workers      int     // goroutines for the permutations (≤ 0: GOMAXPROCS); results do not depend on it
	MapAlpha     float64 // one-sided threshold of the face map; 0: 0.001
	Progress     io.Writer
}

// Method is one decoder's cross-validated results.
type Method struct {
	Name        string `json:"name"`
	Description string `json:"description"`
	// 8-way identification of each held-out run's 8 patterns.
	Accuracy float64 `json:"accuracy"`
	Correct  int     `json:"correct"`
	Total    int     `json:"total"`
	Chance   float64 `json:"chance"`
	PValue   float64 `json:"p_value"`   // permutation p of Accuracy
	NullMean float64 `json:"null_mean"` // mean accuracy under permuted labels
	Null95   float64 `json:"null_95th"` // 95th percentile of that null
	// Two-way identification (Haxby 2001): over held-out patterns of
	// category i, the fraction scoring higher for i than for j.
	Pairwise       float64      `json:"pairwise"`
	PairwisePValue float64      `json:"pairwise_p_value"`
	PairwiseMatrix [][]*float64 `json:"pairwise_matrix"` // [true i][other j], null on the diagonal
	Pairs          []Pair       `json:"pairs"`           // each unordered pair: mean of both directions
	FaceVsHouse    float64      `json:"face_vs_house"`
	// Confusion[i][j] counts held-out patterns of category i decoded as j.
	Confusion [][]int `json:"confusion"`
	// Predicted[r][i] is the category decoded for run r's pattern of
	// category i; Scores[r][i][j] its score for category j (Pearson r for
	// the correlation method, discriminant for LDA).
	Folds     []string      `json:"folds"` // what the rows of Predicted and Scores are
	Predicted [][]int       `json:"predicted"`
	Scores    [][][]float64 `json:"scores"`
	NullAcc   []float64     `json:"-"`
}

// Pair is the two-way accuracy of one unordered pair of categories.
type Pair struct {
	A        string  `json:"a"`
	B        string  `json:"b"`
	Accuracy float64 `json:"accuracy"`
}

// FaceMap is the face > other categories t map of the all-runs GLM.
type FaceMap struct {
	NX, NY int `json:"-"`
	// Mean is the mean image over all volumes (NX·NY values, x fastest).
	Mean []float64 `json:"mean_image"`
	// Mask lists the analysed voxels (index x + NX·y); T their t values.
	Mask []int     `json:"mask"`
	T    []float64 `json:"t_face"`
	DOF  int       `json:"dof"`
	// Alpha is the one-sided, uncorrected level of Threshold; FaceSelective
	// lists the mask voxels with t above it.
	Alpha         float64 `json:"alpha"`
	Threshold     float64 `json:"threshold"`
	FaceSelective []int   `json:"face_selective"`
	MaxT          float64 `json:"max_t"`
	MaxAt         [2]int  `json:"max_at_xy"`
}

// Analysis is everything the report shows.
type Analysis struct {
	Data    *Dataset
	Fits    *Fits
	Methods []Method
	Map     FaceMap
	Options Options
}

// Analyze fits the GLMs and decodes the category.
func Analyze(d *Dataset, opt Options) (*Analysis, error) {
	if opt.Permutations < 0 {
		return nil, fmt.Errorf("haxby: %d permutations", opt.Permutations)
	}
	if opt.MapAlpha == 0 {
		opt.MapAlpha = 0.001
	}
	fits, err := d.Fit(opt.Progress)
	if err != nil {
		return nil, err
	}
	a := &Analysis{Data: d, Fits: fits, Options: opt}
	setups, err := decoders(d, fits)
	if err != nil {
		return nil, err
	}
	if a.Methods, err = decode(setups, opt); err != nil {
		return nil, err
	}
	if a.Map, err = faceMap(d, fits, opt.MapAlpha); err != nil {
		return nil, err
	}
	return a, nil
}

// decoder is one method to cross-validate: a classifier, the patterns it
// sees and what its report calls it and its folds.
type decoder struct {
	cl    mvpa.Classifier
	data  mvpa.Data
	name  string
	desc  string
	folds []string
}

// decoders builds the three methods of the report: correlation and shrinkage
// LDA on the run-centred patterns (leave one run out), and correlation on
// Haxby's odd/even halves.
func decoders(d *Dataset, fits *Fits) ([]decoder, error) {
	k, nr, nv := len(Categories), len(d.Runs), len(d.Mask)
	X, labels, runs := runPatterns(fits, nr, k, nv)
	// LDA works in the span of the patterns, where its covariance is exact.
	Z, err := mvpa.GramCoordinates(X)
	if err != nil {
		return nil, err
	}
	Xh, hlabels, half, err := halfPatterns(d, X, labels, runs, k)
	if err != nil {
		return nil, err
	}
	runNames := make([]string, nr)
	for r := range runNames {
		runNames[r] = fmt.Sprintf("run %d", d.Runs[r].Index)
	}
	return []decoder{
		{mvpa.Correlation{}, mvpa.Data{X: X, Labels: labels, Runs: runs, K: k}, "correlation",
			"Haxby et al. (2001): class patterns = training-run mean betas minus their mean over categories; a held-out pattern (its run's mean over categories subtracted) goes to the class it correlates with best (Pearson r over voxels)", runNames},
		{mvpa.ShrinkageLDA{Dim: nv}, mvpa.Data{X: Z, Labels: labels, Runs: runs, K: k}, "shrinkage LDA",
			"linear discriminant, equal priors, pooled within-class covariance shrunk to a scaled identity with the Ledoit-Wolf (2004) intensity; same run-centred patterns (computed exactly in Gram coordinates)", runNames},
		{mvpa.Correlation{}, mvpa.Data{X: Xh, Labels: hlabels, Runs: half, K: k}, "correlation, split half",
			"Haxby et al. (2001)'s own scheme: the same correlation classifier on patterns averaged over the 6 odd and over the 6 even runs (each half's mean over categories subtracted); each half is identified from the other (2 folds, 16 patterns); labels permuted within halves",
			[]string{"odd runs", "even runs"}},
	}, nil
}

// runPatterns stacks each run's k category betas into one row each, with
// their labels and runs, and subtracts each run's mean pattern.
func runPatterns(fits *Fits, nr, k, nv int) (X *mat.Dense, labels, runs []int) {
	n := nr * k
	X = mat.NewDense(n, nv, nil)
	labels = make([]int, n)
	runs = make([]int, n)
	for r, B := range fits.Betas {
		for c := 0; c < k; c++ {
			X.SetRow(r*k+c, B.RawRowView(c))
			labels[r*k+c], runs[r*k+c] = c, r
		}
	}
	return mvpa.CentreRuns(X, runs), labels, runs
}

// halfPatterns is Haxby's own scheme: patterns averaged over the odd and over
// the even runs (half 0 and 1), one half identified from the other (2 folds).
func halfPatterns(d *Dataset, X *mat.Dense, labels, runs []int, k int) (Xh *mat.Dense, hlabels, half []int, err error) {
	_, nv := X.Dims()
	Xh = mat.NewDense(2*k, nv, nil)
	half = make([]int, 2*k)
	hlabels = make([]int, 2*k)
	counts := [2]int{}
	for r := range d.Runs {
		counts[1-d.Runs[r].Index%2]++
	}
	for i := range labels {
		h := 1 - d.Runs[runs[i]].Index%2 // 0: odd runs, 1: even runs
		row := Xh.RawRowView(h*k + labels[i])
		for j, v := range X.RawRowView(i) {
			row[j] += v / float64(counts[h])
		}
	}
	for h := 0; h < 2; h++ {
		if counts[h] == 0 {
			return nil, nil, nil, fmt.Errorf("haxby: the split-half analysis needs odd and even runs; %d odd, %d even", counts[0], counts[1])
		}
		for c := 0; c < k; c++ {
			half[h*k+c], hlabels[h*k+c] = h, c
		}
	}
	return Xh, hlabels, half, nil
}

// decode cross-validates each decoder and, with permutations, tests it
// against its permutation null (the same permutations for every decoder).
func decode(setups []decoder, opt Options) ([]Method, error) {
	k := len(Categories)
	var methods []Method
	bar := progress.New(opt.Progress, "permutations", opt.Permutations*len(setups))
	bar.SetUnit("perm")
	for _, s := range setups {
		cv, err := mvpa.CrossValidate(s.data, s.cl)
		if err != nil {
			return nil, err
		}
		m := summarise(s.name, s.desc, cv, s.data.Labels, s.data.Runs, k, len(s.folds))
		m.Folds = s.folds
		if opt.Permutations > 0 {
			nulls, err := mvpa.PermutationTest(s.data, []mvpa.Classifier{s.cl}, opt.Permutations, opt.Seed, opt.Workers, func() { bar.Add(1) })
			if err != nil {
				return nil, err
			}
			m.NullAcc = nulls[0].Accuracy
			m.PValue = mvpa.PValue(nulls[0].Accuracy, m.Accuracy)
			m.PairwisePValue = mvpa.PValue(nulls[0].Pairwise, m.Pairwise)
			m.NullMean = mean(nulls[0].Accuracy)
			m.Null95 = quantile(nulls[0].Accuracy, 0.95)
		}
		methods = append(methods, m)
	}
	bar.Done()
	return methods, nil
}

// faceMap thresholds the all-runs face > others t map at one-sided level
// alpha and finds its peak.
func faceMap(d *Dataset, fits *Fits, alpha float64) (FaceMap, error) {
	thr, err := glm.TThreshold(alpha, fits.DOF)
	if err != nil {
		return FaceMap{}, err
	}
	fm := FaceMap{NX: d.NX, NY: d.NY, Mean: d.MeanImage(), Mask: d.Mask, T: fits.TFace, DOF: fits.DOF, Alpha: alpha, Threshold: thr, MaxT: math.Inf(-1)}
	for j, v := range d.Mask {
		t := fits.TFace[j]
		if t > thr {
			fm.FaceSelective = append(fm.FaceSelective, v)
		}
		if t > fm.MaxT {
			fm.MaxT, fm.MaxAt = t, [2]int{v % d.NX, v / d.NX}
		}
	}
	return fm, nil
}

func summarise(name, desc string, cv *mvpa.CVResult, labels, runs []int, k, nr int) Method {
	m := Method{Name: name, Description: desc, Total: len(labels), Chance: 1 / float64(k)}
	m.Accuracy = mvpa.Accuracy(cv.Pred, labels)
	for i := range labels {
		if cv.Pred[i] == labels[i] {
			m.Correct++
		}
	}
	m.Confusion = mvpa.Confusion(cv.Pred, labels, k)
	acc, overall := mvpa.Pairwise(cv.Scores, labels, k)
	m.Pairwise = overall
	m.PairwiseMatrix = make([][]*float64, k)
	for i := range acc {
		m.PairwiseMatrix[i] = make([]*float64, k)
		for j := range acc[i] {
			if i != j {
				v := acc[i][j]
				m.PairwiseMatrix[i][j] = &v
			}
		}
	}
	for i := 0; i < k; i++ {
		for j := i + 1; j < k; j++ {
			m.Pairs = append(m.Pairs, Pair{A: Categories[i], B: Categories[j], Accuracy: mvpa.PairAccuracy(acc, i, j)})
		}
	}
	m.FaceVsHouse = mvpa.PairAccuracy(acc, slices.Index(Categories, "face"), slices.Index(Categories, "house"))
	m.Predicted = make([][]int, nr)
	m.Scores = make([][][]float64, nr)
	for r := range m.Predicted {
		m.Predicted[r] = make([]int, k)
		m.Scores[r] = make([][]float64, k)
	}
	for i := range labels {
		r, c := runs[i], labels[i]
		m.Predicted[r][c] = cv.Pred[i]
		m.Scores[r][c] = append([]float64(nil), cv.Scores.RawRowView(i)...)
	}
	return m
}

func mean(x []float64) float64 {
	s := 0.0
	for _, v := range x {
		s += v
	}
	return s / float64(len(x))
}

// quantile returns the q-quantile of x (linear interpolation).
func quantile(x []float64, q float64) float64 {
	s := slices.Clone(x)
	slices.Sort(s)
	pos := q * float64(len(s)-1)
	lo := int(math.Floor(pos))
	hi := min(lo+1, len(s)-1)
	return s[lo] + (pos-float64(lo))*(s[hi]-s[lo])
}
