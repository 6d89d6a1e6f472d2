package site

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"unicode/utf8"

	"fmriface/bundle"
	"fmriface/bundle/quant"
	"fmriface/contract/sitedata"
)

// RealBrain is the realbrain bundle (docs/site-data.md): one slice of real
// fMRI and what neuro/haxby found in it (Haxby et al. 2001, one person): the
// mean image, the face > other categories t map with its threshold, and, for
// each decoder, the category it named for every block of every held-out run,
// its confusion matrix, accuracy and permutation p-value. The app's "Real
// brain" panel shows it; the exporter writes it from reports/haxby/results.json
// and site/fixture writes a TEST FIXTURE version (Fixture set).
//
// Encode and LoadRealBrain are each other's inverse; both run Validate, so a
// file the app would refuse cannot be written.
type RealBrain struct {
	// Fixture marks TEST FIXTURE data (site/fixture): a synthetic slice,
	// not real fMRI, not results.
	Fixture bool
	Subject string // the dataset's subject, e.g. "sub-1"
	// Text shown with the data: a one-line title, the short attribution
	// ("Haxby et al. (2001)"), the licence's name ("CC BY-SA 3.0"), its
	// terms and the full citation.
	Title, Source, License, Terms, Citation string

	NX, NY int         // the slice's grid; voxel v = x + NX·y
	Affine [16]float64 // voxel (x, y, 0, 1) → world mm, row-major 4×4
	Mean   []float32   // NX·NY: the mean image over all volumes
	// Mask lists the analysed voxels, increasing; T their face > others t.
	Mask []int32
	T    []float32
	// Threshold is the t above which a mask voxel counts as face-selective:
	// p < Alpha one-sided, uncorrected, at DOF degrees of freedom.
	Threshold, Alpha float64
	DOF              int

	Categories []string // K categories; every run showed one block of each
	Runs       []string // R held-out runs (cross-validation folds), named
	Methods    []RealMethod
	// Permutations is the size of the null behind the p-values.
	Permutations int
	// Literature puts published numbers beside ours.
	Literature []RealLit

	// Provenance is what made the file (command, configuration, code version,
	// data); Encode stores it, LoadRealBrain reads it back.
	Provenance bundle.Provenance
}

// RealMethod is one decoder's leave-one-run-out results.
type RealMethod struct {
	Name string // "correlation", "shrinkage LDA"
	// Predicted[r·K+k] is the category decoded for held-out run r's block
	// of category k (its true category is k).
	Predicted []uint8
	// Confusion[i·K+j] counts blocks of category i decoded as j: Predicted
	// summed over the runs (Validate checks that it is).
	Confusion []int32
	// Accuracy is the fraction of the R·K blocks decoded correctly, PValue
	// its permutation p; Pairwise the two-way identification (Haxby's
	// measure, chance 1/2) and PairwisePValue its p.
	Accuracy, PValue, Pairwise, PairwisePValue float64
}

// RealLit is one published value beside ours.
type RealLit struct{ Measure, Value, Source, Ours string }

// Bounds of a realbrain bundle, checked before anything of that size is
// allocated: it holds one slice and a few small tables.
const (
	MaxRealBrainBytes = 1 << 20 // the whole file
	maxRealGrid       = 1 << 16 // voxels of the slice
	maxRealSide       = 1024
	maxRealCategories = 32
	maxRealRuns       = 64
	maxRealMethods    = 8
	maxRealLit        = 16
	maxRealText       = 4096 // bytes of one text field
)

// realLimits bounds the parser: a realbrain bundle is small.
var realLimits = bundle.Limits{MaxFileSize: MaxRealBrainBytes, MaxTensors: 64, MaxMeta: 128, MaxStringLen: 16 * maxRealText,
	MaxArrayLen: maxRealGrid, MaxElements: maxRealGrid}

// K is the number of categories, R the number of held-out runs.
func (r *RealBrain) K() int { return len(r.Categories) }

// R is the number of held-out runs.
func (r *RealBrain) R() int { return len(r.Runs) }

// Correct is the number of blocks method m decoded correctly, out of R·K.
func (m *RealMethod) Correct(k int) int {
	n := 0
	for i, p := range m.Predicted {
		if int(p) == i%k {
			n++
		}
	}
	return n
}

// FaceSelective lists the mask voxels whose t exceeds the threshold.
func (r *RealBrain) FaceSelective() []int32 {
	var out []int32
	for j, v := range r.Mask {
		if float64(r.T[j]) > r.Threshold {
			out = append(out, v)
		}
	}
	return out
}

// Validate checks everything the app relies on: sizes against each other
// and the bounds, voxel indices in the grid and increasing, finite values,
// categories in range, each confusion matrix the sum of its predictions,
// each accuracy their fraction correct, p-values in (0, 1], text present and
// short. Errors name the field.
func (r *RealBrain) Validate() error {
	if r.NX < 1 || r.NY < 1 || r.NX > maxRealSide || r.NY > maxRealSide || r.NX*r.NY > maxRealGrid {
		return fmt.Errorf("grid %d×%d out of range (at most %d voxels)", r.NX, r.NY, maxRealGrid)
	}
	for _, t := range []struct{ name, s string }{{"subject", r.Subject}, {"title", r.Title}, {"source", r.Source},
		{"license", r.License}, {"terms", r.Terms}, {"citation", r.Citation}} {
		if err := checkText(t.name, t.s); err != nil {
			return err
		}
	}
	for i, v := range r.Affine {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return fmt.Errorf("affine[%d] is %v", i, v)
		}
	}
	if len(r.Mean) != r.NX*r.NY {
		return fmt.Errorf("mean_image: %d values for a %d×%d grid", len(r.Mean), r.NX, r.NY)
	}
	if i := firstNonFinite(r.Mean); i >= 0 {
		return fmt.Errorf("mean_image: value %d is %v", i, r.Mean[i])
	}
	if len(r.Mask) < 1 || len(r.T) != len(r.Mask) {
		return fmt.Errorf("map: %d mask voxels with %d t values", len(r.Mask), len(r.T))
	}
	for j, v := range r.Mask {
		if v < 0 || int(v) >= r.NX*r.NY || (j > 0 && v <= r.Mask[j-1]) {
			return fmt.Errorf("map.mask: voxel %d = %d is outside 0…%d or not increasing", j, v, r.NX*r.NY-1)
		}
	}
	if i := firstNonFinite(r.T); i >= 0 {
		return fmt.Errorf("map.t_face: value %d is %v", i, r.T[i])
	}
	if math.IsNaN(r.Threshold) || math.IsInf(r.Threshold, 0) || !(r.Alpha > 0 && r.Alpha < 1) || r.DOF < 1 {
		return fmt.Errorf("map: threshold %v, alpha %v, dof %d out of range", r.Threshold, r.Alpha, r.DOF)
	}
	k, runs := r.K(), r.R()
	if k < 2 || k > maxRealCategories || runs < 1 || runs > maxRealRuns {
		return fmt.Errorf("%d categories (2…%d) and %d runs (1…%d)", k, maxRealCategories, runs, maxRealRuns)
	}
	if err := checkNames("categories", r.Categories); err != nil {
		return err
	}
	if err := checkNames("runs", r.Runs); err != nil {
		return err
	}
	if len(r.Methods) < 1 || len(r.Methods) > maxRealMethods {
		return fmt.Errorf("%d methods, want 1…%d", len(r.Methods), maxRealMethods)
	}
	for i := range r.Methods {
		if err := r.Methods[i].validate(k, runs); err != nil {
			return fmt.Errorf("method %d (%s): %w", i, r.Methods[i].Name, err)
		}
	}
	if r.Permutations < 1 {
		return fmt.Errorf("permutations %d, want at least 1", r.Permutations)
	}
	if len(r.Literature) > maxRealLit {
		return fmt.Errorf("%d literature rows, at most %d", len(r.Literature), maxRealLit)
	}
	for i, l := range r.Literature {
		for _, t := range []struct{ name, s string }{{"measure", l.Measure}, {"value", l.Value}, {"source", l.Source}, {"ours", l.Ours}} {
			if err := checkText(fmt.Sprintf("literature[%d].%s", i, t.name), t.s); err != nil {
				return err
			}
		}
	}
	return nil
}

func (m *RealMethod) validate(k, runs int) error {
	if err := checkText("name", m.Name); err != nil {
		return err
	}
	if len(m.Predicted) != runs*k || len(m.Confusion) != k*k {
		return fmt.Errorf("%d predictions (want %d runs × %d) and %d confusion cells (want %d)", len(m.Predicted), runs, k, len(m.Confusion), k*k)
	}
	counts := make([]int32, k*k)
	for i, p := range m.Predicted {
		if int(p) >= k {
			return fmt.Errorf("run %d, category %d: decoded category %d is not one of the %d", i/k, i%k, p, k)
		}
		counts[(i%k)*k+int(p)]++
	}
	if !slices.Equal(counts, m.Confusion) {
		return errors.New("the confusion matrix is not the sum of the predictions")
	}
	if want := float64(m.Correct(k)) / float64(runs*k); !(math.Abs(m.Accuracy-want) <= 1e-9) {
		return fmt.Errorf("accuracy %v, but %d of %d blocks are decoded correctly", m.Accuracy, m.Correct(k), runs*k)
	}
	if !(m.Pairwise >= 0 && m.Pairwise <= 1) {
		return fmt.Errorf("pairwise %v outside [0, 1]", m.Pairwise)
	}
	if !(m.PValue > 0 && m.PValue <= 1) || !(m.PairwisePValue > 0 && m.PairwisePValue <= 1) {
		return fmt.Errorf("p-values %v, %v outside (0, 1]", m.PValue, m.PairwisePValue)
	}
	return nil
}

func checkText(name, s string) error {
	if s == "" || len(s) > maxRealText || !utf8.ValidString(s) {
		return fmt.Errorf("%s: want 1 to %d bytes of UTF-8, got %d", name, maxRealText, len(s))
	}
	return nil
}

func checkNames(what string, names []string) error {
	for i, s := range names {
		if err := checkText(fmt.Sprintf("%s[%d]", what, i), s); err != nil {
			return err
		}
		if slices.Contains(names[:i], s) {
			return fmt.Errorf("%s[%d]: %q listed twice", what, i, s)
		}
	}
	return nil
}

func firstNonFinite(v []float32) int {
	for i, x := range v {
		if math.IsNaN(float64(x)) || math.IsInf(float64(x), 0) {
			return i
		}
	}
	return -1
}

// Encode validates r and returns it as a realbrain bundle. The floats are
// stored as f32: the file is small (about 10 kB for the Haxby slice).
func (r *RealBrain) Encode() ([]byte, error) {
	if err := r.Validate(); err != nil {
		return nil, fmt.Errorf("realbrain: %w", err)
	}
	k, runs, nm := r.K(), r.R(), len(r.Methods)
	w := bundle.NewWriter()
	p := r.Provenance
	p.Subject = ""
	w.SetProvenance(p)
	w.SetMeta(bundle.KeyKind, sitedata.RealBrainKind)
	w.SetMeta(bundle.KeySubject, r.Subject)
	w.SetMeta("fixture", r.Fixture)
	for key, s := range map[string]string{"title": r.Title, "source": r.Source, "license": r.License, "terms": r.Terms, "citation": r.Citation} {
		w.SetMeta(key, s)
	}
	w.SetMeta("affine", r.Affine[:])
	w.SetMeta("categories", r.Categories)
	w.SetMeta("runs", r.Runs)
	w.SetMeta("map.threshold", r.Threshold)
	w.SetMeta("map.alpha", r.Alpha)
	w.SetMeta("map.dof", int64(r.DOF))
	w.SetMeta("permutations", int64(r.Permutations))
	names := make([]string, nm)
	acc, pv, pw, pwp := make([]float64, nm), make([]float64, nm), make([]float64, nm), make([]float64, nm)
	pred := make([]uint8, 0, nm*runs*k)
	conf := make([]int32, 0, nm*k*k)
	for i, m := range r.Methods {
		names[i], acc[i], pv[i], pw[i], pwp[i] = m.Name, m.Accuracy, m.PValue, m.Pairwise, m.PairwisePValue
		pred = append(pred, m.Predicted...)
		conf = append(conf, m.Confusion...)
	}
	w.SetMeta("methods", names)
	w.SetMeta("accuracy", acc)
	w.SetMeta("p_value", pv)
	w.SetMeta("pairwise", pw)
	w.SetMeta("pairwise_p_value", pwp)
	lit := [4][]string{}
	for _, l := range r.Literature {
		for i, s := range []string{l.Measure, l.Value, l.Source, l.Ours} {
			lit[i] = append(lit[i], s)
		}
	}
	for i, key := range []string{"literature.measure", "literature.value", "literature.source", "literature.ours"} {
		w.SetMeta(key, append([]string{}, lit[i]...))
	}
	w.AddFloat32("mean_image", []int{r.NY, r.NX}, r.Mean, quant.F32)
	w.AddInt32("map.mask", []int{len(r.Mask)}, r.Mask)
	w.AddFloat32("map.t_face", []int{len(r.T)}, r.T, quant.F32)
	w.AddUint8("predicted", []int{nm, runs, k}, pred)
	w.AddInt32("confusion", []int{nm, k, k}, conf)
	b, err := w.Bytes()
	if err != nil {
		return nil, fmt.Errorf("realbrain: %w", err)
	}
	return b, nil
}

// LoadRealBrain parses and checks a realbrain bundle (bounded: at most
// MaxRealBrainBytes, small tables); name (the file name) prefixes every error.
func LoadRealBrain(name string, data []byte) (*RealBrain, error) {
	return loadRealBrain(name, data, bundle.Parse)
}

// LoadRealBrainVerified is LoadRealBrain for bytes already checked against
// the site's index (see LoadModelVerified).
func LoadRealBrainVerified(name string, data []byte) (*RealBrain, error) {
	return loadRealBrain(name, data, bundle.ParseVerified)
}

func loadRealBrain(name string, data []byte, parse parseFunc) (*RealBrain, error) {
	if len(data) > MaxRealBrainBytes {
		return nil, fmt.Errorf("%s: %d bytes, a realbrain bundle has at most %d", name, len(data), MaxRealBrainBytes)
	}
	b, err := parse(data, realLimits)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	r, err := realFromBundle(b)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return r, nil
}

// metaReader reads metadata keys, keeping the first error.
type metaReader struct {
	b   *bundle.Bundle
	err error
}

func (m *metaReader) note(key string, err error) {
	if err != nil && m.err == nil {
		m.err = fmt.Errorf("meta %s: %w", key, err)
	}
}

func (m *metaReader) str(key string) string {
	s, err := m.b.MetaString(key)
	m.note(key, err)
	return s
}

func (m *metaReader) strs(key string) []string {
	s, err := m.b.MetaStrings(key)
	m.note(key, err)
	return s
}

func (m *metaReader) f64(key string) float64 {
	v, err := m.b.MetaFloat64(key)
	m.note(key, err)
	return v
}

func (m *metaReader) i64(key string, lo, hi int64) int {
	v, err := m.b.MetaInt64(key)
	if err == nil && (v < lo || v > hi) {
		err = fmt.Errorf("%d outside %d…%d", v, lo, hi)
	}
	m.note(key, err)
	return int(v)
}

func (m *metaReader) f64s(key string, n int) []float64 {
	v, ok := m.b.Meta(key)
	x, isF := v.([]float64)
	switch {
	case !ok:
		m.note(key, errors.New("absent"))
	case !isF:
		m.note(key, fmt.Errorf("not a float64 array"))
	case len(x) != n:
		m.note(key, fmt.Errorf("%d values, want %d", len(x), n))
	}
	return x
}

func realFromBundle(b *bundle.Bundle) (*RealBrain, error) {
	m := &metaReader{b: b}
	if kind := m.str(bundle.KeyKind); m.err == nil && kind != sitedata.RealBrainKind {
		return nil, fmt.Errorf("meta kind = %q, want %q", kind, sitedata.RealBrainKind)
	}
	r := &RealBrain{Subject: m.str(bundle.KeySubject), Title: m.str("title"), Source: m.str("source"),
		License: m.str("license"), Terms: m.str("terms"), Citation: m.str("citation"),
		Categories: m.strs("categories"), Runs: m.strs("runs"),
		Threshold: m.f64("map.threshold"), Alpha: m.f64("map.alpha"), DOF: m.i64("map.dof", 1, math.MaxInt32),
		Permutations: m.i64("permutations", 1, math.MaxInt32)}
	fx, err := b.MetaBool("fixture")
	m.note("fixture", err)
	r.Fixture = fx
	copy(r.Affine[:], m.f64s("affine", 16))
	names := m.strs("methods")
	if m.err != nil {
		return nil, m.err
	}
	k, runs, nm := len(r.Categories), len(r.Runs), len(names)
	if k < 2 || k > maxRealCategories || runs < 1 || runs > maxRealRuns || nm < 1 || nm > maxRealMethods {
		return nil, fmt.Errorf("%d categories (2…%d), %d runs (1…%d), %d methods (1…%d)", k, maxRealCategories, runs, maxRealRuns, nm, maxRealMethods)
	}
	acc, pv, pw, pwp := m.f64s("accuracy", nm), m.f64s("p_value", nm), m.f64s("pairwise", nm), m.f64s("pairwise_p_value", nm)
	var lit [4][]string
	for i, key := range []string{"literature.measure", "literature.value", "literature.source", "literature.ours"} {
		lit[i] = m.strs(key)
		if len(lit[i]) != len(lit[0]) || len(lit[i]) > maxRealLit {
			m.note(key, fmt.Errorf("%d rows, want %d (at most %d)", len(lit[i]), len(lit[0]), maxRealLit))
		}
	}
	if m.err != nil {
		return nil, m.err
	}
	for i := range lit[0] {
		r.Literature = append(r.Literature, RealLit{Measure: lit[0][i], Value: lit[1][i], Source: lit[2][i], Ours: lit[3][i]})
	}
	if r.Provenance, err = b.Provenance(); err != nil {
		return nil, err
	}
	r.Provenance.Subject = "" // it is r.Subject

	img, err := shape(b, "mean_image", 2)
	if err != nil {
		return nil, err
	}
	r.NY, r.NX = img[0], img[1]
	if r.NX < 1 || r.NY < 1 || r.NX > maxRealSide || r.NY > maxRealSide || r.NX*r.NY > maxRealGrid {
		return nil, fmt.Errorf("tensor mean_image: shape %v out of range", img)
	}
	if r.Mean, err = floats(b, "mean_image", r.NX*r.NY); err != nil {
		return nil, err
	}
	mask, err := shape(b, "map.mask", 1)
	if err != nil {
		return nil, err
	}
	if r.Mask, err = b.Int32("map.mask"); err != nil {
		return nil, fmt.Errorf("tensor map.mask: %w", err)
	}
	if err := wantShape(b, "map.t_face", mask[0]); err != nil {
		return nil, err
	}
	if r.T, err = floats(b, "map.t_face", mask[0]); err != nil {
		return nil, err
	}
	if err := wantShape(b, "predicted", nm, runs, k); err != nil {
		return nil, err
	}
	pred, err := b.Uint8("predicted")
	if err != nil {
		return nil, fmt.Errorf("tensor predicted: %w", err)
	}
	if err := wantShape(b, "confusion", nm, k, k); err != nil {
		return nil, err
	}
	conf, err := b.Int32("confusion")
	if err != nil {
		return nil, fmt.Errorf("tensor confusion: %w", err)
	}
	for i, name := range names {
		r.Methods = append(r.Methods, RealMethod{Name: name,
			Predicted: pred[i*runs*k : (i+1)*runs*k], Confusion: conf[i*k*k : (i+1)*k*k],
			Accuracy: acc[i], PValue: pv[i], Pairwise: pw[i], PairwisePValue: pwp[i]})
	}
	if err := r.Validate(); err != nil {
		return nil, err
	}
	return r, nil
}
