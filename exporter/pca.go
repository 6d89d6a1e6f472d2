package main

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas32"

	"fmriface/bundle"
	"fmriface/bundle/quant"
	"fmriface/contract/handoff"
	"fmriface/contract/sitedata"
	"fmriface/face/pca"
	"fmriface/infer/site"
	"fmriface/util/progress"
)

// pcaPlan is the PCA baseline's part of an export (--pca): the PCA model,
// its subjects' float pipelines, the latents whose faces its bar compares,
// and the encodings chosen for its bundles.
type pcaPlan struct {
	pm    *pca.Model
	path  string // the model file, handoff.PCABasisPath
	sha   string // its SHA-256
	evals []*subjectEval
	faceZ [][]float32
	basis []*choice   // the component bands, then the mean image
	subs  [][]*choice // per PCA subject
}

// readPCA reads the PCA model and the PCA subjects beside the VAE-GAN's
// (docs/fmri-outputs.md) and checks that they fit the face model (image
// size) and the VAE-GAN's subjects (every PCA subject has one).
func readPCA(o options, m *model, subs []*handoff.Subject) (*pcaPlan, error) {
	hint := "trainer fmri fit --models vaegan,pca writes it; --pca=false exports without the PCA baseline"
	p := &pcaPlan{path: handoff.PCABasisPath(o.FMRI)}
	var err error
	if p.pm, err = pca.Load(p.path); err != nil {
		return nil, fmt.Errorf("PCA baseline: %w (%s)", err, hint)
	}
	if d := 3 * m.Cfg.ImageSize * m.Cfg.ImageSize; p.pm.D != d {
		return nil, fmt.Errorf("%s: images of %d values, the model %s draws 3×%d×%d = %d", p.path, p.pm.D, o.Model, m.Cfg.ImageSize, m.Cfg.ImageSize, d)
	}
	if p.sha, err = fileSHA256(p.path); err != nil {
		return nil, err
	}
	psubs, err := handoff.ReadPCADir(o.FMRI)
	if err != nil {
		return nil, fmt.Errorf("PCA baseline: %w (--pca=false exports without it)", err)
	}
	ids := map[string]bool{}
	for _, s := range subs {
		ids[s.ID] = true
	}
	for _, s := range psubs {
		path := handoff.PCAPath(o.FMRI, s.ID)
		if s.Latent != p.pm.K {
			return nil, fmt.Errorf("%s: latent size %d, the PCA %s has %d components", path, s.Latent, p.path, p.pm.K)
		}
		if !ids[s.ID] {
			return nil, fmt.Errorf("%s: subject %s has no %s", path, s.ID, handoff.FileName)
		}
		e, err := newSubjectEval(s)
		if err != nil {
			return nil, err
		}
		p.evals = append(p.evals, e)
	}
	p.faceZ = faceLatents(psubs, p.evals)
	return p, nil
}

func fileSHA256(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", fmt.Errorf("%s: %w", path, err)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// choose picks the encodings of the PCA bundle and of each PCA subject's.
func (p *pcaPlan) choose(o options, bar *progress.Bar) error {
	bar.SetInfo("pca")
	// Every face the bar compares (a few hundred; one product each): the
	// basis is then checked on exactly the faces the verification draws.
	var err error
	if p.basis, err = choosePCABasis(p.pm, newPCAEval(p.pm, p.faceZ), o); err != nil {
		return err
	}
	bar.Add(1)
	p.subs = make([][]*choice, len(p.evals))
	for i, e := range p.evals {
		bar.SetInfo(e.s.ID + " pca")
		if p.subs[i], err = chooseSubject(e, o); err != nil {
			return err
		}
		for _, c := range p.subs[i] {
			c.Bundle = e.s.ID + ".pca"
		}
		bar.Add(1)
	}
	return nil
}

// pcaKinds are the encodings a row of the basis may take, coarsest first.
var pcaKinds = []quant.Kind{quant.Q3, quant.Q4, quant.Q8, quant.F16, quant.F32}

// choosePCABasis picks the encoding of the basis, row by row, and of the
// mean image. A row's error reaches a face multiplied by the face's
// coefficient of that row, and the coefficients' energy w_k falls by orders
// of magnitude from the first components to the last, so the rows share the
// face-error budget (the bar plus 0.5 dB) by reverse water-filling: every row
// gets the same share θ of the error, which a uniform quantizer of step
// Δ_k = √(12θ/w_k) gives it (Δ²/12 per value). The step is each row's scale
// floor (quant.EncodeFloor); the late rows' steps are coarse, most of their
// values round to 0 or ±1, and brotli stores them in a fraction of a bit
// each. A row takes the coarsest encoding whose error stays within 1.25 θ
// at that step (q3 and q4 cannot step finer than their blocks' largest
// value allows); an encoding is never coarser than a later row's, so the
// rows fall into at most five bands (basis.000 the finest). θ is the
// largest level (by bisection) whose summed row errors fit the budget (the
// bar plus 0.5 dB), with wₖ measured on the faces pe draws, which are the
// faces the bar is verified on; while those faces, drawn with the whole
// basis quantized, miss the bar plus 0.25 dB, the budget shrinks by a fifth
// (counted as escalations).
func choosePCABasis(pm *pca.Model, pe *pcaEval, o options) ([]*choice, error) {
	target := mseFor(o.PSNR + 0.5)
	s := int(math.Round(math.Sqrt(float64(pm.D / 3))))
	w := pe.energy()
	mean := &choice{Bundle: "pca", Name: "mean", Shape: []int{3, s, s}, data: pm.Mean}
	mean.Measure, mean.Bound = "face MSE", target/float64(pm.K+1)
	mean.score = func(vals []float32) (float64, bool, error) {
		_, mse, _ := quant.Error(mean.data, vals)
		mse *= mse
		return mse, mse <= mean.Bound, nil
	}
	if err := mean.choose(0); err != nil {
		return nil, err
	}
	escalations := 0
	for {
		plan, err := waterFill(pm, w, target-mean.Effect, pcaKinds)
		if err != nil {
			return nil, err
		}
		cs := append(plan.choices(pm, target), mean)
		for _, c := range cs[:len(cs)-1] {
			c.Escalate = escalations
		}
		joint, _ := pe.mse(values(cs))
		if psnr(joint) >= o.PSNR+0.25 || escalations == 20 {
			// After 20 (the budget at 1 % of the bar's), the verification
			// reports the bar it misses.
			return cs, nil
		}
		target *= 0.8
		escalations++
	}
}

// basisPlan is one level of the water-filling: each row's encoding, scale
// floor, stored values and face error.
type basisPlan struct {
	theta float64
	kind  []quant.Kind
	floor []float32
	vals  [][]float32
	err   []float64
	total float64
}

// waterFill finds the largest level θ whose rows' summed face errors stay
// within budget (bisection on log θ).
func waterFill(pm *pca.Model, w []float64, budget float64, kinds []quant.Kind) (*basisPlan, error) {
	if !(budget > 0) {
		return nil, fmt.Errorf("pca basis: no face-error budget left (%g) after the mean image", budget)
	}
	lo, hi := budget/float64(pm.K)/1e6, budget
	best, err := planAt(pm, w, lo, kinds)
	if err != nil {
		return nil, err
	}
	if best.total > budget {
		return best, nil // f32 everywhere but still over: the joint check reports it
	}
	for range 40 {
		mid := math.Sqrt(lo * hi)
		p, err := planAt(pm, w, mid, kinds)
		if err != nil {
			return nil, err
		}
		if p.total <= budget {
			lo, best = mid, p
		} else {
			hi = mid
		}
		if hi/lo < 1.01 {
			break
		}
	}
	return best, nil
}

// planAt encodes every row at level θ in the coarsest of kinds (coarsest
// first) that keeps its error within 1.25 θ.
func planAt(pm *pca.Model, w []float64, theta float64, kinds []quant.Kind) (*basisPlan, error) {
	K, D := pm.K, pm.D
	p := &basisPlan{theta: theta, kind: make([]quant.Kind, K), floor: make([]float32, K), vals: make([][]float32, K), err: make([]float64, K)}
	shape := []int{1, D}
	fine := 0 // the finest position in kinds of any later row
	for k := K - 1; k >= 0; k-- {
		row := pm.Components[k*D : (k+1)*D]
		// Past twice the row's largest value every value rounds to 0, so
		// the floor stops there (and a row no face reads is all zeros).
		var m float64
		for _, v := range row {
			m = max(m, math.Abs(float64(v)))
		}
		p.floor[k] = float32(2 * m)
		if w[k] > 0 {
			p.floor[k] = float32(min(2*m, math.Sqrt(12*theta/w[k])))
		}
		for pos := fine; pos < len(kinds); pos++ {
			vals, err := quant.RoundTripFloor(kinds[pos], shape, row, p.floor[k:k+1])
			if err != nil {
				if pos < len(kinds)-1 {
					continue // e.g. a scale out of float16's range
				}
				return nil, fmt.Errorf("pca basis row %d: %w", k, err)
			}
			_, rmse, _ := quant.Error(row, vals)
			p.kind[k], p.vals[k], p.err[k] = kinds[pos], vals, w[k]*rmse*rmse
			if p.err[k] <= 1.25*theta {
				fine = pos
				break
			}
		}
		if p.err[k] > 1.25*theta {
			fine = len(kinds) - 1 // f32, the last resort
		}
		p.total += p.err[k]
	}
	return p, nil
}

// choices turns a plan into one choice per band of rows that share an
// encoding.
func (p *basisPlan) choices(pm *pca.Model, target float64) []*choice {
	var cs []*choice
	D := pm.D
	for r0 := 0; r0 < pm.K; {
		r1 := r0 + 1
		for r1 < pm.K && p.kind[r1] == p.kind[r0] {
			r1++
		}
		k := p.kind[r0]
		c := &choice{Bundle: "pca", Name: sitedata.PCABandName(len(cs)), Shape: []int{r1 - r0, D}, data: pm.Components[r0*D : r1*D],
			Measure: "face MSE (water-filling)", Bound: target, kind: k, Kind: k.String()}
		c.vals = make([]float32, 0, (r1-r0)*D)
		for r := r0; r < r1; r++ {
			c.vals = append(c.vals, p.vals[r]...)
			c.Effect += p.err[r]
		}
		if k != quant.F16 && k != quant.F32 {
			c.floor = p.floor[r0:r1]
			c.FloorMin, c.FloorMax = float64(slices.Min(c.floor)), float64(slices.Max(c.floor))
		}
		c.Rounding = "" // plain rounding at the floor: stored() encodes data
		c.MaxAbs, c.RMSE, c.RelRMSE = quant.Error(c.data, c.vals)
		c.Bytes, _ = quant.EncodedSize(k, c.Shape)
		c.F32Bytes, _ = quant.EncodedSize(quant.F32, c.Shape)
		c.Rejected = []string{fmt.Sprintf("water level θ = %.3g face MSE per row, rows %d–%d", p.theta, r0, r1-1)}
		cs = append(cs, c)
		r0 = r1
	}
	return cs
}

// pcaEval compares quantized PCA bases with the float one on a set of
// latents.
type pcaEval struct {
	pm  *pca.Model
	z   blas32.General // n × K latents
	ref []float32      // n × D float faces, clipped to [0, 1]
	buf []float32      // n × D scratch
	cmp []float32      // K × D scratch: a trial's components
}

func newPCAEval(pm *pca.Model, z [][]float32) *pcaEval {
	n := len(z)
	e := &pcaEval{pm: pm, z: blas32.General{Rows: n, Cols: pm.K, Stride: pm.K, Data: make([]float32, n*pm.K)}}
	for i, zi := range z {
		copy(e.z.Data[i*pm.K:], zi)
	}
	e.ref = e.faces(pm.Components, pm.Mean, make([]float32, n*pm.D))
	e.buf = make([]float32, n*pm.D)
	return e
}

// faces draws every latent's face with the given components and mean,
// clipped, into out (n × D).
func (e *pcaEval) faces(comps, mean, out []float32) []float32 {
	n, d := e.z.Rows, e.pm.D
	for i := range n {
		copy(out[i*d:(i+1)*d], mean)
	}
	c := blas32.General{Rows: e.pm.K, Cols: d, Stride: d, Data: comps}
	blas32.Gemm(blas.NoTrans, blas.NoTrans, 1, e.z, c, 1, blas32.General{Rows: n, Cols: d, Stride: d, Data: out})
	for i, v := range out {
		out[i] = min(max(v, 0), 1)
	}
	return out
}

// mse draws the faces with a trial's bands and mean (values by tensor name)
// and returns the pooled mean squared error against the float faces, and
// the worst face's.
func (e *pcaEval) mse(vals map[string][]float32) (pooled, worst float64) {
	d := e.pm.D
	if e.cmp == nil {
		e.cmp = make([]float32, e.pm.K*d)
	}
	off := 0
	for b := 0; ; b++ {
		v, ok := vals[sitedata.PCABandName(b)]
		if !ok {
			break
		}
		off += copy(e.cmp[off:], v)
	}
	if off != len(e.cmp) {
		panic(fmt.Sprintf("pcaEval.mse: the bands hold %d values, the basis %d", off, len(e.cmp)))
	}
	return faceMSE(e.faces(e.cmp, vals["mean"], e.buf), e.ref, d)
}

// faceMSE is the pooled and the worst face's mean squared error of faces
// (n × d) against ref.
func faceMSE(faces, ref []float32, d int) (pooled, worst float64) {
	var sum float64
	for i := 0; i < len(ref); i += d {
		var s float64
		for j := i; j < i+d; j++ {
			x := float64(faces[j]) - float64(ref[j])
			s += x * x
		}
		sum += s
		worst = max(worst, s/float64(d))
	}
	return sum / float64(len(ref)), worst
}

// energy is each component's mean squared coefficient over the faces.
func (e *pcaEval) energy() []float64 {
	K := e.pm.K
	w := make([]float64, K)
	for i := range e.z.Rows {
		for k, v := range e.z.Data[i*e.z.Stride : i*e.z.Stride+K] {
			w[k] += float64(v) * float64(v)
		}
	}
	for k := range w {
		w[k] /= float64(max(1, e.z.Rows))
	}
	return w
}

// columns returns the latents' coefficients of components [r0, r1).
func (e *pcaEval) columns(r0, r1 int) blas32.General {
	out := blas32.General{Rows: e.z.Rows, Cols: r1 - r0, Stride: r1 - r0, Data: make([]float32, e.z.Rows*(r1-r0))}
	for i := range e.z.Rows {
		copy(out.Data[i*(r1-r0):], e.z.Data[i*e.z.Stride+r0:i*e.z.Stride+r1])
	}
	return out
}

// ones is the mean image's coefficient in every face.
func (e *pcaEval) ones() blas32.General {
	out := blas32.General{Rows: e.z.Rows, Cols: 1, Stride: 1, Data: make([]float32, e.z.Rows)}
	for i := range out.Data {
		out.Data[i] = 1
	}
	return out
}

// bandMSE is the mean squared pixel error, unclipped, that storing rows
// (float data) as vals alone adds to the faces, whose coefficients of these
// rows are coef.
func (e *pcaEval) bandMSE(coef blas32.General, data, vals []float32) float64 {
	d := e.pm.D
	rows := len(data) / d
	delta := make([]float32, len(data))
	for i := range delta {
		delta[i] = vals[i] - data[i]
	}
	out := blas32.General{Rows: coef.Rows, Cols: d, Stride: d, Data: e.buf[:coef.Rows*d]}
	blas32.Gemm(blas.NoTrans, blas.NoTrans, 1, coef, blas32.General{Rows: rows, Cols: d, Stride: d, Data: delta}, 0, out)
	var s float64
	for _, v := range out.Data {
		s += float64(v) * float64(v)
	}
	return s / float64(len(out.Data))
}

// encode writes the PCA bundle and each PCA subject's bundle and regions
// file, in that order (the subjects' loader needs K from the first).
func (p *pcaPlan) encode(o options, m *model) ([]outFile, error) {
	data, err := p.bundle(o, m)
	if err != nil {
		return nil, err
	}
	files := []outFile{{Kind: "pca", Prefix: "pca", Data: data}}
	for i, e := range p.evals {
		b, err := subjectBundle(e, p.subs[i], o)
		if err != nil {
			return nil, err
		}
		rb, err := regionsBundle(e, p.subs[i], o)
		if err != nil {
			return nil, err
		}
		files = append(files, outFile{Kind: "pca-subject", Prefix: e.s.ID + ".pca", Data: b, Subject: e},
			outFile{Kind: "pca-regions", Prefix: e.s.ID + ".pca-regions", Data: rb, Subject: e})
	}
	return files, nil
}

// bundle is the PCA bundle (docs/site-data.md).
func (p *pcaPlan) bundle(o options, m *model) ([]byte, error) {
	pm := p.pm
	w := bundle.NewWriter()
	w.SetMeta(bundle.KeyKind, sitedata.PCAKind)
	w.SetMeta("components", int64(pm.K))
	w.SetMeta("image_size", int64(m.Cfg.ImageSize))
	w.SetMeta("explained_ratio", pm.ExplainedRatio())
	cfg, err := json.Marshal(map[string]any{"exporter": o, "pca_file": filepath.Base(p.path), "pca_sha256": p.sha, "pca_fit": pm.Config})
	if err != nil {
		return nil, err
	}
	w.SetProvenance(bundle.Provenance{Command: o.Args, Config: cfg, Seed: int64(pm.Config.Seed), CodeVersion: o.codeVersion,
		TrainingData: fmt.Sprintf("pixel PCA of %d training faces of the face model's split (%s)", pm.Config.N, m.Train.Config.Faces)})
	for _, c := range p.basis {
		c.addTo(w)
	}
	b, err := w.Bytes()
	if err != nil {
		return nil, fmt.Errorf("pca bundle: %w", err)
	}
	return b, nil
}

// choices lists every PCA choice, for the report.
func (p *pcaPlan) choices() []*choice {
	all := append([]*choice(nil), p.basis...)
	for _, cs := range p.subs {
		all = append(all, cs...)
	}
	return all
}

// verifyPCAFile checks one file of the PCA baseline read back from disk:
// the PCA bundle by the faces it draws (through sp, the app's loader) against
// the float PCA's; a PCA subject like a VAE-GAN subject, with its regions
// file. Bars missed go to fail; rep.PCA collects the results.
func verifyPCAFile(o options, f outFile, b *bundle.Bundle, path string, files []outFile, sp *site.PCA, pp *pcaPlan, rep *report, fail func(string, ...any)) error {
	switch f.Kind {
	case "pca":
		if sp == nil || sp.K != pp.pm.K || sp.D() != pp.pm.D {
			return fmt.Errorf("verify %s: loads as a PCA of a different size", path)
		}
		pe := newPCAEval(pp.pm, pp.faceZ)
		faces := make([]float32, len(pe.ref))
		for i, z := range pp.faceZ {
			sp.Image(z, faces[i*sp.D():(i+1)*sp.D()])
		}
		mse, worst := faceMSE(faces, pe.ref, sp.D())
		rep.PCA.PSNRdB, rep.PCA.PSNRMindB, rep.PCA.Faces = finite(psnr(mse)), finite(psnr(worst)), len(pp.faceZ)
	case "pca-subject":
		rb, rpath, err := openRegions(o, files, f.Subject)
		if err != nil {
			return err
		}
		sr, err := verifySubject(b, path, rb, rpath, f.Subject)
		if err != nil {
			return err
		}
		sr.Bytes, sr.RegionsBytes = b.Size(), rb.Size()
		rep.PCASubjects = append(rep.PCASubjects, sr)
		rep.PCA.LatentCorrMin = min(rep.PCA.LatentCorrMin, sr.LatentCorrMin)
		rep.PCA.PairwiseChangedPairs = max(rep.PCA.PairwiseChangedPairs, sr.Flipped["all"])
		if sr.LatentCorrMin < o.Corr {
			fail("%s pca: decoded latents correlate %.6f < %v with float", sr.ID, sr.LatentCorrMin, o.Corr)
		}
		if sr.Flipped["all"] > o.Pairwise {
			fail("%s pca: %d pairwise outcomes flipped > %d", sr.ID, sr.Flipped["all"], o.Pairwise)
		}
	}
	return nil
}

// summarize fills the report's per-space summaries and per-part bytes from
// its fields, its files and its tensors (rep.Tensors set).
func summarize(rep *report, files []outFile) {
	rep.VAEGAN = spaceReport{PSNRdB: rep.PSNRdB, PSNRMindB: rep.PSNRMindB, Faces: rep.Faces, LatentCorrMin: rep.LatentCorrMin,
		PairwiseChangedPairs: rep.PairwiseChangedPairs, BytesTotal: rep.BytesGenerator + rep.BytesSubjects}
	var firstID string
	var genBytes int64
	for _, f := range files {
		n := int64(len(f.Data))
		switch f.Kind {
		case "generator":
			rep.Parts.FirstFace += n
			genBytes = n
		case "subject":
			if firstID == "" {
				firstID = f.Subject.s.ID
				rep.Parts.FirstFace += n
			}
		case "regions":
			if f.Subject.s.ID == firstID {
				rep.Parts.Regions = n
			}
		case "pca":
			rep.Parts.PCAComparison += n
			if rep.PCA != nil {
				rep.PCA.BytesTotal += n
			}
		case "pca-subject":
			if f.Subject.s.ID == firstID {
				rep.Parts.PCAComparison += n
			}
		case "pca-regions":
			if f.Subject.s.ID == firstID {
				rep.Parts.PCARegions = n
			}
		}
	}
	rep.VAEGAN.Dominant = shares(rep.VAEGAN.BytesTotal, rep.Tensors, "generator", genBytes, isVAEGANSubject)
	if rep.PCA != nil {
		basis := rep.PCA.BytesTotal
		rep.PCA.BytesTotal = rep.BytesPCA
		rep.PCA.Dominant = shares(rep.BytesPCA, rep.Tensors, "basis", basis, isPCASubject)
	}
}

// shares says what takes a space's bytes: its face model (the generator or
// the PCA basis, first bytes), its subjects' all-voxel decoders and region
// decoders (the tensors of the bundles that subject says are the space's),
// and the rest (patterns, latents, indices, headers).
func shares(total int64, cs []*choice, model string, first int64, subject func(bundle string) bool) string {
	var all, regions int64
	for _, c := range cs {
		switch {
		case !subject(c.Bundle):
		case c.Name == "decoder.all":
			all += c.Bytes
		case isRegionDecoder(c.Name):
			regions += c.Bytes
		}
	}
	if total == 0 {
		return ""
	}
	pc := func(n int64) float64 { return 100 * float64(n) / float64(total) }
	return fmt.Sprintf("%s %.0f%%, all-voxel decoders %.0f%%, region decoders %.0f%%, patterns, latents and the rest %.0f%%",
		model, pc(first), pc(all), pc(regions), pc(total-first-all-regions))
}

// isPCASubject reports whether a report row's bundle is a PCA subject's.
func isPCASubject(bundle string) bool { return strings.HasSuffix(bundle, ".pca") }

// isVAEGANSubject reports whether it is a VAE-GAN subject's.
func isVAEGANSubject(bundle string) bool {
	return strings.HasPrefix(bundle, "sub-") && !isPCASubject(bundle)
}
