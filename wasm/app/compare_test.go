package app_test

import (
	"errors"
	"fmt"
	"math"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"fmriface/bundle/quant"
	"fmriface/contract/sitedata"
	"fmriface/infer/site"
	"fmriface/site/fixture"
	"fmriface/wasm/app"
)

// pcaFiles are a fixture's PCA files, loaded as the page loads them: the
// PCA bundle, each subject's PCA bundle, and its regions file's bytes.
type pcaFiles struct {
	pca     *site.PCA
	subs    map[string]*site.Subject
	regions map[string][]byte
	names   map[string]string // subject id → its PCA regions file's name
}

func loadPCAFiles(t *testing.T, s *loaded) pcaFiles {
	t.Helper()
	read := func(name string) []byte {
		b, err := os.ReadFile(filepath.Join(s.dir, name))
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	p, err := site.LoadPCA(s.ix.PCA.File, read(s.ix.PCA.File))
	if err != nil {
		t.Fatal(err)
	}
	f := pcaFiles{pca: p, subs: map[string]*site.Subject{}, regions: map[string][]byte{}, names: map[string]string{}}
	for _, r := range s.ix.Subjects {
		ps, err := site.LoadPCASubject(r.PCA.File, read(r.PCA.File), p.K)
		if err != nil {
			t.Fatal(err)
		}
		f.subs[r.ID] = ps
		f.regions[r.ID] = read(r.PCA.Regions.File)
		f.names[r.ID] = r.PCA.Regions.File
	}
	return f
}

// asks records what the app asks its host for.
type asks struct{ got []string }

func (k *asks) pca(id string, regions bool) {
	k.got = append(k.got, fmt.Sprintf("pca %q %v", id, regions))
}
func (k *asks) take() []string { g := k.got; k.got = nil; return g }

// naiveLatents decodes subject s's test patterns (subset, region roi) by
// the definition, ẑ = y[Index]·D + mean, in float64.
func naiveLatents(s *site.Subject, subset, roi int) []float32 {
	r := &s.ROIs[roi]
	for !r.Materialize(1 << 30) {
	}
	z := make([]float32, s.N*s.L)
	for i := range s.N {
		y := s.Pattern(subset, i)
		for j := range s.L {
			acc := float64(r.Mean[j])
			for k, v := range r.Index {
				acc += float64(y[v]) * float64(r.Decoder[k*s.L+j])
			}
			z[i*s.L+j] = float32(acc)
		}
	}
	return z
}

// pairwiseOf is the pairwise count and the faces ranked first of latents
// zhat against s's true ones.
func pairwiseOf(zhat []float32, s *site.Subject) (correct, first int) {
	r := make([]float64, s.N*s.N)
	app.CorrMatrix(zhat, s.Latents, s.N, s.L, r)
	correct, _ = app.Pairwise(r, s.N, nil)
	for i := range s.N {
		if app.Rank(r[i*s.N:(i+1)*s.N], i) == 1 {
			first++
		}
	}
	return correct, first
}

// The comparison: nothing PCA before it is shown; C asks for the PCA bundle
// and the subject's PCA bundle, in that order; once they arrive each face
// is decoded through PCA, scored as by the definition, and announced with
// the VAE-GAN's and the paper's values; a region asks for the PCA regions
// file; the pairwise game answers with both decoders; the link says so.
func TestCompare(t *testing.T) {
	s := loadSite(t, fixture.Options{Voxels: 300, Subjects: 2, Seed: 21, PCA: true})
	files := loadPCAFiles(t, s)
	a, _ := newApp(t, s)
	var k asks
	a.OnNeedPCA(k.pca)
	runAll(t, a)
	if got := k.take(); len(got) != 0 || a.DecodedPCA(0).Ready() || a.Compare().State != app.PCAWaiting {
		t.Fatalf("before the comparison is shown: asked %q, state %v", got, a.Compare().State)
	}
	a.Press(app.KeyCompare)
	if got, want := k.take(), []string{`pca "" false`, `pca "sub-01" false`}; !slices.Equal(got, want) {
		t.Errorf("C asked for %q, want %q", got, want)
	}
	if msg, _ := a.Message(); !strings.Contains(msg, "Downloading the PCA decoder of sub-01 (") || a.Compare().State != app.PCADownloading || !a.PCAPending() {
		t.Errorf("C before the files: state %v, message %q", a.Compare().State, msg)
	}
	if err := a.AddPCASubject(files.subs["sub-01"]); err == nil {
		t.Error("a PCA subject before the PCA bundle was accepted")
	}
	if err := a.AddPCA(files.pca); err != nil {
		t.Fatal(err)
	}
	if err := a.AddPCASubject(files.subs["sub-01"]); err != nil {
		t.Fatal(err)
	}
	runAll(t, a)
	cmp := a.Compare()
	ps, sub := files.subs["sub-01"], a.Subject()
	wantP, wantFirst := pairwiseOf(naiveLatents(ps, -1, 0), ps)
	if !cmp.Ready || cmp.State != app.PCAReady || cmp.PairCorrect != wantP || cmp.PairTotal != sub.N*(sub.N-1) {
		t.Fatalf("comparison %+v, want %d of %d pairs", cmp, wantP, sub.N*(sub.N-1))
	}
	first := 0
	for i := range sub.N {
		if !a.DecodedPCA(i).Ready() {
			t.Fatalf("PCA face %d not drawn", i+1)
		}
		if cmp.Rank(i) == 1 {
			first++
		}
	}
	if first != wantFirst {
		t.Errorf("%d PCA faces ranked first, want %d", first, wantFirst)
	}
	// The PCA face is the PCA's image of the decoded latent.
	z := naiveLatents(ps, -1, 0)[:ps.L]
	img := make([]float32, files.pca.D())
	files.pca.Image(z, img)
	rgba := make([]byte, 4*files.pca.ImageSize*files.pca.ImageSize)
	if err := app.ToRGBA(img, files.pca.ImageSize, rgba); err != nil {
		t.Fatal(err)
	}
	if d := maxByteDiff(rgba, a.DecodedPCA(0).RGBA()); d > 2 {
		t.Errorf("PCA face 1 differs from the PCA image of its latent by %d levels", d)
	}
	v := a.Faces()
	msg, _ := a.Message()
	want := fmt.Sprintf("pairwise: VAE-GAN %.1f %%, PCA %.1f %% (paper S1: 97.1 %%, 89.5 %%); ranked first of 20: VAE-GAN %d, PCA %d (paper S1: 15, 10)",
		100*float64(v.PairCorrect)/float64(v.PairTotal), 100*float64(wantP)/float64(cmp.PairTotal), countFirst(v, sub.N), wantFirst)
	if !strings.Contains(msg, want) {
		t.Errorf("announcement %q\nwant it to contain %q", msg, want)
	}
	if q := a.Query(url.Values{}); q.Get("compare") != "pca" {
		t.Errorf("the link of the comparison: %q", q.Encode())
	}

	// A region: its PCA regions file is asked for, then decoded.
	a.Press(app.KeyROI)
	if got := k.take(); !slices.Equal(got, []string{`pca "sub-01" true`}) {
		t.Errorf("occipital asked for %q", got)
	}
	runAll(t, a)
	if a.Compare().Ready || a.DecodedPCA(0).Ready() {
		t.Error("the PCA faces of occipital were drawn before its decoder arrived")
	}
	if err := ps.AddRegions(files.names["sub-01"], files.regions["sub-01"]); err != nil {
		t.Fatal(err)
	}
	a.PCARegionsAdded(ps)
	runAll(t, a)
	wantOcc, _ := pairwiseOf(naiveLatents(ps, -1, 1), ps)
	if c := a.Compare(); !c.Ready || c.PairCorrect != wantOcc {
		t.Errorf("occipital through PCA: %+v, want %d pairs", c, wantOcc)
	}

	// The pairwise game: the PCA decoder answers from the PCA latents.
	a.Press(app.KeyPanel1 + app.Key(app.PanelPairwise))
	a.Press(app.KeyLeft)
	g := a.Pairwise()
	r := make([]float64, sub.N*sub.N)
	app.CorrMatrix(naiveLatents(ps, -1, 1), ps.Latents, sub.N, ps.L, r)
	right := r[g.Target*sub.N+g.Target] > r[g.Target*sub.N+g.Distractor]
	if !g.PCAAnswered || g.PCARight != right || g.PCALeft != (right == g.TargetLeft) || g.PCARounds != 1 {
		t.Errorf("game %+v; the PCA decoder should be right: %v", g, right)
	}
	if msg, _ := a.Message(); !strings.Contains(msg, "The PCA decoder chose") || !strings.Contains(msg, "pairwise: VAE-GAN") {
		t.Errorf("the game's message %q", msg)
	}
	// Off: the game answers with the VAE-GAN alone.
	a.Press(app.KeyCompare)
	a.Press(app.KeyEnter)
	a.Press(app.KeyRight)
	if g := a.Pairwise(); g.PCAAnswered || g.PCARounds != 1 {
		t.Errorf("comparison off: game %+v", g)
	}
}

func countFirst(v app.FacesView, n int) int {
	c := 0
	for i := range n {
		if v.Rank(i) == 1 {
			c++
		}
	}
	return c
}

func maxByteDiff(a, b []byte) int {
	d := 0
	for i := range a {
		d = max(d, int(math.Abs(float64(a[i])-float64(b[i]))))
	}
	return d
}

// What the comparison's data may not be, and the failures of its downloads.
func TestCompareBadInput(t *testing.T) {
	s := loadSite(t, fixture.Options{Voxels: 300, Subjects: 2, Seed: 22, PCA: true})
	files := loadPCAFiles(t, s)
	a, _ := newApp(t, s)
	var k asks
	a.OnNeedPCA(k.pca)
	cases := []struct {
		name string
		add  func() error
		want string
	}{
		{"nil PCA", func() error { return a.AddPCA(nil) }, "no PCA bundle"},
		{"other image size", func() error { return a.AddPCA(&site.PCA{K: 4, ImageSize: 3, Mean: make([]float32, 27)}) }, "draws 3×3 faces"},
		{"a VAE-GAN subject", func() error { return a.AddPCASubject(s.subs[1]) }, "not a PCA subject bundle"},
		{"PCA subject first", func() error { return a.AddPCASubject(files.subs["sub-01"]) }, "before the PCA bundle"},
		{"the PCA", func() error { return a.AddPCA(files.pca) }, ""},
		{"the PCA again", func() error { return a.AddPCA(files.pca) }, "already loaded"},
		{"other subsets", func() error {
			ps := *files.subs["sub-01"]
			ps.SubsetTrials = []int32{99}
			return a.AddPCASubject(&ps)
		}, "subsets of [99] trials"},
		{"the subject", func() error { return a.AddPCASubject(files.subs["sub-01"]) }, ""},
		{"the subject again", func() error { return a.AddPCASubject(files.subs["sub-01"]) }, "already loaded"},
	}
	for _, c := range cases {
		err := c.add()
		if (err == nil) != (c.want == "") || err != nil && !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want %q", c.name, err, c.want)
		}
	}
	// A failed download says so, and C shown again asks again.
	b := newAppOf(t, s)
	b.OnNeedPCA(k.pca)
	b.Press(app.KeyCompare)
	k.take()
	b.PCAFailed("", false, errors.New("HTTP 404"))
	if msg, _ := b.Message(); !strings.Contains(msg, "The PCA bundle could not be downloaded: HTTP 404") || b.Compare().State != app.PCAFailed {
		t.Errorf("after a failure: state %v, message %q", b.Compare().State, msg)
	}
	b.Press(app.KeyCompare)
	b.Press(app.KeyCompare)
	if got := k.take(); !slices.Equal(got, []string{`pca "" false`}) {
		t.Errorf("C again asked for %q, want the PCA bundle again", got)
	}
}

func newAppOf(t *testing.T, s *loaded) *app.App {
	t.Helper()
	a, _ := newApp(t, s)
	return a
}

// A site without the PCA files: C says so and asks for nothing; the
// results panel computes the VAE-GAN's measures and marks PCA's absent.
func TestCompareAbsent(t *testing.T) {
	s := loadSite(t, fixture.Options{Voxels: 300, Subjects: 1, Seed: 23})
	a, _ := newApp(t, s)
	var k asks
	a.OnNeedPCA(k.pca)
	runAll(t, a)
	a.Press(app.KeyCompare)
	if msg, _ := a.Message(); !strings.Contains(msg, "not in this site's data") || a.Compare().State != app.PCAAbsent {
		t.Errorf("C without PCA files: state %v, message %q", a.Compare().State, msg)
	}
	a.Press(app.KeyPanel1 + app.Key(app.PanelResults))
	runAll(t, a)
	if got := k.take(); len(got) != 0 {
		t.Errorf("a site without PCA asked for %q", got)
	}
	for _, r := range a.Results().Rows {
		if want := map[string]app.ResultState{app.SpaceVAEGAN: app.ResultReady, app.SpacePCA: app.ResultAbsent}[r.Space]; r.State != want {
			t.Errorf("%s: state %v, want %v", r.Label(), r.State, want)
		}
	}
	if msg, _ := a.Message(); !strings.HasPrefix(msg, "Results of sub-01") || !strings.Contains(msg, "The PCA comparison is not in this site's data") ||
		!strings.Contains(msg, "not real fMRI") {
		t.Errorf("results announcement %q", msg)
	}
}

// The results panel: opened, it asks for the PCA files; every measure is
// then the one the other panels give for its region and space, and the
// paper's value is the paper's for the subject set beside it.
func TestResultsPanel(t *testing.T) {
	s := loadSite(t, fixture.Options{Voxels: 300, Subjects: 1, Seed: 24, PCA: true})
	files := loadPCAFiles(t, s)
	a, _ := newApp(t, s)
	var k asks
	a.OnNeedPCA(k.pca)
	runAll(t, a)
	a.Press(app.KeyPanel1 + app.Key(app.PanelResults))
	if got, want := k.take(), []string{`pca "" false`, `pca "sub-01" false`, `pca "sub-01" true`}; !slices.Equal(got, want) {
		t.Errorf("the results panel asked for %q, want %q", got, want)
	}
	if msg, _ := a.Message(); !strings.HasPrefix(msg, "Results panel: sub-01's measures") {
		t.Errorf("opening message %q", msg)
	}
	ps := files.subs["sub-01"]
	if err := a.AddPCA(files.pca); err != nil {
		t.Fatal(err)
	}
	if err := a.AddPCASubject(ps); err != nil {
		t.Fatal(err)
	}
	if err := ps.AddRegions(files.names["sub-01"], files.regions["sub-01"]); err != nil {
		t.Fatal(err)
	}
	a.PCARegionsAdded(ps)
	runAll(t, a)
	v := a.Results()
	if len(v.Rows) != 18 || v.Paper != "S1" {
		t.Fatalf("%d rows, paper subject %q", len(v.Rows), v.Paper)
	}
	sub := a.Subject()
	for _, r := range v.Rows {
		if r.State != app.ResultReady {
			t.Errorf("%s: not ready", r.Label())
			continue
		}
		var want int
		space := sub
		if r.Space == app.SpacePCA {
			space = ps
		}
		zhat := naiveLatents(space, -1, r.ROI)
		pair, first := pairwiseOf(zhat, space)
		switch r.Measure {
		case app.MeasurePairwise:
			want = pair
		case app.MeasureFirst:
			want = first
		case app.MeasureGender:
			for i := range sub.N {
				if (app.Project(zhat[i*sub.L:(i+1)*sub.L], a.Model().Male) > 0) == (sub.Male[i] == 1) {
					want++
				}
			}
		case app.MeasureImagery:
			zi := naiveImagery(sub, r.ROI)
			scores := make([]float64, sub.N)
			for j := range sub.N {
				scores[j] = app.Pearson(zi, sub.ImageryLatent(j))
			}
			want = sub.N - app.Rank(scores, sub.ImageryTarget)
		}
		if r.Correct != want {
			t.Errorf("%s: %d of %d, want %d", r.Label(), r.Correct, r.Total, want)
		}
		paperWant := map[string]float64{
			"pairwise, VAE-GAN, all": 369.0 / 380, "pairwise, PCA, frontoparietal": 227.0 / 380,
			"ranked first of 20, PCA, all": 10.0 / 20, "imagery pairwise, VAE-GAN, temporal": 19.0 / 19,
		}[r.Label()]
		if paperWant != 0 && math.Abs(r.Paper-paperWant) > 1e-12 {
			t.Errorf("%s: paper %v, want %v", r.Label(), r.Paper, paperWant)
		}
	}
	if msg, _ := a.Message(); !strings.HasPrefix(msg, "Results of sub-01, all trials, against the paper's subject S1") ||
		!strings.Contains(msg, "pairwise, PCA: all ") || !strings.Contains(msg, "TEST FIXTURE") {
		t.Errorf("results announcement %q", msg)
	}
	if q := a.Query(url.Values{}); q.Get("panel") != "results" {
		t.Errorf("the results panel's link %q", q.Encode())
	}
}

// naiveImagery decodes s's imagery pattern with region roi by definition.
func naiveImagery(s *site.Subject, roi int) []float32 {
	r := &s.ROIs[roi]
	z := make([]float32, s.L)
	for j := range s.L {
		acc := float64(r.Mean[j])
		for k, v := range r.Index {
			acc += float64(s.Imagery[v]) * float64(r.Decoder[k*s.L+j])
		}
		z[j] = float32(acc)
	}
	return z
}

func TestPaperSubject(t *testing.T) {
	for _, c := range []struct{ id, want string }{
		{"sub-01", "S1"}, {"sub-04", "S4"}, {"sub-05", ""}, {"sub-00", ""}, {"sub-1x", ""}, {"s01", ""}, {"", ""},
	} {
		if got := app.PaperSubject(c.id); got != c.want {
			t.Errorf("PaperSubject(%q) = %q, want %q", c.id, got, c.want)
		}
	}
	_ = sitedata.NumROIs
}

// A view's PCA faces drawn as one batch (Images: blocks of components
// dequantized once and multiplied for all faces) are the faces Image draws
// one at a time, to within one level where the sums' order rounds a pixel
// the other way, for every encoding of the bands; the batch allocates
// nothing once sized, and refuses what it cannot draw.
func TestPCAImagesMatchImage(t *testing.T) {
	for _, q := range []quant.Kind{quant.F32, quant.F16, quant.Q8, quant.Q4, quant.Q3} {
		t.Run(q.String(), func(t *testing.T) {
			s := loadSite(t, fixture.Options{Voxels: 200, Subjects: 1, Seed: 25, PCA: true, Quant: q})
			files := loadPCAFiles(t, s)
			p, ps := files.pca, files.subs["sub-01"]
			dec := app.NewPCADecoder(p, ps.V)
			zs := make([]float32, ps.N*ps.L)
			for i := range zs {
				zs[i] = float32(math.Sin(float64(7*i+2))) * 3 // pixels inside (0, 1) and clipped both ways
			}
			side := 4 * p.ImageSize * p.ImageSize
			batch := make([]byte, ps.N*side)
			out := func(i int) []byte { return batch[i*side : (i+1)*side] }
			if err := dec.Images(ps.N, zs, out); err != nil {
				t.Fatal(err)
			}
			one := make([]byte, side)
			diff := 0
			for i := range ps.N {
				if err := dec.Image(zs[i*ps.L:(i+1)*ps.L], one); err != nil {
					t.Fatal(err)
				}
				if d := maxByteDiff(one, out(i)); d > 1 {
					t.Fatalf("face %d: batch and single differ by %d levels", i, d)
				}
				for j := range one {
					if one[j] != out(i)[j] {
						diff++
					}
				}
			}
			if diff > len(batch)/100 {
				t.Errorf("%d of %d bytes differ by a level", diff, len(batch))
			}
			if a := testing.AllocsPerRun(5, func() {
				if err := dec.Images(ps.N, zs, out); err != nil {
					t.Fatal(err)
				}
			}); a != 0 {
				t.Errorf("Images allocates %v times", a)
			}
			if err := dec.Images(ps.N, zs[1:], out); err == nil {
				t.Error("Images accepted latents of the wrong size")
			}
			if err := dec.Images(ps.N, zs, func(int) []byte { return one[1:] }); err == nil {
				t.Error("Images accepted an output of the wrong size")
			}
			if err := app.NewDecoder(s.model, ps.V).Images(ps.N, zs, out); err == nil {
				t.Error("the generator's decoder accepted a batch of faces")
			}
		})
	}
}

// Fewer trials through PCA: the PCA subject's fewer-trial patterns come in
// its PCA regions file, which the comparison asks for once the subject's
// PCA bundle is here, and decodes from when it arrives.
func TestCompareTrials(t *testing.T) {
	s := loadSite(t, fixture.Options{Voxels: 300, Subjects: 1, Seed: 26, PCA: true})
	files := loadPCAFiles(t, s)
	ps := files.subs["sub-01"]
	if !ps.SubsetsPending() {
		t.Fatal("the fixture's PCA subject bundle holds its fewer-trial patterns")
	}
	a, _ := newApp(t, s)
	var k asks
	a.OnNeedPCA(k.pca)
	a.Press(app.KeyTrials)
	runAll(t, a)
	a.Press(app.KeyCompare)
	if got, want := k.take(), []string{`pca "" false`, `pca "sub-01" false`}; !slices.Equal(got, want) {
		t.Errorf("C asked for %q, want %q", got, want)
	}
	if err := a.AddPCA(files.pca); err != nil {
		t.Fatal(err)
	}
	if err := a.AddPCASubject(ps); err != nil {
		t.Fatal(err)
	}
	if got, want := k.take(), []string{`pca "sub-01" true`}; !slices.Equal(got, want) {
		t.Errorf("after the PCA subject arrived: asked %q, want %q", got, want)
	}
	runAll(t, a)
	if c := a.Compare(); c.Ready || c.State != app.PCADownloading || a.DecodedPCA(0).Ready() {
		t.Fatalf("before the PCA regions file: %+v", c)
	}
	if err := ps.AddRegions(files.names["sub-01"], files.regions["sub-01"]); err != nil {
		t.Fatal(err)
	}
	a.PCARegionsAdded(ps)
	runAll(t, a)
	want, _ := pairwiseOf(naiveLatents(ps, 0, 0), ps)
	if c := a.Compare(); !c.Ready || c.PairCorrect != want || !a.DecodedPCA(0).Ready() {
		t.Errorf("fewer trials through PCA: %+v, want %d pairs", c, want)
	}
}
