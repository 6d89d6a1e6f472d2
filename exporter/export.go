package main

import (
	"encoding/json"
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"fmriface/bundle/quant"
	"fmriface/contract/handoff"
	"fmriface/infer/fold"
	"fmriface/util/progress"
)

// chooseLatents caps the latents used while choosing generator encodings
// (the verification uses all of them).
const chooseLatents = 64

// export is the command after flag parsing: read the inputs, choose each
// tensor's encoding, write the bundles, then verify them from disk and
// write the report and, when every bar passes, the index.
func export(o options, stdout, stderr io.Writer) error {
	m, axes, subs, err := readExportInputs(o)
	if err != nil {
		return err
	}
	real, err := realFile(o, stderr)
	if err != nil {
		return err
	}
	var pp *pcaPlan // the PCA baseline, with --pca
	if o.PCA {
		if pp, err = readPCA(o, m, subs); err != nil {
			return err
		}
	}
	folded, err := fold.Generator(m.Cfg, m.Params)
	if err != nil {
		return fmt.Errorf("model %s: %w", o.Model, err)
	}

	// The float pipeline.
	evals := make([]*subjectEval, len(subs))
	for i, s := range subs {
		if evals[i], err = newSubjectEval(s); err != nil {
			return err
		}
	}
	faceZ := faceLatents(subs, evals)
	steps := 1 + len(subs)
	if pp != nil {
		steps += 1 + len(pp.evals)
	}
	bar := progress.New(stderr, "export", steps)
	defer bar.Done()
	genChoices, subChoices, err := chooseEncodings(o, m, folded, axes, evals, faceZ, bar)
	if err != nil {
		return err
	}
	files, err := encodeBundles(o, m, folded, axes, evals, genChoices, subChoices)
	if err != nil {
		return err
	}
	if pp != nil {
		if err := pp.choose(o, bar); err != nil {
			return err
		}
		pfiles, err := pp.encode(o, m)
		if err != nil {
			return err
		}
		files = append(files, pfiles...)
	}
	if err := writeBundles(o.Out, files); err != nil {
		return err
	}
	if real != nil {
		rs := []outFile{*real}
		if err := writeBundles(o.Out, rs); err != nil {
			return err
		}
		*real = rs[0]
		if err := checkReal(o.Out, real); err != nil {
			return err
		}
	}

	// Verification from disk, report, index.
	bar.SetInfo("verify")
	rep, err := verify(o, m, faceZ, evals, files, pp)
	if err != nil {
		return err
	}
	all := append([]*choice(nil), genChoices...)
	for _, cs := range subChoices {
		all = append(all, cs...)
	}
	if pp != nil {
		all = append(all, pp.choices()...)
	}
	sortChoices(all)
	rep.Tensors = all
	summarize(rep, files)
	printReport(stdout, rep)
	if err := writeJSON(filepath.Join(o.Out, "export-report.json"), rep); err != nil {
		return err
	}
	if !rep.Pass {
		return fmt.Errorf("fidelity bars missed: %s (see %s); index.json not written", strings.Join(rep.Failures, "; "),
			filepath.Join(o.Out, "export-report.json"))
	}
	if err := writeIndex(o, m, files, real); err != nil {
		return err
	}
	return addLab(o, stdout, stderr)
}

// readExportInputs reads the face model, its axes and the subjects'
// hand-off files, and checks that they share the latent size.
func readExportInputs(o options) (*model, *handoff.Axes, []*handoff.Subject, error) {
	m, err := loadModel(o.Model)
	if err != nil {
		return nil, nil, nil, err
	}
	axes, err := handoff.ReadAxes(o.Axes)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("axes: %w (the face evaluation writes it: trainer faces eval --out %s)", err, filepath.Dir(o.Model))
	}
	if len(axes.Male) != m.Cfg.Latent {
		return nil, nil, nil, fmt.Errorf("axes %s: %d latent dimensions, the model %s has %d", o.Axes, len(axes.Male), o.Model, m.Cfg.Latent)
	}
	subs, err := handoff.ReadDir(o.FMRI)
	if err != nil {
		return nil, nil, nil, err
	}
	for _, s := range subs {
		if s.Latent != m.Cfg.Latent {
			return nil, nil, nil, fmt.Errorf("%s: latent size %d, the model %s has %d", handoff.Path(o.FMRI, s.ID), s.Latent, o.Model, m.Cfg.Latent)
		}
	}
	return m, axes, subs, nil
}

// chooseEncodings chooses the encoding of every tensor: the generator's,
// judged on (at most chooseLatents of) the faces faceZ, then each
// subject's.
func chooseEncodings(o options, m *model, folded map[string][]float32, axes *handoff.Axes, evals []*subjectEval, faceZ [][]float32, bar *progress.Bar) ([]*choice, [][]*choice, error) {
	bar.SetInfo("generator")
	zc := faceZ
	if len(zc) > chooseLatents {
		zc = spread(zc, chooseLatents)
	}
	ge, err := newGenEval(m.Cfg, m.Params, zc)
	if err != nil {
		return nil, nil, fmt.Errorf("model %s: %w", o.Model, err)
	}
	genChoices, err := chooseGenerator(m, folded, axes, ge, o)
	if err != nil {
		return nil, nil, err
	}
	bar.Add(1)
	subChoices := make([][]*choice, len(evals))
	for i, e := range evals {
		bar.SetInfo(e.s.ID)
		if subChoices[i], err = chooseSubject(e, o); err != nil {
			return nil, nil, err
		}
		bar.Add(1)
	}
	return genChoices, subChoices, nil
}

// encodeBundles encodes the generator bundle and each subject's bundle and
// regions bundle with the chosen encodings.
func encodeBundles(o options, m *model, folded map[string][]float32, axes *handoff.Axes, evals []*subjectEval, genChoices []*choice, subChoices [][]*choice) ([]outFile, error) {
	genBytes, err := generatorBundle(m, folded, axes, genChoices, o, provenanceConfig(o, m))
	if err != nil {
		return nil, err
	}
	files := []outFile{{Kind: "generator", Prefix: "generator", Data: genBytes}}
	for i, e := range evals {
		b, err := subjectBundle(e, subChoices[i], o)
		if err != nil {
			return nil, err
		}
		rb, err := regionsBundle(e, subChoices[i], o)
		if err != nil {
			return nil, err
		}
		files = append(files, outFile{Kind: "subject", Prefix: e.s.ID, Data: b, Subject: e},
			outFile{Kind: "regions", Prefix: e.s.ID + ".regions", Data: rb, Subject: e})
	}
	return files, nil
}

// faceLatents are the latents whose faces the generator bar compares: every
// subject's true test and imagery latents and its float decoded test
// latents (all voxels), without exact repeats.
func faceLatents(subs []*handoff.Subject, evals []*subjectEval) [][]float32 {
	var out [][]float32
	seen := map[string]bool{}
	add := func(z []float32) {
		k := fmt.Sprint(z)
		if !seen[k] {
			seen[k] = true
			out = append(out, z)
		}
	}
	for i, s := range subs {
		L := s.Latent
		for r := 0; r < s.NTest(); r++ {
			add(s.TestLatents[r*L : (r+1)*L])
		}
		for r := 0; r < s.NImagery(); r++ {
			add(s.ImageryLatents[r*L : (r+1)*L])
		}
		for _, z := range evals[i].dec["all"]["test.patterns"] {
			z32 := make([]float32, L)
			for j, v := range z {
				z32[j] = float32(v)
			}
			add(z32)
		}
	}
	return out
}

// spread picks n items evenly from z.
func spread(z [][]float32, n int) [][]float32 {
	out := make([][]float32, n)
	for i := range out {
		out[i] = z[i*len(z)/n]
	}
	return out
}

// chooseGenerator picks the generator's and the axes' encodings.
func chooseGenerator(m *model, folded map[string][]float32, axes *handoff.Axes, ge *genEval, o options) ([]*choice, error) {
	target := mseFor(o.PSNR + 1)
	total := 0
	for _, p := range fold.GeneratorParams(m.Cfg) {
		total += p.Size()
	}
	var cs []*choice
	for _, p := range fold.GeneratorParams(m.Cfg) {
		c := &choice{Bundle: "generator", Name: p.Name, Shape: p.Shape, data: folded[p.Name],
			Measure: "face MSE", Bound: target * float64(p.Size()) / float64(total)}
		c.score = func(vals []float32) (float64, bool, error) {
			trial := map[string][]float32{}
			for k, v := range folded {
				trial[k] = v
			}
			trial[c.Name] = vals
			mse, _, err := ge.mse(trial)
			return mse, mse <= c.Bound, err
		}
		cs = append(cs, c)
	}
	for _, a := range []struct {
		name string
		v    []float32
	}{{"axis.male", axes.Male}, {"axis.smile", axes.Smile}} {
		c := &choice{Bundle: "generator", Name: a.name, Shape: []int{len(a.v)}, data: a.v}
		relBound(c, 1e-3)
		cs = append(cs, c)
	}
	err := settle(cs, func() (bool, error) {
		trial := map[string][]float32{}
		for k, v := range folded {
			trial[k] = v
		}
		for k, v := range values(cs) {
			trial[k] = v
		}
		delete(trial, "axis.male")
		delete(trial, "axis.smile")
		mse, _, err := ge.mse(trial)
		return psnr(mse) >= o.PSNR+0.5, err
	})
	return cs, err
}

// chooseSubject picks a subject's encodings.
func chooseSubject(e *subjectEval, o options) ([]*choice, error) {
	s := e.s
	V, L, N, R, M := s.NVoxels(), s.Latent, s.NTest(), s.NSubsets(), s.NImagery()
	// A decoded latent goes through one decoder and one pattern tensor, so
	// their bounds share 1 − --corr. The patterns are chosen first, each
	// within 0.3 of it; the decoders, a hundred times larger, then take what
	// the patterns' own effects leave of 0.95 (at least 0.65), the last 0.05
	// left to how the two errors combine (independent errors add in
	// 1 − corr; the bars are checked end to end, and settle steps a tensor
	// up where they miss). A fixed 0.6 for the decoders wasted the room of
	// float16 patterns, whose effect is about 1e-7.
	patternBound := 0.3 * (1 - o.Corr)
	var cs, patterns []*choice
	decoderBound := func() float64 {
		worst := 0.0
		for _, p := range patterns {
			worst = max(worst, p.Effect)
		}
		return 0.95*(1-o.Corr) - worst
	}
	add := func(name string, shape []int) *choice {
		c := &choice{Bundle: s.ID, Name: name, Shape: shape, data: e.float(name)}
		cs = append(cs, c)
		return c
	}
	// decoded scores a trial of one tensor by the decoded latents of rois.
	decoded := func(c *choice, rois []string, bound float64) {
		c.Measure, c.Bound = "1 − latent corr", bound
		c.score = func(vals []float32) (float64, bool, error) {
			r, err := e.eval(overlay(e.float, map[string][]float32{c.Name: vals}), rois)
			eff := 1 - r.MinCorr
			// Only the all-voxel ROI is held to no flipped pair: a noisy
			// ROI's near-ties may flip at any perturbation.
			return eff, eff <= c.Bound && r.Flipped["all"] == 0, err
		}
	}
	for _, p := range []struct {
		name  string
		shape []int
	}{{"test.patterns", []int{N, V}}, {"test.subsets", []int{R, N, V}}, {"imagery.pattern", []int{V}}} {
		c := add(p.name, p.shape)
		decoded(c, nil, patternBound)
		patterns = append(patterns, c)
	}
	for _, r := range s.ROIs {
		c := add("decoder."+r.Name, []int{len(r.Voxels), L})
		decoded(c, []string{r.Name}, 0)
		c.boundFrom = decoderBound
		if o.GPTQ && len(r.Voxels) > o.gptqMaxVoxels() {
			c.Note = fmt.Sprintf("plain rounding: %d voxels is more than GPTQ's cap (--gptq-max-voxels %d)", len(r.Voxels), o.gptqMaxVoxels())
		}
		if o.GPTQ && len(r.Voxels) <= o.gptqMaxVoxels() {
			x := calibration(e, r.Voxels)
			rows := len(r.Voxels)
			c.round = func(k quant.Kind) ([]float32, error) { return gptq(k, c.data, rows, L, x) }
			if s.Space == handoff.SpacePCA {
				// One factorization for every step tried (chooseFloor).
				var g *gptqFactor
				c.floorRound = func(floor float32) ([]float32, error) {
					if g == nil {
						var err error
						if g, err = newGPTQ(rows, x); err != nil {
							return nil, err
						}
					}
					return g.round(quant.Q8, c.data, L, floor)
				}
			}
		}
	}
	lat := add("test.latents", []int{N, L})
	relBound(lat, 0.01)
	rel := lat.score
	lat.score = func(vals []float32) (float64, bool, error) {
		eff, ok, _ := rel(vals)
		r, err := e.eval(overlay(e.float, map[string][]float32{"test.latents": vals}), []string{"all"})
		return eff, ok && r.Flipped["all"] == 0, err
	}
	relBound(add("imagery.latents", []int{M, L}), 0.01)
	// latent.mean is added to every decoded latent: a small vector held to
	// the axes' bound, and like test.latents it may flip no pair.
	mean := add("latent.mean", []int{L})
	relBound(mean, 1e-3)
	relMean := mean.score
	mean.score = func(vals []float32) (float64, bool, error) {
		eff, ok, _ := relMean(vals)
		r, err := e.eval(overlay(e.float, map[string][]float32{"latent.mean": vals}), []string{"all"})
		return eff, ok && r.Flipped["all"] == 0, err
	}
	err := settle(cs, func() (bool, error) {
		r, err := e.eval(overlay(e.float, values(cs)), nil)
		return r.MinCorr >= o.Corr && r.Flipped["all"] <= o.Pairwise, err
	})
	for _, c := range cs {
		c.floorRound = nil // frees the GPTQ factors
	}
	return cs, err
}

// calibration gathers the patterns the site decodes (every pattern set, the
// float values), restricted to voxels: the inputs a decoder's rounding is
// calibrated on (gptq).
func calibration(e *subjectEval, voxels []int32) []float32 {
	V := e.s.NVoxels()
	var x []float32
	for _, set := range patternSets {
		p := e.float(set)
		for i := 0; i+V <= len(p); i += V {
			for _, v := range voxels {
				x = append(x, p[i+int(v)])
			}
		}
	}
	return x
}

// provenanceConfig is the configuration recorded in every bundle.
func provenanceConfig(o options, m *model) json.RawMessage {
	cfg := map[string]any{
		"exporter":     o,
		"model_file":   filepath.Base(o.Model),
		"model_sha256": m.SHA256,
		"model_step":   m.Train.Step,
		"model_code":   m.Train.Code,
	}
	b, _ := json.Marshal(cfg)
	return b
}

// kindOf returns a choice's stored encoding by tensor name.
func kindOf(cs []*choice) map[string]quant.Kind {
	k := map[string]quant.Kind{}
	for _, c := range cs {
		k[c.Name] = c.kind
	}
	return k
}
