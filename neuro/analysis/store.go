package analysis

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"fmriface/util/ckpt"
)

// ResultFormat names the layout of a subject's results file.
const ResultFormat = "fmriface-fmri-results/1"

// ResultFileName is the results file in a subject's folder (next to the
// exporter's decoders.npz).
const ResultFileName = "results.npz"

// ResultPath is dir/id/results.npz.
func ResultPath(dir, id string) string { return filepath.Join(dir, id, ResultFileName) }

// Variants of the decoder.
const (
	VariantOLS   = "ols"   // the paper's least squares
	VariantRidge = "ridge" // cross-validated ridge encoding fit (beyond the paper)
	// VariantBudget is the paper's decoder on the site's voxel budget: the
	// selected voxels with the largest F of the modulators (ModelFit.Budget).
	VariantBudget = "budget"
)

// SubjectResult is what `fmri fit` keeps for evaluation and the report:
// true and decoded latents, decoded images, and how they were obtained.
// Its file is an .npz in the ckpt layout (float32 arrays + __meta__):
//
//	shown                          (N, 3·S·S) the test faces as shown: generator(true latent)
//	<model>.true.test              (N, L) true latents of the test faces
//	<model>.true.imagery           (M, L) the imagery candidates (M may be 0)
//	<model>.axis.male              (L) male − female mean latent of the model's training faces
//	<model>.<variant>.<roi>.test   (N, L) decoded test latents
//	<model>.<variant>.<roi>.imagery (L) decoded imagery latent
//	<model>.<variant>.images       (N, 3·S·S) decoded faces, all voxels
//	<model>.curve<i>.test          (N, L) decoded from a fraction of the training faces
//	rsa.brain.<roi>                (N, N) the test faces' RDM over the ROI's responsive voxels
//	rsa.level.<low|mid|high>       (N, N) their RDM in a stimulus feature level
type SubjectResult struct {
	Subject       string        `json:"subject"`
	Simulated     bool          `json:"simulated"`
	NoiseLevel    float64       `json:"noise_level,omitempty"`
	Seed          int64         `json:"sim_seed,omitempty"`
	Brain         string        `json:"sim_brain,omitempty"` // the simulation's brain model (sim.BrainV1, BrainV2)
	TestImages    []string      `json:"test_images"`
	TestKeys      []string      `json:"test_keys"`
	TestMale      []bool        `json:"test_male"`
	ImageryKeys   []string      `json:"imagery_keys,omitempty"`
	ImageryTarget int           `json:"imagery_target"`
	ImageSize     int           `json:"image_size"`
	NMask         int           `json:"n_mask"`
	NScans        int           `json:"n_scans"`
	NRuns         int           `json:"n_runs"`
	Models        []ModelResult `json:"models"`
	Provenance    any           `json:"provenance,omitempty"`

	Shown [][]float32 `json:"-"`
	// BrainRDM (per ROI) and LevelRDM (per stimulus feature level: low,
	// mid, high) are N × N dissimilarity matrices over the test faces for
	// the representational similarity analysis (rsa.go); either may be
	// empty (an older fit, or no feature network).
	BrainRDM map[string][][]float64 `json:"-"`
	LevelRDM map[string][][]float64 `json:"-"`
}

// rsaLevels are the stimulus feature levels a LevelRDM may hold.
var rsaLevels = []string{LevelLow, LevelMid, LevelHigh}

// ModelResult is one latent space's part of a SubjectResult.
type ModelResult struct {
	Name       string             `json:"name"`
	L          int                `json:"latent"`
	NTrain     int                `json:"n_train_faces"`
	DOF        int                `json:"dof"`
	TThreshold float64            `json:"t_threshold"`
	FThreshold float64            `json:"f_threshold"`
	NVoxels    map[string]int     `json:"n_voxels"`
	ROIErrors  map[string]string  `json:"roi_errors,omitempty"`
	Lambda     float64            `json:"ridge_lambda"`
	Lambdas    []float64          `json:"ridge_lambdas,omitempty"`
	CVError    []float64          `json:"ridge_cv_error,omitempty"`
	Curve      []CurveInfo        `json:"curve,omitempty"`
	Seconds    map[string]float64 `json:"seconds,omitempty"`
	Variants   []string           `json:"variants"`
	// BudgetVoxels is the voxel count per ROI of VariantBudget (absent
	// without it).
	BudgetVoxels map[string]int `json:"budget_voxels,omitempty"`

	// RidgeSkipped are the λ left out of Lambdas: singular in a fold.
	RidgeSkipped []float64 `json:"ridge_lambdas_skipped,omitempty"`

	TrueTest    [][]float64                       `json:"-"`
	TrueImagery [][]float64                       `json:"-"`
	MaleAxis    []float64                         `json:"-"`
	Test        map[string]map[string][][]float64 `json:"-"` // variant → ROI → N × L
	Imagery     map[string]map[string][]float64   `json:"-"` // variant → ROI → L
	Images      map[string][][]float32            `json:"-"` // variant → N decoded faces
	CurveTest   [][][]float64                     `json:"-"` // per curve point, N × L (nil on error)
}

// CurveInfo describes one point of the training-size curve.
type CurveInfo struct {
	Fraction float64 `json:"fraction"`
	NFaces   int     `json:"n_faces"`
	Err      string  `json:"error,omitempty"`
}

func rowsTensor(name string, rows [][]float64) ckpt.Tensor {
	t := ckpt.Tensor{Name: name, Shape: []int{len(rows), 0}}
	if len(rows) > 0 {
		t.Shape[1] = len(rows[0])
	}
	for _, r := range rows {
		for _, v := range r {
			t.Data = append(t.Data, float32(v))
		}
	}
	return t
}

func rows32Tensor(name string, rows [][]float32) ckpt.Tensor {
	t := ckpt.Tensor{Name: name, Shape: []int{len(rows), 0}}
	if len(rows) > 0 {
		t.Shape[1] = len(rows[0])
	}
	for _, r := range rows {
		t.Data = append(t.Data, r...)
	}
	return t
}

func vecTensor(name string, v []float64) ckpt.Tensor {
	t := ckpt.Tensor{Name: name, Shape: []int{len(v)}, Data: make([]float32, len(v))}
	for i, x := range v {
		t.Data[i] = float32(x)
	}
	return t
}

// WriteResult writes r atomically to path.
func WriteResult(path string, r *SubjectResult) error {
	if err := r.validate(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	var ts []ckpt.Tensor
	if len(r.Shown) > 0 {
		ts = append(ts, rows32Tensor("shown", r.Shown))
	}
	for _, roi := range roiNames {
		if m, ok := r.BrainRDM[roi]; ok {
			ts = append(ts, rowsTensor("rsa.brain."+roi, m))
		}
	}
	for _, l := range rsaLevels {
		if m, ok := r.LevelRDM[l]; ok {
			ts = append(ts, rowsTensor("rsa.level."+l, m))
		}
	}
	for _, m := range r.Models {
		p := m.Name + "."
		ts = append(ts, rowsTensor(p+"true.test", m.TrueTest), rowsTensor(p+"true.imagery", m.TrueImagery))
		if m.MaleAxis != nil {
			ts = append(ts, vecTensor(p+"axis.male", m.MaleAxis))
		}
		for _, v := range m.Variants {
			for _, roi := range roiNames {
				if z, ok := m.Test[v][roi]; ok {
					ts = append(ts, rowsTensor(p+v+"."+roi+".test", z))
				}
				if z, ok := m.Imagery[v][roi]; ok {
					ts = append(ts, vecTensor(p+v+"."+roi+".imagery", z))
				}
			}
			if im, ok := m.Images[v]; ok {
				ts = append(ts, rows32Tensor(p+v+".images", im))
			}
		}
		for i, z := range m.CurveTest {
			if z != nil {
				ts = append(ts, rowsTensor(fmt.Sprintf("%scurve%d.test", p, i), z))
			}
		}
	}
	meta := struct {
		Format string `json:"format"`
		*SubjectResult
	}{ResultFormat, r}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	return ckpt.Save(path, meta, ts, ckpt.Float32)
}

var roiNames = []string{"all", "occipital", "temporal", "frontoparietal"}

// maxResultBytes bounds a results file.
const maxResultBytes = 1 << 30

// ReadResult reads and validates a results file.
func ReadResult(path string) (*SubjectResult, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if st.Size() > maxResultBytes {
		return nil, fmt.Errorf("read %s: %d bytes is too large for a results file", path, st.Size())
	}
	f, err := ckpt.Load(path)
	if err != nil {
		return nil, err
	}
	var meta struct {
		Format string `json:"format"`
		SubjectResult
	}
	if err := json.Unmarshal(f.Meta, &meta); err != nil {
		return nil, fmt.Errorf("read %s: __meta__: %w", path, err)
	}
	if meta.Format != ResultFormat {
		return nil, fmt.Errorf("read %s: format %q, want %q", path, meta.Format, ResultFormat)
	}
	r := &meta.SubjectResult
	a := &resultArrays{path: path, f: f, used: map[string]bool{}}
	a.n = len(r.TestImages)
	if a.n < 2 || len(r.TestKeys) != a.n || len(r.TestMale) != a.n {
		return nil, fmt.Errorf("read %s: %d test images, %d keys, %d genders", path, a.n, len(r.TestKeys), len(r.TestMale))
	}
	if r.ImageSize < 0 || r.ImageSize > 1024 {
		return nil, fmt.Errorf("read %s: image size %d", path, r.ImageSize)
	}
	a.px = 3 * r.ImageSize * r.ImageSize
	if r.Shown, err = a.images("shown"); err != nil {
		return nil, err
	}
	for mi := range r.Models {
		if err := a.readModel(r, mi); err != nil {
			return nil, err
		}
	}
	if r.BrainRDM, err = a.rdms("rsa.brain.", roiNames); err != nil {
		return nil, err
	}
	if r.LevelRDM, err = a.rdms("rsa.level.", rsaLevels); err != nil {
		return nil, err
	}
	for name := range f.Tensors {
		if !a.used[name] {
			return nil, fmt.Errorf("read %s: unexpected array %s", path, name)
		}
	}
	return r, nil
}

// resultArrays reads the arrays of a results file, checking their shapes
// and recording which were asked for, so that any other is caught.
type resultArrays struct {
	path string
	f    *ckpt.File
	used map[string]bool
	n    int // test faces
	px   int // values per image
}

func (a *resultArrays) get(name string) (ckpt.Tensor, bool) {
	t, ok := a.f.Tensors[name]
	a.used[name] = ok
	return t, ok
}

// rows reads array name as n rows of l finite values (l < 0: any); absent,
// it is nil, or an error when required.
func (a *resultArrays) rows(name string, n, l int, required bool) ([][]float64, error) {
	t, ok := a.get(name)
	if !ok {
		if required {
			return nil, fmt.Errorf("read %s: missing array %s", a.path, name)
		}
		return nil, nil
	}
	if len(t.Shape) != 2 || t.Shape[0] != n || (l >= 0 && t.Shape[1] != l) || len(t.Data) != t.Shape[0]*t.Shape[1] {
		return nil, fmt.Errorf("read %s: array %s has shape %v, want (%d, %d)", a.path, name, t.Shape, n, l)
	}
	out := make([][]float64, n)
	for i := range out {
		out[i] = make([]float64, t.Shape[1])
		for k := range out[i] {
			v := float64(t.Data[i*t.Shape[1]+k])
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return nil, fmt.Errorf("read %s: array %s has a non-finite value", a.path, name)
			}
			out[i][k] = v
		}
	}
	return out, nil
}

// rdms reads the optional N × N arrays prefix+name.
func (a *resultArrays) rdms(prefix string, names []string) (map[string][][]float64, error) {
	out := map[string][][]float64{}
	for _, name := range names {
		m, err := a.rows(prefix+name, a.n, a.n, false)
		if err != nil {
			return nil, err
		}
		if m != nil {
			out[name] = m
		}
	}
	return out, nil
}

// images reads array name as one image per test face; absent, it is nil.
func (a *resultArrays) images(name string) ([][]float32, error) {
	t, ok := a.get(name)
	if !ok {
		return nil, nil
	}
	n, px := a.n, a.px
	if len(t.Shape) != 2 || t.Shape[0] != n || t.Shape[1] != px || len(t.Data) != n*px {
		return nil, fmt.Errorf("read %s: array %s has shape %v, want (%d, %d)", a.path, name, t.Shape, n, px)
	}
	out := make([][]float32, n)
	for i := range out {
		out[i] = t.Data[i*px : (i+1)*px]
	}
	return out, nil
}

// readModel checks model mi's metadata and reads its arrays: true latents,
// the male axis, each variant's decodings and the curve's.
func (a *resultArrays) readModel(r *SubjectResult, mi int) error {
	m := &r.Models[mi]
	if m.L <= 0 || m.L > 1<<16 || m.Name == "" || strings.ContainsAny(m.Name, ". /") {
		return fmt.Errorf("read %s: model %d: name %q, latent %d", a.path, mi, m.Name, m.L)
	}
	p := m.Name + "."
	var err error
	if m.TrueTest, err = a.rows(p+"true.test", a.n, m.L, true); err != nil {
		return err
	}
	if m.TrueImagery, err = a.rows(p+"true.imagery", len(r.ImageryKeys), m.L, true); err != nil {
		return err
	}
	if r.ImageryKeys != nil && (r.ImageryTarget < 0 || r.ImageryTarget >= len(r.ImageryKeys)) {
		return fmt.Errorf("read %s: imagery target %d of %d candidates", a.path, r.ImageryTarget, len(r.ImageryKeys))
	}
	if t, ok := a.get(p + "axis.male"); ok {
		if len(t.Shape) != 1 || t.Shape[0] != m.L || len(t.Data) != m.L {
			return fmt.Errorf("read %s: array %saxis.male has shape %v, want (%d)", a.path, p, t.Shape, m.L)
		}
		m.MaleAxis = make([]float64, m.L)
		for k, v := range t.Data {
			m.MaleAxis[k] = float64(v)
		}
	}
	m.Test = map[string]map[string][][]float64{}
	m.Imagery = map[string]map[string][]float64{}
	m.Images = map[string][][]float32{}
	for _, v := range m.Variants {
		if err := a.readVariant(m, v); err != nil {
			return err
		}
	}
	if len(m.Curve) > 16 {
		return fmt.Errorf("read %s: %d curve points", a.path, len(m.Curve))
	}
	m.CurveTest = make([][][]float64, len(m.Curve))
	for i := range m.Curve {
		if m.CurveTest[i], err = a.rows(fmt.Sprintf("%scurve%d.test", p, i), a.n, m.L, false); err != nil {
			return err
		}
	}
	return nil
}

// readVariant reads variant v's decoded test and imagery latents per ROI
// and its decoded faces, each optional.
func (a *resultArrays) readVariant(m *ModelResult, v string) error {
	if v != VariantOLS && v != VariantRidge && v != VariantBudget {
		return fmt.Errorf("read %s: model %s: unknown variant %q", a.path, m.Name, v)
	}
	p := m.Name + "."
	m.Test[v] = map[string][][]float64{}
	m.Imagery[v] = map[string][]float64{}
	for _, roi := range roiNames {
		z, err := a.rows(p+v+"."+roi+".test", a.n, m.L, false)
		if err != nil {
			return err
		}
		if z != nil {
			m.Test[v][roi] = z
		}
		if t, ok := a.get(p + v + "." + roi + ".imagery"); ok {
			if len(t.Shape) != 1 || t.Shape[0] != m.L || len(t.Data) != m.L {
				return fmt.Errorf("read %s: array %s.%s.imagery has shape %v", a.path, p+v, roi, t.Shape)
			}
			zi := make([]float64, m.L)
			for k, x := range t.Data {
				zi[k] = float64(x)
			}
			m.Imagery[v][roi] = zi
		}
	}
	im, err := a.images(p + v + ".images")
	if err != nil {
		return err
	}
	if im != nil {
		m.Images[v] = im
	}
	return nil
}

func (r *SubjectResult) validate() error {
	n := len(r.TestImages)
	if n < 2 || len(r.TestKeys) != n || len(r.TestMale) != n {
		return fmt.Errorf("%d test images, %d keys, %d genders", n, len(r.TestKeys), len(r.TestMale))
	}
	names := map[string]bool{}
	for _, m := range r.Models {
		if names[m.Name] || m.Name == "" || strings.ContainsAny(m.Name, ". /") {
			return fmt.Errorf("model name %q is empty, repeated or has a dot", m.Name)
		}
		names[m.Name] = true
		if m.MaleAxis != nil && len(m.MaleAxis) != m.L {
			return fmt.Errorf("model %s: male axis of %d values, latent %d", m.Name, len(m.MaleAxis), m.L)
		}
		if len(m.TrueTest) != n {
			return fmt.Errorf("model %s: %d true test latents for %d faces", m.Name, len(m.TrueTest), n)
		}
		if len(m.CVError) != len(m.Lambdas) {
			return fmt.Errorf("model %s: %d ridge CV errors for %d λ", m.Name, len(m.CVError), len(m.Lambdas))
		}
		for i, e := range m.CVError {
			if math.IsInf(e, 0) || math.IsNaN(e) {
				return fmt.Errorf("model %s: ridge CV error of λ %g is %v (JSON has no such number: leave the λ out, in ridge_lambdas_skipped)", m.Name, m.Lambdas[i], e)
			}
		}
		for _, v := range m.Variants {
			if !slices.Contains([]string{VariantOLS, VariantRidge, VariantBudget}, v) {
				return fmt.Errorf("model %s: unknown variant %q", m.Name, v)
			}
		}
	}
	return nil
}
