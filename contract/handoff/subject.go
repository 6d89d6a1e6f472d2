package handoff

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

// Format names the subject file layout, stored as "format" in __meta__.
const Format = "fmriface-fmri-subject/1"

// FileName is the subject file's name inside its sub-XX folder.
const FileName = "decoders.npz"

// MaxFileBytes bounds the size of a subject file that Read accepts (a paper-size
// subject, 160,000 voxels and two decoders of 1024 latents in float32, is 1.3 GB).
const MaxFileBytes = 2 << 30

// ROI label values of Subject.VoxelROI.
const (
	LabelOccipital      = 1
	LabelTemporal       = 2
	LabelFrontoparietal = 3
)

// ROINames lists the ROIs in file and report order; "all" is every voxel.
func ROINames() []string { return []string{"all", "occipital", "temporal", "frontoparietal"} }

// Provenance says what produced a subject's decoders.
type Provenance struct {
	Command      []string        `json:"command,omitempty"`       // argv of the analysis, argv[0] first
	CodeVersion  string          `json:"code_version,omitempty"`  // version.String() of the analysis
	Seed         int64           `json:"seed"`                    // the simulation or analysis seed
	NoiseLevel   float64         `json:"noise_level,omitempty"`   // the simulation's noise scalar, if simulated
	Model        string          `json:"model,omitempty"`         // the face model whose latents were regressed
	TrainingData string          `json:"training_data,omitempty"` // the fMRI data the decoders were fitted on
	FitConfig    json.RawMessage `json:"fit_config,omitempty"`    // voxel-selection thresholds, etc.
}

// ROI is one region's decoder.
type ROI struct {
	Name string
	// Voxels are indices into the subject's V voxels, in the order of the
	// decoder's rows: ascending, and 0…V−1 for "all".
	Voxels []int32
	// Decoder is D = Wᵀ(WWᵀ)⁻¹ restricted to the ROI, bias column dropped,
	// row-major (len(Voxels), Latent): ẑ = y_roi·D + Subject.LatentMean.
	Decoder []float32
}

// Subject is everything the exporter needs from one subject's analysis.
// Matrices are row-major float32 (or small integers) with the shapes noted.
type Subject struct {
	ID         string // "sub-01"
	Simulated  bool   // true for the virtual subjects of neuro/sim
	Latent     int    // L, the face model's latent size (K, the components, for SpacePCA)
	Provenance Provenance

	GridShape [3]int  // the voxel grid (i, j, k sizes)
	VoxelIJK  []int16 // (V, 3) grid coordinates of the selected voxels
	VoxelROI  []uint8 // (V) LabelOccipital, LabelTemporal or LabelFrontoparietal

	ROIs []ROI // in ROINames order
	// LatentMean (L) is the mean latent of the training faces. The analysis
	// regresses on mean-centred latents, so its decoders give centred
	// latents: every decoded latent is y_roi·D + LatentMean, for every ROI.
	LatentMean []float32

	TestPatterns     []float32 // (N, V): one pattern per test face, all presentations pooled
	TestSubsets      []float32 // (R, N, V): R disjoint subsets of each face's repetitions
	TestSubsetTrials []int32   // (R) trials averaged in each subset
	TestLatents      []float32 // (N, L) true latents (encoder μ) of the test faces
	TestMale         []uint8   // (N) 1 if the test face is male

	ImageryPattern []float32 // (V)
	ImageryLatents []float32 // (M, L): the imagined face at ImageryTarget and M−1 others
	ImageryTarget  int

	// Space is the latent space the decoders map to: "" for the face
	// model's (the VAE-GAN, decoders.npz) or SpacePCA for the PCA
	// baseline's (decoders-pca.npz, see pca.go), which has its own voxel
	// selection and so its own voxels, ROIs and patterns.
	Space string
}

// meta is the __meta__ record.
type meta struct {
	Format        string     `json:"format"`
	Subject       string     `json:"subject"`
	Simulated     bool       `json:"simulated"`
	Latent        int        `json:"latent"`
	NVoxels       int        `json:"n_voxels"`
	NTest         int        `json:"n_test"`
	NSubsets      int        `json:"n_subsets"`
	NImagery      int        `json:"n_imagery"`
	ROIs          []string   `json:"rois"`
	ImageryTarget int        `json:"imagery_target"`
	Provenance    Provenance `json:"provenance"`
	// LatentSpace is Subject.Space, omitted for the face model's so that
	// its files keep their bytes.
	LatentSpace string `json:"latent_space,omitempty"`
}

// Path is the subject file of subject id under dir: dir/id/decoders.npz.
func Path(dir, id string) string { return filepath.Join(dir, id, FileName) }

// NVoxels is V.
func (s *Subject) NVoxels() int { return len(s.VoxelROI) }

// NTest is the number of test faces N.
func (s *Subject) NTest() int { return len(s.TestMale) }

// NSubsets is R.
func (s *Subject) NSubsets() int { return len(s.TestSubsetTrials) }

// NImagery is the number of imagery candidates M.
func (s *Subject) NImagery() int {
	if s.Latent <= 0 {
		return 0
	}
	return len(s.ImageryLatents) / s.Latent
}

// ROI returns the named ROI.
func (s *Subject) ROI(name string) (*ROI, bool) {
	for i := range s.ROIs {
		if s.ROIs[i].Name == name {
			return &s.ROIs[i], true
		}
	}
	return nil, false
}

// Write validates s and writes it to path (creating its folder) atomically.
// The bytes depend only on s.
func Write(path string, s *Subject) error {
	if err := s.Validate(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	V, L, N, R := s.NVoxels(), s.Latent, s.NTest(), s.NSubsets()
	m := meta{Format: Format, Subject: s.ID, Simulated: s.Simulated, Latent: L, NVoxels: V, NTest: N,
		NSubsets: R, NImagery: s.NImagery(), ROIs: ROINames(), ImageryTarget: s.ImageryTarget, LatentSpace: s.Space, Provenance: s.Provenance}
	ts := []ckpt.Tensor{
		{Name: "grid.shape", Shape: []int{3}, Data: ints(s.GridShape[:])},
		{Name: "voxels.ijk", Shape: []int{V, 3}, Data: ints(s.VoxelIJK)},
		{Name: "voxels.roi", Shape: []int{V}, Data: ints(s.VoxelROI)},
	}
	for _, r := range s.ROIs {
		ts = append(ts,
			ckpt.Tensor{Name: "roi." + r.Name, Shape: []int{len(r.Voxels)}, Data: ints(r.Voxels)},
			ckpt.Tensor{Name: "decoder." + r.Name, Shape: []int{len(r.Voxels), L}, Data: r.Decoder})
	}
	ts = append(ts,
		ckpt.Tensor{Name: "latent.mean", Shape: []int{L}, Data: s.LatentMean},
		ckpt.Tensor{Name: "test.patterns", Shape: []int{N, V}, Data: s.TestPatterns},
		ckpt.Tensor{Name: "test.subsets", Shape: []int{R, N, V}, Data: s.TestSubsets},
		ckpt.Tensor{Name: "test.subset_trials", Shape: []int{R}, Data: ints(s.TestSubsetTrials)},
		ckpt.Tensor{Name: "test.latents", Shape: []int{N, L}, Data: s.TestLatents},
		ckpt.Tensor{Name: "test.male", Shape: []int{N}, Data: ints(s.TestMale)},
		ckpt.Tensor{Name: "imagery.pattern", Shape: []int{V}, Data: s.ImageryPattern},
		ckpt.Tensor{Name: "imagery.latents", Shape: []int{s.NImagery(), L}, Data: s.ImageryLatents},
	)
	return ckpt.Save(path, m, ts, ckpt.Float32)
}

func ints[T int | int16 | int32 | uint8](v []T) []float32 {
	out := make([]float32, len(v))
	for i, x := range v {
		out[i] = float32(x)
	}
	return out
}

// ReadDir reads every dir/sub-*/decoders.npz, sorted by subject.
func ReadDir(dir string) ([]*Subject, error) {
	return readDir(dir, FileName, "", "run the fMRI analysis first (trainer fmri fit)")
}

// readDir reads every dir/sub-*/name, whose subjects must be in space.
func readDir(dir, name, space, hint string) ([]*Subject, error) {
	paths, err := filepath.Glob(filepath.Join(dir, "sub-*", name))
	if err != nil {
		return nil, err
	}
	if len(paths) == 0 {
		return nil, fmt.Errorf("%s: no sub-*/%s: %s", dir, name, hint)
	}
	slices.Sort(paths)
	out := make([]*Subject, 0, len(paths))
	for _, p := range paths {
		s, err := Read(p)
		if err != nil {
			return nil, err
		}
		if want := filepath.Base(filepath.Dir(p)); s.ID != want {
			return nil, fmt.Errorf("%s: holds subject %q, but its folder says %q", p, s.ID, want)
		}
		if s.Space != space {
			return nil, fmt.Errorf("%s: holds latent space %q, want %q", p, s.Space, space)
		}
		out = append(out, s)
	}
	return out, nil
}

// Read loads and validates a subject file.
func Read(path string) (*Subject, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if st.Size() > MaxFileBytes {
		return nil, fmt.Errorf("%s: %d bytes, above the limit of %d", path, st.Size(), int64(MaxFileBytes))
	}
	f, err := ckpt.Load(path)
	if err != nil {
		return nil, err
	}
	s, err := fromFile(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return s, nil
}

// fromFile decodes and validates a loaded archive: the record, then the
// voxels, the ROIs' decoders and the latents and patterns, each array
// checked against the sizes the record gives.
func fromFile(f *ckpt.File) (*Subject, error) {
	m, err := readMeta(f.Meta)
	if err != nil {
		return nil, err
	}
	a := arrays{f}
	s := &Subject{ID: m.Subject, Simulated: m.Simulated, Latent: m.Latent, Space: m.LatentSpace, Provenance: m.Provenance, ImageryTarget: m.ImageryTarget}
	if err := a.readVoxels(s, m.NVoxels); err != nil {
		return nil, err
	}
	if err := a.readROIs(s, m.NVoxels, m.Latent); err != nil {
		return nil, err
	}
	if err := a.readFaces(s, m); err != nil {
		return nil, err
	}
	for name := range f.Tensors {
		if !knownArray(name) {
			return nil, fmt.Errorf("unknown array %s", name)
		}
	}
	return s, s.Validate()
}

// readMeta decodes the archive's record and checks its format, ROIs and
// sizes.
func readMeta(raw []byte) (*meta, error) {
	var m meta
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil, fmt.Errorf("__meta__: %w", err)
	}
	if m.Format != Format {
		return nil, fmt.Errorf("__meta__ format is %q, want %q", m.Format, Format)
	}
	if !slices.Equal(m.ROIs, ROINames()) {
		return nil, fmt.Errorf("__meta__ rois are %q, want %q", m.ROIs, ROINames())
	}
	V, L, N, R, M := m.NVoxels, m.Latent, m.NTest, m.NSubsets, m.NImagery
	if V <= 0 || L <= 0 || N < 2 || R < 0 || M < 1 {
		return nil, fmt.Errorf("__meta__ sizes n_voxels %d, latent %d, n_test %d, n_subsets %d, n_imagery %d are invalid", V, L, N, R, M)
	}
	return &m, nil
}

// arrays reads the arrays of a subject archive. Every size is checked
// against the arrays actually present, so a hostile record cannot make this
// allocate more than the file holds.
type arrays struct{ f *ckpt.File }

// get returns array name, which must have the given shape.
func (a arrays) get(name string, shape ...int) ([]float32, error) {
	t, ok := a.f.Tensors[name]
	if !ok {
		return nil, fmt.Errorf("missing array %s (shape %v)", name, shape)
	}
	if !slices.Equal(t.Shape, shape) {
		return nil, fmt.Errorf("array %s has shape %v, want %v", name, t.Shape, shape)
	}
	n := 1
	for _, d := range shape {
		n *= d
	}
	if len(t.Data) != n {
		return nil, fmt.Errorf("array %s holds %d values for shape %v", name, len(t.Data), shape)
	}
	return t.Data, nil
}

// readVoxels reads the grid and the V voxels' positions and ROI labels.
func (a arrays) readVoxels(s *Subject, V int) error {
	x, err := a.get("grid.shape", 3)
	if err != nil {
		return err
	}
	g, err := toInts[int](x, "grid.shape", 1, math.MaxInt16)
	copy(s.GridShape[:], g)
	if err != nil {
		return err
	}
	if x, err = a.get("voxels.ijk", V, 3); err != nil {
		return err
	}
	if s.VoxelIJK, err = toInts[int16](x, "voxels.ijk", 0, math.MaxInt16); err != nil {
		return err
	}
	if x, err = a.get("voxels.roi", V); err != nil {
		return err
	}
	s.VoxelROI, err = toInts[uint8](x, "voxels.roi", 0, 255)
	return err
}

// readROIs reads each ROI's voxels (indices below V) and its V_roi × L
// decoder.
func (a arrays) readROIs(s *Subject, V, L int) error {
	for _, name := range ROINames() {
		idx, ok := a.f.Tensors["roi."+name]
		if !ok || len(idx.Shape) != 1 {
			return fmt.Errorf("missing array roi.%s (shape (V_roi))", name)
		}
		x, err := a.get("roi."+name, idx.Shape[0])
		if err != nil {
			return err
		}
		r := ROI{Name: name}
		if r.Voxels, err = toInts[int32](x, "roi."+name, 0, int64(V-1)); err != nil {
			return err
		}
		r.Decoder, err = a.get("decoder."+name, len(r.Voxels), L)
		s.ROIs = append(s.ROIs, r)
		if err != nil {
			return err
		}
	}
	return nil
}

// readFaces reads the latent mean, the test faces' and imagery's patterns
// and latents, the subsets' trial counts and the test faces' gender.
func (a arrays) readFaces(s *Subject, m *meta) error {
	V, L, N, R, M := m.NVoxels, m.Latent, m.NTest, m.NSubsets, m.NImagery
	// Named apart from the generic message: files written before the
	// mean was part of the format lack it, and decoding without it is
	// silently wrong, so say what it is and how to get it.
	if _, ok := a.f.Tensors["latent.mean"]; !ok {
		return fmt.Errorf("missing array latent.mean (shape [%d]), the training faces' mean latent that decoding adds (ẑ = y·D + latent.mean): rerun trainer fmri fit", L)
	}
	var err error
	if s.LatentMean, err = a.get("latent.mean", L); err != nil {
		return err
	}
	for _, fl := range []struct {
		dst   *[]float32
		name  string
		shape []int
	}{
		{&s.TestPatterns, "test.patterns", []int{N, V}},
		{&s.TestSubsets, "test.subsets", []int{R, N, V}},
		{&s.TestLatents, "test.latents", []int{N, L}},
		{&s.ImageryPattern, "imagery.pattern", []int{V}},
		{&s.ImageryLatents, "imagery.latents", []int{M, L}},
	} {
		if *fl.dst, err = a.get(fl.name, fl.shape...); err != nil {
			return err
		}
	}
	x, err := a.get("test.subset_trials", R)
	if err != nil {
		return err
	}
	if s.TestSubsetTrials, err = toInts[int32](x, "test.subset_trials", 0, math.MaxInt32); err != nil {
		return err
	}
	if x, err = a.get("test.male", N); err != nil {
		return err
	}
	s.TestMale, err = toInts[uint8](x, "test.male", 0, 255)
	return err
}

func knownArray(name string) bool {
	switch name {
	case "grid.shape", "voxels.ijk", "voxels.roi", "latent.mean", "test.patterns", "test.subsets", "test.subset_trials",
		"test.latents", "test.male", "imagery.pattern", "imagery.latents":
		return true
	}
	for _, r := range ROINames() {
		if name == "roi."+r || name == "decoder."+r {
			return true
		}
	}
	return false
}

// toInts converts float32 values that must be whole numbers in [lo, hi].
func toInts[T int | int16 | int32 | uint8](x []float32, name string, lo, hi int64) ([]T, error) {
	out := make([]T, len(x))
	for i, v := range x {
		if v != float32(math.Trunc(float64(v))) || int64(v) < lo || int64(v) > hi {
			return nil, fmt.Errorf("array %s[%d] = %v, want a whole number in [%d, %d]", name, i, v, lo, hi)
		}
		out[i] = T(v)
	}
	return out, nil
}

// Validate checks that s is complete and self-consistent; errors name the
// array at fault. It is the one definition of a valid subject: Write calls it
// before writing and Read after decoding.
func (s *Subject) Validate() error {
	if !strings.HasPrefix(s.ID, "sub-") || len(s.ID) < 5 || strings.ContainsAny(s.ID, "/\\. ") {
		return fmt.Errorf("subject id %q: want sub-XX", s.ID)
	}
	V, L, N, R := s.NVoxels(), s.Latent, s.NTest(), s.NSubsets()
	switch {
	case s.Space != "" && s.Space != SpacePCA:
		return fmt.Errorf("latent space %q: want \"\" (the face model's) or %q", s.Space, SpacePCA)
	case L <= 0:
		return fmt.Errorf("latent size %d", L)
	case V == 0:
		return fmt.Errorf("voxels.roi is empty: no voxels")
	case N < 2:
		return fmt.Errorf("test.male has %d test faces, need at least 2", N)
	}
	sizes := []struct {
		name string
		got  int
		want int
	}{
		{"voxels.ijk", len(s.VoxelIJK), 3 * V},
		{"latent.mean", len(s.LatentMean), L},
		{"test.patterns", len(s.TestPatterns), N * V},
		{"test.subsets", len(s.TestSubsets), R * N * V},
		{"test.latents", len(s.TestLatents), N * L},
		{"imagery.pattern", len(s.ImageryPattern), V},
		{"imagery.latents", len(s.ImageryLatents) % L, 0},
	}
	for _, c := range sizes {
		if c.got != c.want {
			return fmt.Errorf("array %s has %d values, want %d", c.name, c.got, c.want)
		}
	}
	if s.NImagery() < 1 {
		return fmt.Errorf("array imagery.latents is empty")
	}
	if s.ImageryTarget < 0 || s.ImageryTarget >= s.NImagery() {
		return fmt.Errorf("imagery_target %d is outside the %d imagery.latents rows", s.ImageryTarget, s.NImagery())
	}
	for i, g := range s.GridShape {
		if g <= 0 || g > math.MaxInt16 {
			return fmt.Errorf("grid.shape[%d] = %d", i, g)
		}
	}
	for i, c := range s.VoxelIJK {
		if c < 0 || int(c) >= s.GridShape[i%3] {
			return fmt.Errorf("voxels.ijk[%d][%d] = %d is outside grid.shape %v", i/3, i%3, c, s.GridShape)
		}
	}
	for i, l := range s.VoxelROI {
		if l < LabelOccipital || l > LabelFrontoparietal {
			return fmt.Errorf("voxels.roi[%d] = %d, want 1, 2 or 3", i, l)
		}
	}
	for i, m := range s.TestMale {
		if m > 1 {
			return fmt.Errorf("test.male[%d] = %d, want 0 or 1", i, m)
		}
	}
	for i, t := range s.TestSubsetTrials {
		if t < 1 {
			return fmt.Errorf("test.subset_trials[%d] = %d, want at least 1", i, t)
		}
	}
	if len(s.ROIs) != len(ROINames()) {
		return fmt.Errorf("%d ROIs, want %q", len(s.ROIs), ROINames())
	}
	for k, r := range s.ROIs {
		if r.Name != ROINames()[k] {
			return fmt.Errorf("ROI %d is %q, want %q", k, r.Name, ROINames()[k])
		}
		// "all" is every voxel; the others are exactly the voxels with their label.
		var want []int32
		for v, l := range s.VoxelROI {
			if k == 0 || int(l) == k {
				want = append(want, int32(v))
			}
		}
		if !slices.Equal(r.Voxels, want) {
			return fmt.Errorf("array roi.%s does not list the voxels labelled %s in voxels.roi in ascending order", r.Name, r.Name)
		}
		if len(r.Decoder) != len(r.Voxels)*L {
			return fmt.Errorf("array decoder.%s has %d values, want (%d, %d)", r.Name, len(r.Decoder), len(r.Voxels), L)
		}
		if err := finite("decoder."+r.Name, r.Decoder); err != nil {
			return err
		}
	}
	for _, a := range []struct {
		name string
		v    []float32
	}{{"latent.mean", s.LatentMean}, {"test.patterns", s.TestPatterns}, {"test.subsets", s.TestSubsets}, {"test.latents", s.TestLatents},
		{"imagery.pattern", s.ImageryPattern}, {"imagery.latents", s.ImageryLatents}} {
		if err := finite(a.name, a.v); err != nil {
			return err
		}
	}
	return nil
}

func finite(name string, v []float32) error {
	for i, x := range v {
		if math.IsNaN(float64(x)) || math.IsInf(float64(x), 0) {
			return fmt.Errorf("array %s[%d] is %v", name, i, x)
		}
	}
	return nil
}
