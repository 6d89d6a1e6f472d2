package site

import (
	"fmt"

	"fmriface/bundle"
	"fmriface/bundle/quant"
	"fmriface/contract/sitedata"
)

// maxGridVoxels bounds the voxel grid of the mosaic (a 160³ grid at most).
const maxGridVoxels = 1 << 22

// ROI is one region's decoder: ẑ = y[Index] · Decoder + Mean.
type ROI struct {
	Name  string
	Index []int32 // indices into the V voxels, in the order of Decoder's rows
	// Decoder is the len(Index) × L matrix, row-major. A region loaded from
	// a bundle starts with it still encoded (8 bits a value): decoding
	// dequantizes the rows a block at a time, and Materialize fills Decoder
	// in slices when the app is idle, so a subject loads in a fraction of
	// the time a full dequantization takes and the first face does not wait.
	Decoder []float32
	enc     *encMatrix // the bundle's encoding while Decoder is incomplete
	done    int        // rows of Decoder filled so far
	// Mean (L) is the subject's latent.mean, shared by its regions: the
	// decoders give mean-centred latents (the analysis centres them), so
	// the mean is added back. LoadSubject always sets it; nil adds nothing.
	Mean []float32
}

// encMatrix is a decoder as the bundle stores it.
type encMatrix struct {
	kind    quant.Kind
	shape   []int
	payload []byte // aliases the bundle's bytes
}

// Rows returns rows [r0, r1) of the decoder (l values each): a view of
// Decoder where it is filled, else the rows dequantized into scratch, which
// must hold (r1−r0)·l values.
func (r *ROI) Rows(r0, r1, l int, scratch []float32) []float32 {
	if r.enc == nil || r1 <= r.done {
		return r.Decoder[r0*l : r1*l]
	}
	out := scratch[:(r1-r0)*l]
	if err := quant.DecodeRows(r.enc.kind, r.enc.shape, r.enc.payload, r0, r1, out); err != nil {
		// The payload's size and values were checked when the subject was loaded.
		panic(err)
	}
	return out
}

// AddRows adds Σ coef[r−r0]·row r over rows [r0, r1) to z straight from the
// encoded rows, and reports false (doing nothing) where they are already
// dense. One pattern's decode reads each row once, so a decoded copy only
// costs: in the page's first, cold decode it took as long as the products.
func (r *ROI) AddRows(r0, r1 int, coef, z, scratch []float32) bool {
	if r.enc == nil || r1 <= r.done {
		return false
	}
	if err := quant.AxpyRows(r.enc.kind, r.enc.shape, r.enc.payload, r0, r1, coef, z, scratch); err != nil {
		// The payload's size and values were checked when the subject was loaded.
		panic(err)
	}
	return true
}

// Fits reports whether the decoder has len(Index) rows of l values.
func (r *ROI) Fits(l int) bool {
	if r.enc != nil {
		return len(r.enc.shape) == 2 && r.enc.shape[0] == len(r.Index) && r.enc.shape[1] == l
	}
	return len(r.Decoder) == len(r.Index)*l
}

// Complete reports whether Decoder holds the whole matrix (or, for a region
// whose decoder has not arrived, whether there is nothing to dequantize).
func (r *ROI) Complete() bool { return r.enc == nil }

// Loaded reports whether the region has its decoder. A subject whose bundle
// leaves the region decoders to a second file (docs/site-data.md) has only
// "all" loaded until Subject.AddRegions.
func (r *ROI) Loaded() bool { return r.enc != nil || r.Decoder != nil }

// Materialize dequantizes up to rows more rows into Decoder and reports
// whether Decoder is complete (at once for a dense decoder).
func (r *ROI) Materialize(rows int) (done bool) {
	if r.enc == nil {
		return true
	}
	l := r.enc.shape[1]
	if r.Decoder == nil {
		r.Decoder = make([]float32, len(r.Index)*l)
	}
	r1 := min(len(r.Index), r.done+max(1, rows))
	r.Rows(r.done, r1, l, r.Decoder[r.done*l:])
	r.done = r1
	if r1 == len(r.Index) {
		r.enc = nil
		return true
	}
	return false
}

// Subject is one virtual subject's bundle.
type Subject struct {
	ID        string
	Simulated bool
	V, L      int // voxels and latent dimensions
	N         int // test faces (20 in the study)
	Grid      [3]int
	IJK       []int16 // V×3 grid coordinates
	Label     []uint8 // V region labels, 1…3
	ROIs      [sitedata.NumROIs]ROI
	Mean      []float32 // L: latent.mean, the training faces' mean latent (each ROI's Mean)
	// Space is "" for the face model's latent space, SpacePCA for a
	// subject's PCA bundle (LoadPCASubject), whose latents are PCA
	// coefficients (L = K) and whose voxels are the PCA fit's own.
	Space string

	Patterns     []float32 // N×V, all presentations pooled
	Subsets      []float32 // R×N×V, disjoint subsets of the presentations; nil while SubsetsPending
	SubsetTrials []int32   // R trial counts
	Latents      []float32 // N×L true latents of the test faces
	Male         []uint8   // N, 1 for male

	Imagery        []float32 // V
	ImageryLatents []float32 // N×L candidates
	ImageryTarget  int       // row of ImageryLatents that was imagined

	// subsetsPending: Subsets come in the regions file (AddRegions).
	subsetsPending bool
}

// R is the number of fewer-trial subsets.
func (s *Subject) R() int { return len(s.SubsetTrials) }

// SubsetsPending reports whether the fewer-trial patterns are still to come
// in the subject's regions file (the exporter ships them there, so that the
// first face, from all trials, does not wait for them).
func (s *Subject) SubsetsPending() bool { return s.subsetsPending }

// Pattern returns face i's pattern from all trials (subset < 0) or from one
// fewer-trial subset, which must not be pending. The slice aliases the
// subject's data.
func (s *Subject) Pattern(subset, i int) []float32 {
	if subset < 0 {
		return s.Patterns[i*s.V : (i+1)*s.V]
	}
	if s.subsetsPending {
		panic(fmt.Sprintf("site: subject %s: the patterns of subset %d are still in its regions file", s.ID, subset))
	}
	off := (subset*s.N + i) * s.V
	return s.Subsets[off : off+s.V]
}

// Latent returns the true latent of test face i.
func (s *Subject) Latent(i int) []float32 { return s.Latents[i*s.L : (i+1)*s.L] }

// ImageryLatent returns imagery candidate i.
func (s *Subject) ImageryLatent(i int) []float32 { return s.ImageryLatents[i*s.L : (i+1)*s.L] }

// LoadSubject parses and checks a subject bundle whose decoders map to latent
// dimension L; name (the file name) prefixes every error.
func LoadSubject(name string, data []byte, latent int) (*Subject, error) {
	return loadSubject(name, data, latent, "", bundle.Parse)
}

// LoadSubjectVerified is LoadSubject for bytes already checked against the
// site's index (see LoadModelVerified).
func LoadSubjectVerified(name string, data []byte, latent int) (*Subject, error) {
	return loadSubject(name, data, latent, "", bundle.ParseVerified)
}

// SpacePCA is Subject.Space for a subject's PCA bundle.
const SpacePCA = "pca"

// loadSubject loads a subject bundle of the given kind: "" for the face
// model's (whose kind the fixture omits; it must not be a PCA subject's),
// or sitedata.PCASubjectKind, which must be there.
func loadSubject(name string, data []byte, latent int, kind string, parse parseFunc) (*Subject, error) {
	b, err := parse(data, bundle.Limits{})
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	got, _ := b.MetaString(bundle.KeyKind)
	if kind != "" && got != kind {
		return nil, fmt.Errorf("%s: meta kind = %q, want %q", name, got, kind)
	}
	if kind == "" && got == sitedata.PCASubjectKind {
		return nil, fmt.Errorf("%s: meta kind = %q: a PCA subject bundle (LoadPCASubject)", name, got)
	}
	s, err := subjectFromBundle(b, latent)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if kind == sitedata.PCASubjectKind {
		s.Space = SpacePCA
	}
	return s, nil
}

func subjectFromBundle(b *bundle.Bundle, latent int) (*Subject, error) {
	s := &Subject{L: latent}
	var err error
	if s.ID, err = b.MetaString("subject"); err != nil {
		return nil, fmt.Errorf("meta subject: %w", err)
	}
	if sim, ok := b.Meta("simulated"); ok {
		s.Simulated, _ = sim.(bool)
	}
	if err := s.readVoxels(b); err != nil {
		return nil, err
	}
	if err := s.readGrid(b); err != nil {
		return nil, err
	}
	if err := s.readROIs(b); err != nil {
		return nil, err
	}
	if err := s.readMean(b); err != nil {
		return nil, err
	}
	if err := s.readTest(b); err != nil {
		return nil, err
	}
	if err := s.readImagery(b); err != nil {
		return nil, err
	}
	return s, nil
}

// readVoxels sets N and V and reads the voxels' coordinates and region
// labels. Sizes come from the tensor shapes, each checked against the others.
func (s *Subject) readVoxels(b *bundle.Bundle) error {
	pat, err := shape(b, "test.patterns", 2)
	if err != nil {
		return err
	}
	s.N, s.V = pat[0], pat[1]
	if s.N < 2 || s.V < 1 {
		return fmt.Errorf("tensor test.patterns: shape %v needs at least 2 faces and 1 voxel", pat)
	}
	if nv, err := b.MetaInt64("n_voxels"); err == nil && nv != int64(s.V) {
		return fmt.Errorf("meta n_voxels = %d, but test.patterns has %d voxels", nv, s.V)
	}
	if err := wantShape(b, "voxels.ijk", s.V, 3); err != nil {
		return err
	}
	if s.IJK, err = b.Int16("voxels.ijk"); err != nil {
		return fmt.Errorf("tensor voxels.ijk: %w", err)
	}
	if err := wantShape(b, "voxels.roi", s.V); err != nil {
		return err
	}
	if s.Label, err = b.Uint8("voxels.roi"); err != nil {
		return fmt.Errorf("tensor voxels.roi: %w", err)
	}
	for i, l := range s.Label {
		if l < 1 || int(l) >= sitedata.NumROIs {
			return fmt.Errorf("tensor voxels.roi: voxel %d has label %d, want 1…%d", i, l, sitedata.NumROIs-1)
		}
	}
	return nil
}

// readROIs reads every region's voxels and, where the bundle has them, its
// decoder.
func (s *Subject) readROIs(b *bundle.Bundle) error {
	for k := range sitedata.NumROIs {
		if err := s.readROI(b, k, sitedata.ROIName(k)); err != nil {
			return err
		}
	}
	// The region decoders come all in this bundle or all in the regions file.
	if n := s.regionsLoaded(); n != 0 && n != sitedata.NumROIs-1 {
		return fmt.Errorf("%d of the %d region decoders: a subject bundle holds all of them or none (then they come in its regions file)", n, sitedata.NumROIs-1)
	}
	return nil
}

// readMean reads latent.mean and shares it with every region.
func (s *Subject) readMean(b *bundle.Bundle) error {
	// Required: a bundle without it would decode every face off by the mean.
	if err := wantShape(b, "latent.mean", s.L); err != nil {
		return err
	}
	var err error
	if s.Mean, err = floats(b, "latent.mean", s.L); err != nil {
		return err
	}
	for k := range s.ROIs {
		s.ROIs[k].Mean = s.Mean
	}
	return nil
}

// readTest reads the test faces: their patterns from all trials and from the
// fewer-trial subsets, their true latents and their gender.
func (s *Subject) readTest(b *bundle.Bundle) error {
	var err error
	if s.Patterns, err = floats(b, "test.patterns", s.N*s.V); err != nil {
		return err
	}
	trials, err := shape(b, "test.subset_trials", 1)
	if err != nil {
		return err
	}
	if s.SubsetTrials, err = b.Int32("test.subset_trials"); err != nil {
		return fmt.Errorf("tensor test.subset_trials: %w", err)
	}
	for r, n := range s.SubsetTrials {
		if n < 1 {
			return fmt.Errorf("tensor test.subset_trials: subset %d has %d trials", r, n)
		}
	}
	// The fewer-trial patterns come here or, where the region decoders come
	// in the regions file, there (the first view shows all trials).
	if _, err := b.Tensor("test.subsets"); err != nil && s.RegionsPending() {
		s.subsetsPending = trials[0] > 0
	} else if err := s.readSubsets(b); err != nil {
		return err
	}
	if s.Latents, err = floats(b, "test.latents", s.N*s.L); err != nil {
		return err
	}
	if err := wantShape(b, "test.latents", s.N, s.L); err != nil {
		return err
	}
	if err := wantShape(b, "test.male", s.N); err != nil {
		return err
	}
	if s.Male, err = b.Uint8("test.male"); err != nil {
		return fmt.Errorf("tensor test.male: %w", err)
	}
	return nil
}

// readSubsets reads test.subsets: R×N×V, R from test.subset_trials.
func (s *Subject) readSubsets(b *bundle.Bundle) error {
	if err := wantShape(b, "test.subsets", s.R(), s.N, s.V); err != nil {
		return err
	}
	var err error
	s.Subsets, err = floats(b, "test.subsets", s.R()*s.N*s.V)
	return err
}

// readImagery reads the imagery pattern, its candidate latents and which of
// them was imagined.
func (s *Subject) readImagery(b *bundle.Bundle) error {
	var err error
	if s.Imagery, err = floats(b, "imagery.pattern", s.V); err != nil {
		return err
	}
	if err := wantShape(b, "imagery.latents", s.N, s.L); err != nil {
		return err
	}
	if s.ImageryLatents, err = floats(b, "imagery.latents", s.N*s.L); err != nil {
		return err
	}
	t, err := b.MetaInt64("imagery_target")
	if err != nil {
		return fmt.Errorf("meta imagery_target: %w", err)
	}
	if t < 0 || t >= int64(s.N) {
		return fmt.Errorf("meta imagery_target = %d, want 0…%d", t, s.N-1)
	}
	s.ImageryTarget = int(t)
	return nil
}

func (s *Subject) readGrid(b *bundle.Bundle) error {
	if err := wantShape(b, "grid.shape", 3); err != nil {
		return err
	}
	g, err := b.Int32("grid.shape")
	if err != nil {
		return fmt.Errorf("tensor grid.shape: %w", err)
	}
	total := 1
	for a, n := range g {
		if n < 1 || n > 4096 {
			return fmt.Errorf("tensor grid.shape: %v out of range", g)
		}
		s.Grid[a] = int(n)
		total *= int(n)
		if total > maxGridVoxels {
			return fmt.Errorf("tensor grid.shape: %v has more than %d voxels", g, maxGridVoxels)
		}
	}
	for v := 0; v < s.V; v++ {
		for a := 0; a < 3; a++ {
			if c := s.IJK[3*v+a]; c < 0 || int(c) >= s.Grid[a] {
				return fmt.Errorf("tensor voxels.ijk: voxel %d coordinate %d = %d is outside grid %v", v, a, c, g)
			}
		}
	}
	return nil
}

func (s *Subject) readROI(b *bundle.Bundle, k int, roi string) error {
	iname, dname := "roi."+roi, "decoder."+roi
	sh, err := shape(b, iname, 1)
	if err != nil {
		return err
	}
	n := sh[0]
	if n < 1 || n > s.V {
		return fmt.Errorf("tensor %s: %d voxels, want 1…%d", iname, n, s.V)
	}
	idx, err := b.Int32(iname)
	if err != nil {
		return fmt.Errorf("tensor %s: %w", iname, err)
	}
	for i, v := range idx {
		if v < 0 || int(v) >= s.V {
			return fmt.Errorf("tensor %s: index %d = %d is outside 0…%d", iname, i, v, s.V-1)
		}
		if k > 0 && int(s.Label[v]) != k {
			return fmt.Errorf("tensor %s: voxel %d has label %d, not %d (%s)", iname, v, s.Label[v], k, roi)
		}
	}
	s.ROIs[k] = ROI{Name: roi, Index: idx}
	if _, err := b.Tensor(dname); err != nil && k > 0 {
		return nil // in the regions file (AddRegions)
	}
	s.ROIs[k].enc, err = s.readDecoder(b, k)
	return err
}

// readDecoder reads region k's decoder, whose rows must match its Index.
func (s *Subject) readDecoder(b *bundle.Bundle, k int) (*encMatrix, error) {
	dname := "decoder." + sitedata.ROIName(k)
	if err := wantShape(b, dname, len(s.ROIs[k].Index), s.L); err != nil {
		return nil, err
	}
	return encoded(b, dname)
}

// regionsLoaded counts the regions other than "all" that have their decoder.
func (s *Subject) regionsLoaded() int {
	n := 0
	for k := 1; k < sitedata.NumROIs; k++ {
		if s.ROIs[k].Loaded() {
			n++
		}
	}
	return n
}

// RegionsPending reports whether the region decoders are still to come in
// the subject's regions file.
func (s *Subject) RegionsPending() bool { return s.regionsLoaded() < sitedata.NumROIs-1 }

// AddRegions parses and checks a subject's regions file (docs/site-data.md):
// the decoders of the regions other than "all", and the fewer-trial patterns
// where the subject bundle leaves them out (SubsetsPending), which the site
// ships apart so that the first face does not wait for them. name prefixes
// every error.
func (s *Subject) AddRegions(name string, data []byte) error {
	return s.addRegions(name, data, bundle.Parse)
}

// AddRegionsVerified is AddRegions for bytes already checked against the
// site's index (see LoadModelVerified).
func (s *Subject) AddRegionsVerified(name string, data []byte) error {
	return s.addRegions(name, data, bundle.ParseVerified)
}

func (s *Subject) addRegions(name string, data []byte, parse parseFunc) error {
	if !s.RegionsPending() {
		return fmt.Errorf("%s: subject %s already has its region decoders", name, s.ID)
	}
	b, err := parse(data, bundle.Limits{})
	if err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	want := sitedata.RegionsKind
	if s.Space == SpacePCA {
		want = sitedata.PCARegionsKind
	}
	if kind, err := b.MetaString(bundle.KeyKind); err != nil || kind != want {
		return fmt.Errorf("%s: meta kind = %q, want %q (%v)", name, kind, want, err)
	}
	if id, err := b.MetaString("subject"); err != nil || id != s.ID {
		return fmt.Errorf("%s: meta subject = %q, want %q (%v)", name, id, s.ID, err)
	}
	// Read all first, so that a bad file leaves the subject as it was.
	encs := make([]*encMatrix, sitedata.NumROIs)
	for k := 1; k < sitedata.NumROIs; k++ {
		if encs[k], err = s.readDecoder(b, k); err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
	}
	_, terr := b.Tensor("test.subsets")
	switch {
	case terr == nil && !s.subsetsPending:
		return fmt.Errorf("%s: tensor test.subsets: the subject bundle has them already", name)
	case terr != nil && s.subsetsPending:
		return fmt.Errorf("%s: tensor test.subsets: missing (the subject bundle leaves its %d fewer-trial subsets to the regions file)", name, s.R())
	case terr == nil:
		if err := s.readSubsets(b); err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		s.subsetsPending = false
	}
	for k := 1; k < sitedata.NumROIs; k++ {
		s.ROIs[k].enc = encs[k]
	}
	return nil
}

// encoded returns a float tensor as stored, checked without decoding it:
// its payload size and that every value it decodes to is finite.
func encoded(b *bundle.Bundle, name string) (*encMatrix, error) {
	info, err := b.Tensor(name)
	if err != nil {
		return nil, fmt.Errorf("tensor %s: %w", name, err)
	}
	k, ok := info.DType.Quant()
	if !ok {
		return nil, fmt.Errorf("tensor %s: dtype %s, want a float type", name, info.DType)
	}
	raw, err := b.Raw(name)
	if err != nil {
		return nil, fmt.Errorf("tensor %s: %w", name, err)
	}
	i, err := quant.FirstNonFinite(k, info.Shape, raw)
	if err != nil {
		return nil, fmt.Errorf("tensor %s: %w", name, err)
	}
	if i >= 0 {
		return nil, fmt.Errorf("tensor %s: element %d is not finite", name, i)
	}
	return &encMatrix{kind: k, shape: info.Shape, payload: raw}, nil
}

// shape returns a tensor's shape, which must have rank dims.
func shape(b *bundle.Bundle, name string, rank int) ([]int, error) {
	info, err := b.Tensor(name)
	if err != nil {
		return nil, fmt.Errorf("tensor %s: %w", name, err)
	}
	if len(info.Shape) != rank {
		return nil, fmt.Errorf("tensor %s: shape %v, want %d dims", name, info.Shape, rank)
	}
	return info.Shape, nil
}

// wantShape checks a tensor's exact shape.
func wantShape(b *bundle.Bundle, name string, dims ...int) error {
	got, err := shape(b, name, len(dims))
	if err != nil {
		return err
	}
	for i := range dims {
		if got[i] != dims[i] {
			return fmt.Errorf("tensor %s: shape %v, want %v", name, got, dims)
		}
	}
	return nil
}
