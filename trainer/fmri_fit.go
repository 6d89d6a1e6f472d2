package main

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"flag"
	"fmt"
	"hash/crc32"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"gonum.org/v1/gonum/mat"

	"fmriface/contract/handoff"
	"fmriface/face/celeba"
	"fmriface/face/pca"
	"fmriface/neuro/analysis"
	"fmriface/neuro/bids"
	"fmriface/neuro/decoding"
	"fmriface/neuro/glm"
	"fmriface/neuro/score"
	"fmriface/neuro/sim"
	"fmriface/trainer/gorgoniablas"
	"fmriface/trainer/vaegan"
	"fmriface/util/ckpt"
	"fmriface/util/version"
)

// fmriFitFlags are the options of `fmri fit`.
type fmriFitFlags struct {
	data, stimDir, faces, cache, model, splitPath, out string
	featureModel                                       string
	subjects, models, curve, curveModels               string
	tAlpha, fAlpha                                     float64
	ridge, stream                                      bool
	ridgeFolds, subsets, pcaK, maxRuns, siteVoxels     int
	seed                                               uint64
}

func parseFMRIFitFlags(args []string) *fmriFitFlags {
	f := &fmriFitFlags{}
	fs := flag.NewFlagSet("fmri fit", flag.ExitOnError)
	fs.StringVar(&f.data, "data", "out/virtual-ds001761", "BIDS dataset (simulated, or the real ds001761 with derivatives/fmriprep)")
	fs.StringVar(&f.stimDir, "stimuli", "", "folder of sub-XX_stimuli.tsv (+ sub-XX_imagery.tsv) mapping tables (default: the simulation's ground truth)")
	fs.StringVar(&f.faces, "faces", "../shared/faces/celeba", "face images (CelebA-style folder) the stimuli name")
	fs.StringVar(&f.cache, "cache", "out/cache", "folder for the image, latent and PCA caches")
	fs.StringVar(&f.model, "model", "models/default/model.npz", "face model")
	fs.StringVar(&f.featureModel, "feature-model", "models/features/model.npz", "face-feature network for the RSA's stimulus levels (\"\" = no stimulus levels)")
	fs.StringVar(&f.splitPath, "split", "", "person split JSON (default: split.json next to the model)")
	fs.StringVar(&f.out, "out", "out/fmri", "output folder (one sub-XX folder per subject)")
	fs.StringVar(&f.subjects, "subjects", "", "subjects, comma-separated (default: all)")
	fs.StringVar(&f.models, "models", "vaegan,pca", "latent spaces to fit: vaegan, pca")
	fs.Float64Var(&f.tAlpha, "t-alpha", analysis.DefaultTAlpha, "voxel selection: one-sided alpha of the face > fixation t test (uncorrected)")
	fs.Float64Var(&f.fAlpha, "f-alpha", analysis.DefaultFAlpha, "voxel selection: alpha of the F test of the latent modulators over the face regressor alone")
	fs.BoolVar(&f.ridge, "ridge", true, "also fit the cross-validated ridge variant")
	fs.StringVar(&f.curve, "curve", "0.125,0.25,0.5", "training-size curve fractions (\"\" = none)")
	fs.StringVar(&f.curveModels, "curve-models", "vaegan", "latent spaces that get the training-size curve (3 extra fits each)")
	fs.IntVar(&f.ridgeFolds, "ridge-folds", analysis.DefaultRidgeFolds, "ridge CV folds (sessions merged; each costs one eigendecomposition of the Gram matrix)")
	fs.IntVar(&f.subsets, "subsets", 4, "disjoint repetition subsets of the test faces for the exporter (0 = none)")
	fs.IntVar(&f.pcaK, "pca-k", pca.PaperComponents, "PCA components (paper: 1024)")
	fs.Uint64Var(&f.seed, "seed", 1, "seed of the analysis (PCA, ridge voxel subset, curve subsets)")
	fs.IntVar(&f.maxRuns, "max-runs", 0, "use only the first N runs per subject (0 = all)")
	fs.IntVar(&f.siteVoxels, "site-voxels", 0, "also write the exporter's input for a site whose decoders keep at most N voxels (the selected voxels with the largest F of the modulators) to <out>/"+siteVoxelsDir+"N, and score that decoder as the variant \"budget\" (0 = none)")
	fs.BoolVar(&f.stream, "stream", false, "read the BOLD runs one at a time instead of holding every run in memory (a subject at the real study's scale; needs --ridge=false --curve \"\")")
	fs.Parse(args)
	if f.siteVoxels < 0 {
		fmt.Fprintf(os.Stderr, "fmri fit: --site-voxels %d: want 0 (none) or a voxel count\n", f.siteVoxels)
		os.Exit(2)
	}
	return f
}

// siteVoxelsDir prefixes the folder of the exporter's input at a voxel
// budget (--site-voxels), inside --out.
const siteVoxelsDir = "site-voxels-"

// budgetDir is the exporter's input folder at the voxel budget.
func (f *fmriFitFlags) budgetDir() string {
	return filepath.Join(f.out, fmt.Sprintf("%s%d", siteVoxelsDir, f.siteVoxels))
}

// fmriFitRun is what every subject's fit of one `fmri fit` shares.
type fmriFitRun struct {
	f      *fmriFitFlags
	args   []string
	ds     *bids.Dataset
	sim    bool // ds is a simulation with its ground truth
	fm     *faceModels
	fracs  []float64 // training-size curve
	rec    simRecord // the simulation's noise, seed and brain
	fitCfg []byte    // the fit's options, recorded in the outputs
}

// fmriFit runs the paper's GLM and decoding for every subject of a dataset
// and writes, per subject, the exporter's decoders.npz and the analysis'
// results.npz (see package neuro/analysis).
func fmriFit(ctx context.Context, args []string) error {
	f := parseFMRIFitFlags(args)
	start := time.Now()
	blasName := gorgoniablas.Use()

	ds, sim, err := openFMRIDataset(f.data)
	if err != nil {
		return err
	}
	subs := ds.Subjects()
	if f.subjects != "" {
		subs = strings.Split(f.subjects, ",")
	}
	fracs, err := curveFractions(f.curve)
	if err != nil {
		return err
	}
	if f.stream && (f.ridge || len(fracs) > 0) {
		return fmt.Errorf("--stream fits without the ridge variant and the training-size curve (they refit every selected voxel's whole series): add --ridge=false --curve \"\"")
	}
	stims, err := readStimuliTables(f, sim, subs)
	if err != nil {
		return err
	}

	fm, err := loadFaceSpaces(f.model, f.faces, f.cache, f.splitPath, f.pcaK, f.seed, strings.Split(f.models, ","))
	if err != nil {
		return err
	}
	defer fm.close()
	if fm.pca != nil {
		// The PCA subjects' latents are this model's coefficients: the
		// exporter draws their faces with it (handoff.PCABasisPath).
		if err := os.MkdirAll(f.out, 0o755); err != nil {
			return err
		}
		if err := fm.pca.Save(handoff.PCABasisPath(f.out)); err != nil {
			return err
		}
		if f.siteVoxels > 0 {
			if err := os.MkdirAll(f.budgetDir(), 0o755); err != nil {
				return err
			}
			if err := fm.pca.Save(handoff.PCABasisPath(f.budgetDir())); err != nil {
				return err
			}
		}
	}
	fitCfg, _ := json.Marshal(map[string]any{"t_alpha": f.tAlpha, "f_alpha": f.fAlpha, "ridge": f.ridge, "ridge_folds": f.ridgeFolds, "curve": fracs, "curve_models": f.curveModels,
		"subsets": f.subsets, "stream": f.stream, "site_voxels": f.siteVoxels, "pca_k": f.pcaK, "high_pass_s": glm.DefaultHighPass, "serial_correlations": "OLS",
		"modulators": "mean-centred over all training faces", "blas": blasName})
	run := &fmriFitRun{f: f, args: args, ds: ds, sim: sim, fm: fm, fracs: fracs, rec: readSimRecord(f.data, sim), fitCfg: fitCfg}
	for _, s := range subs {
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := run.subject(s, stims[s]); err != nil {
			return err
		}
	}
	fmt.Printf("fmri fit: %d subjects in %.1f s → %s\n", len(subs), time.Since(start).Seconds(), f.out)
	return nil
}

// curveFractions parses the training-size curve's fractions, each in (0, 1).
func curveFractions(curve string) ([]float64, error) {
	if curve == "" {
		return nil, nil
	}
	fracs, err := parseFloats(curve)
	if err != nil {
		return nil, fmt.Errorf("--curve: %w", err)
	}
	for _, f := range fracs {
		if !(f > 0 && f < 1) {
			return nil, fmt.Errorf("--curve: fraction %v is not in (0, 1)", f)
		}
	}
	return fracs, nil
}

// readStimuliTables reads each subject's stimulus mapping: from --stimuli,
// else from the simulation's ground truth. It trims "sub-" from subs in
// place.
func readStimuliTables(f *fmriFitFlags, sim bool, subs []string) (map[string]*analysis.Stimuli, error) {
	stims := map[string]*analysis.Stimuli{}
	for i, s := range subs {
		s = strings.TrimPrefix(s, "sub-")
		subs[i] = s
		var st *analysis.Stimuli
		var err error
		switch {
		case f.stimDir != "":
			st, err = analysis.ReadStimuli(f.stimDir, s)
		case sim:
			st, err = analysis.SimStimuli(f.data, s)
		default:
			err = fmt.Errorf("%s has no simulated ground truth: give the stimulus mapping with --stimuli (columns stim_file, celeba_file[, male]; see `go doc fmriface/neuro/analysis ReadStimuli`)", f.data)
		}
		if err != nil {
			return nil, err
		}
		stims[s] = st
	}
	return stims, nil
}

// subject fits every latent space for subject s and writes its results and,
// from the VAE-GAN fit, its exporter hand-off.
func (r *fmriFitRun) subject(s string, st *analysis.Stimuli) error {
	t0 := time.Now()
	d, err := analysis.ReadSubject(r.ds, s, analysis.ReadOptions{MaxRuns: r.f.maxRuns, Stream: r.f.stream, Progress: os.Stderr})
	if err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "sub-%s: %d runs, %d scans, %d voxels in the mask (read in %.1f s)\n", s, len(d.Runs), d.NScans, len(d.Voxels), time.Since(t0).Seconds())
	res, err := r.newResult(s, d, st)
	if err != nil {
		return err
	}
	if r.f.featureModel != "" {
		if res.LevelRDM, err = r.fm.levelRDMs(res.TestKeys, r.f.featureModel, r.f.cache); err != nil {
			return fmt.Errorf("sub-%s: stimulus levels: %w", s, err)
		}
	}
	// A PCA hand-off of an earlier fit would not match this one's; it is
	// written again below if this run fits the PCA baseline.
	if err := os.Remove(handoff.PCAPath(r.f.out, "sub-"+s)); err != nil && !os.IsNotExist(err) {
		return err
	}
	// process scores space i's fit (nil: fit it now) and writes its
	// hand-offs, so that the fit can be dropped before the next space's.
	process := func(i int, mf *analysis.ModelFit) error {
		ex, exb, err := r.space(s, d, st, r.fm.spaces[i], mf, res)
		if err != nil {
			return err
		}
		for _, w := range []struct {
			dir string
			ex  *handoff.Subject
		}{{r.f.out, ex}, {r.f.budgetDir(), exb}} {
			if w.ex == nil {
				continue
			}
			path := handoff.Path(w.dir, w.ex.ID)
			if w.ex.Space == handoff.SpacePCA {
				path = handoff.PCAPath(w.dir, w.ex.ID)
			}
			if err := handoff.Write(path, w.ex); err != nil {
				return err
			}
		}
		return nil
	}
	if d.Streamed() {
		// A streamed subject's runs are read once for every space.
		var ms []analysis.Model
		for _, sp := range r.fm.spaces {
			ms = append(ms, analysis.Model{Name: sp.name, L: sp.dim, Latent: sp.latent})
		}
		if err := analysis.FitModelsEach(d, st, ms, r.fitOptions(""), process); err != nil {
			return err
		}
	} else {
		for i := range r.fm.spaces {
			if err := process(i, nil); err != nil {
				return err
			}
		}
	}
	if err := analysis.WriteResult(analysis.ResultPath(r.f.out, res.Subject), res); err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "sub-%s done in %.1f s\n", s, time.Since(t0).Seconds())
	return nil
}

// newResult starts subject s's results: provenance, its test faces (with
// their gender) and its imagery candidates.
func (r *fmriFitRun) newResult(s string, d *analysis.Data, st *analysis.Stimuli) (*analysis.SubjectResult, error) {
	res := &analysis.SubjectResult{Subject: "sub-" + s, Simulated: r.sim, NoiseLevel: r.rec.noise[s], Seed: r.rec.seed, Brain: r.rec.brain, ImageSize: r.fm.size,
		NMask: len(d.Voxels), NScans: d.NScans, NRuns: len(d.Runs), ImageryTarget: -1,
		Provenance: map[string]any{"command": append([]string{"trainer", "fmri", "fit"}, r.args...), "code_version": version.String(),
			"data": r.f.data, "model": r.f.model, "fit_config": json.RawMessage(r.fitCfg)}}
	images, keys, err := analysis.TestFaces(d, st)
	if err != nil {
		return nil, err
	}
	res.TestImages, res.TestKeys = images, keys
	for _, k := range keys {
		res.TestMale = append(res.TestMale, st.Male[k])
	}
	if st.Imagery != nil {
		res.ImageryTarget = st.ImageryTarget
		for _, f := range st.Imagery {
			res.ImageryKeys = append(res.ImageryKeys, f.Key)
		}
	}
	return res, nil
}

// space fits one latent space for subject s and adds its results to res,
// and returns the exporter's hand-off of that space (docs/fmri-outputs.md)
// and, with --site-voxels, its hand-off at that voxel budget (else nil).
// For the VAE-GAN it also renders the test faces as shown.
// mf is the space's fit when it was made already (a streamed subject), else
// nil.
func (r *fmriFitRun) space(s string, d *analysis.Data, st *analysis.Stimuli, sp *faceSpace, mf *analysis.ModelFit, res *analysis.SubjectResult) (*handoff.Subject, *handoff.Subject, error) {
	f := r.f
	var err error
	if mf == nil {
		if mf, err = analysis.FitModel(d, st, analysis.Model{Name: sp.name, L: sp.dim, Latent: sp.latent}, r.fitOptions(sp.name)); err != nil {
			return nil, nil, err
		}
	}
	var bf *analysis.ModelFit // the fit at the site's voxel budget
	if f.siteVoxels > 0 {
		if bf, err = mf.Budget(f.siteVoxels); err != nil {
			return nil, nil, fmt.Errorf("sub-%s %s: %w", s, sp.name, err)
		}
		mf.Decoded[analysis.VariantBudget] = bf.Decoded[analysis.VariantOLS]
	}
	mr, err := r.fm.modelResult(sp, mf, res)
	if err != nil {
		return nil, nil, err
	}
	if bf != nil {
		mr.BudgetVoxels = map[string]int{}
		for _, roi := range decoding.ROINames() {
			idx, _ := bf.ROIs.Get(roi)
			mr.BudgetVoxels[roi] = len(idx)
		}
	}
	if sp.name == "vaegan" {
		if res.Shown, err = r.fm.render(sp, mr.TrueTest); err != nil {
			return nil, nil, err
		}
	}
	export, err := exportSubject(d, st, mf, mr, res, sp, f.model, r.rec.noise[s], r.fitCfg, r.args)
	if err != nil {
		return nil, nil, err
	}
	var exportBudget *handoff.Subject
	if bf != nil {
		if exportBudget, err = exportSubject(d, st, bf, mr, res, sp, f.model, r.rec.noise[s], r.fitCfg, r.args); err != nil {
			return nil, nil, err
		}
	}
	res.Models = append(res.Models, *mr)
	if res.BrainRDM == nil {
		res.BrainRDM = mf.BrainRDM
	}
	fmt.Fprintf(os.Stderr, "sub-%s %s: %d of %d voxels selected (t > %.2f, F > %.3f), ROIs %v, λ %g\n", s, sp.name,
		len(mf.Selected), len(d.Voxels), mf.TThreshold, mf.FThreshold, mr.NVoxels, mf.Lambda)
	if bf != nil {
		fmt.Fprintf(os.Stderr, "sub-%s %s: site budget %d voxels, ROIs %v → %s\n", s, sp.name, len(bf.Selected), mr.BudgetVoxels, f.budgetDir())
	}
	return export, exportBudget, nil
}

// fitOptions are the analysis options of space (its training-size curve
// when --curve-models names it; "" for none).
func (r *fmriFitRun) fitOptions(space string) analysis.FitOptions {
	f := r.f
	opt := analysis.FitOptions{TAlpha: f.tAlpha, FAlpha: f.fAlpha, Ridge: f.ridge, RidgeFolds: f.ridgeFolds, Seed: f.seed, Progress: os.Stderr}
	if space != "" && slices.Contains(strings.Split(f.curveModels, ","), space) {
		opt.Curve = r.fracs
	}
	opt.Subsets = f.subsets // both spaces hand their fewer-trial patterns to the exporter
	return opt
}

// openFMRIDataset opens a simulated dataset with its ground truth, or a
// plain BIDS dataset (with derivatives/fmriprep when present).
func openFMRIDataset(root string) (*bids.Dataset, bool, error) {
	if analysis.HasSimTruth(root) {
		ds, err := sim.OpenDataset(root)
		return ds, true, err
	}
	ds, err := bids.Open(root)
	return ds, false, err
}

// simRecord is what a simulation's dataset description says of it: the
// per-subject noise levels, the seed and the brain model (empty for real
// data; "v1" for a simulation written before the brain had a name).
type simRecord struct {
	noise map[string]float64
	seed  int64
	brain string
}

func readSimRecord(root string, simulated bool) simRecord {
	out := simRecord{noise: map[string]float64{}}
	if !simulated {
		return out
	}
	out.brain = sim.BrainV1
	b, err := os.ReadFile(filepath.Join(root, "dataset_description.json"))
	if err != nil {
		return out
	}
	var desc struct {
		Config struct {
			Subjects []string
			Noise    []float64
			Seed     int64
			Brain    string
		}
	}
	if json.Unmarshal(b, &desc) != nil {
		return out
	}
	out.seed = desc.Config.Seed
	if desc.Config.Brain != "" {
		out.brain = desc.Config.Brain
	}
	if len(desc.Config.Subjects) == len(desc.Config.Noise) {
		for i, s := range desc.Config.Subjects {
			out.noise[s] = desc.Config.Noise[i]
		}
	}
	return out
}

// levelRDMs are the RSA's stimulus references: the dissimilarity matrices
// of the test faces keys in each feature level of the brain v2 (computed
// from the images, whichever brain made the data), each feature
// standardised over the test faces first as the simulator standardises
// them over its stimuli.
func (fm *faceModels) levelRDMs(keys []string, featureModel, cache string) (map[string][][]float64, error) {
	byName := make(map[string]int, len(fm.pool.Faces))
	for i, f := range fm.pool.Faces {
		byName[f.Name] = i
	}
	ids := make([]int, len(keys))
	for i, k := range keys {
		id, ok := byName[k]
		if !ok {
			return nil, fmt.Errorf("test face %s is not in the face set", k)
		}
		ids[i] = id
	}
	low, mid, high, err := sim.StimulusLevels(context.Background(), fm.pool, ids, featureModel, cache, sim.DefaultBrainV2().NormSigma)
	if err != nil {
		return nil, err
	}
	out := map[string][][]float64{}
	for name, rows := range map[string][][]float64{analysis.LevelLow: low, analysis.LevelMid: mid, analysis.LevelHigh: high} {
		if out[name], err = analysis.RDM(standardizeColumns(rows)); err != nil {
			return nil, fmt.Errorf("%s level: %w", name, err)
		}
	}
	return out, nil
}

// standardizeColumns z-scores each column over the rows in place (a
// constant column becomes 0) and returns rows.
func standardizeColumns(rows [][]float64) [][]float64 {
	for k := range rows[0] {
		var m, ss float64
		for _, r := range rows {
			m += r[k]
		}
		m /= float64(len(rows))
		for _, r := range rows {
			ss += (r[k] - m) * (r[k] - m)
		}
		sd := math.Sqrt(ss / float64(len(rows)))
		for _, r := range rows {
			if sd > 0 {
				r[k] = (r[k] - m) / sd
			} else {
				r[k] = 0
			}
		}
	}
	return rows
}

// faceSpace is one latent space: every face's latent by key.
type faceSpace struct {
	name   string
	dim    int
	z      map[string][]float64
	male   []float64 // male − female axis over the model's training faces
	latent analysis.LatentFunc
}

type faceModels struct {
	pool   *sim.Pool // the face set with the model's split, for the stimulus levels
	size   int
	spaces []*faceSpace
	infer  *vaegan.Infer
	pca    *pca.Model
}

func (fm *faceModels) close() {
	if fm.infer != nil {
		fm.infer.Close()
	}
}

// loadFaceSpaces encodes every face of the image set with the VAE-GAN
// (encoder μ) and the PCA baseline, through a cache keyed by the model file
// and the pixels.
func loadFaceSpaces(modelPath, faces, cache, splitPath string, k int, seed uint64, names []string) (*faceModels, error) {
	w, st, err := vaegan.LoadModel(modelPath)
	if err != nil {
		return nil, err
	}
	cfg := st.Config.Arch
	if splitPath == "" {
		splitPath = filepath.Join(filepath.Dir(modelPath), "split.json")
	}
	ds, err := celeba.Load(celeba.Options{Dir: faces, Size: cfg.ImageSize, CacheDir: cache, Progress: os.Stderr})
	if err != nil {
		return nil, err
	}
	split, err := celeba.ReadSplitJSON(splitPath, ds.Faces)
	if err != nil {
		return nil, err
	}
	in, err := vaegan.NewInfer(w, 100)
	if err != nil {
		return nil, err
	}
	pool, err := sim.PoolFromCelebA(ds, split)
	if err != nil {
		return nil, err
	}
	fm := &faceModels{pool: pool, size: cfg.ImageSize, infer: in}
	n := len(ds.Faces)
	d := 3 * cfg.ImageSize * cfg.ImageSize
	all := ds.Pixels
	if len(all) != n*d {
		return nil, fmt.Errorf("face set: %d pixels for %d faces", len(all), n)
	}
	maleIdx, err := ds.AttrIndex("Male")
	if err != nil {
		return nil, err
	}
	keys := make([]string, n)
	for i, f := range ds.Faces {
		keys[i] = f.Name()
	}
	pixSum := checksum32(all)
	mcrc, err := fileCRC(modelPath)
	if err != nil {
		return nil, err
	}
	for _, name := range names {
		var z []float32
		var dim int
		switch name {
		case "vaegan":
			dim = cfg.Latent
			path := filepath.Join(cache, fmt.Sprintf("latents-vaegan-%08x-%08x.npz", mcrc, pixSum))
			z, err = cachedCodes(path, n, dim, func() ([]float32, error) {
				fmt.Fprintf(os.Stderr, "encoding %d faces with the VAE-GAN\n", n)
				return in.Encode(all, n)
			})
		case "pca":
			dim = k
			trainPx := make([]float32, 0, len(split.Train)*d)
			for _, i := range split.Train {
				trainPx = append(trainPx, ds.Image(i)...)
			}
			if fm.pca, err = fitPCA(cache, trainPx, len(split.Train), d, k, seed); err != nil {
				return nil, err
			}
			path := filepath.Join(cache, fmt.Sprintf("latents-pca%d-%08x-%08x.npz", k, checksum32(fm.pca.Components), pixSum))
			z, err = cachedCodes(path, n, dim, func() ([]float32, error) { return fm.pca.EncodeAll(all, n), nil })
		default:
			return nil, fmt.Errorf("--models: unknown latent space %q (want vaegan or pca)", name)
		}
		if err != nil {
			return nil, err
		}
		sp := &faceSpace{name: name, dim: dim, z: make(map[string][]float64, n)}
		for i, key := range keys {
			v := make([]float64, dim)
			for j := range v {
				v[j] = float64(z[i*dim+j])
			}
			sp.z[key] = v
		}
		var pos, neg [][]float64
		for _, i := range split.Train {
			if ds.Faces[i].Attr[maleIdx] > 0 {
				pos = append(pos, sp.z[keys[i]])
			} else {
				neg = append(neg, sp.z[keys[i]])
			}
		}
		if sp.male, err = score.MeanDifferenceAxis(pos, neg); err != nil {
			return nil, err
		}
		sp.latent = func(key string) ([]float64, bool) { v, ok := sp.z[key]; return v, ok }
		fm.spaces = append(fm.spaces, sp)
	}
	return fm, nil
}

// cachedCodes loads (n, dim) codes from path or computes and saves them.
func cachedCodes(path string, n, dim int, compute func() ([]float32, error)) ([]float32, error) {
	if f, err := ckpt.Load(path); err == nil {
		if t, ok := f.Tensors["codes"]; ok && len(t.Data) == n*dim {
			fmt.Fprintf(os.Stderr, "loaded %s\n", path)
			return t.Data, nil
		}
	}
	z, err := compute()
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, err
	}
	if err := ckpt.Save(path, map[string]any{"n": n, "dim": dim}, []ckpt.Tensor{{Name: "codes", Shape: []int{n, dim}, Data: z}}, ckpt.Float32); err != nil {
		return nil, err
	}
	return z, nil
}

func checksum32(x []float32) uint32 {
	h := crc32.NewIEEE()
	b := make([]byte, 4*4096)
	for i := 0; i < len(x); i += 4096 {
		j := min(i+4096, len(x))
		for k, v := range x[i:j] {
			binary.LittleEndian.PutUint32(b[4*k:], math.Float32bits(v))
		}
		h.Write(b[:4*(j-i)])
	}
	return h.Sum32()
}

func fileCRC(path string) (uint32, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	h := crc32.NewIEEE()
	if _, err := io.Copy(h, f); err != nil {
		return 0, fmt.Errorf("read %s: %w", path, err)
	}
	return h.Sum32(), nil
}

// render turns latents of a space into face images: the generator for the
// VAE-GAN, the inverse transform for PCA. Values are clipped to [0, 1].
func (fm *faceModels) render(sp *faceSpace, z [][]float64) ([][]float32, error) {
	n := len(z)
	flat := make([]float32, 0, n*sp.dim)
	for _, r := range z {
		for _, v := range r {
			flat = append(flat, float32(v))
		}
	}
	var img []float32
	var err error
	switch sp.name {
	case "vaegan":
		img, err = fm.infer.Generate(flat, n)
	case "pca":
		img = fm.pca.DecodeAll(flat, n)
	}
	if err != nil {
		return nil, err
	}
	per := len(img) / n
	out := make([][]float32, n)
	for i := range out {
		out[i] = img[i*per : (i+1)*per]
		for j, v := range out[i] {
			out[i][j] = min(max(v, 0), 1)
		}
	}
	return out, nil
}

func denseRows(m *mat.Dense) [][]float64 {
	if m == nil {
		return nil
	}
	r, _ := m.Dims()
	out := make([][]float64, r)
	for i := range out {
		out[i] = append([]float64(nil), m.RawRowView(i)...)
	}
	return out
}

// modelResult collects a model's fit into the results record.
func (fm *faceModels) modelResult(sp *faceSpace, mf *analysis.ModelFit, res *analysis.SubjectResult) (*analysis.ModelResult, error) {
	mr := &analysis.ModelResult{Name: sp.name, L: sp.dim, NTrain: mf.Layout.NTrain, DOF: mf.DOF, TThreshold: mf.TThreshold,
		FThreshold: mf.FThreshold, ROIErrors: mf.ROIErrors, Lambda: mf.Lambda, Lambdas: mf.Lambdas, CVError: mf.CVError,
		Seconds: mf.Seconds, RidgeSkipped: mf.RidgeSkipped, MaleAxis: sp.male, NVoxels: map[string]int{},
		Test: map[string]map[string][][]float64{}, Imagery: map[string]map[string][]float64{}, Images: map[string][][]float32{}}
	for _, roi := range decoding.ROINames() {
		idx, _ := mf.ROIs.Get(roi)
		mr.NVoxels[roi] = len(idx)
	}
	for _, k := range res.TestKeys {
		v, ok := sp.z[k]
		if !ok {
			return nil, fmt.Errorf("test face %s is not in the face set", k)
		}
		mr.TrueTest = append(mr.TrueTest, v)
	}
	for _, k := range res.ImageryKeys {
		v, ok := sp.z[k]
		if !ok {
			return nil, fmt.Errorf("imagery face %s is not in the face set", k)
		}
		mr.TrueImagery = append(mr.TrueImagery, v)
	}
	for _, v := range []string{analysis.VariantOLS, analysis.VariantRidge, analysis.VariantBudget} {
		dec, ok := mf.Decoded[v]
		if !ok {
			continue
		}
		mr.Variants = append(mr.Variants, v)
		mr.Test[v] = map[string][][]float64{}
		mr.Imagery[v] = map[string][]float64{}
		for roi, z := range dec.Test {
			mr.Test[v][roi] = denseRows(z)
		}
		for roi, z := range dec.Imagery {
			mr.Imagery[v][roi] = z
		}
		if z, ok := mr.Test[v]["all"]; ok {
			im, err := fm.render(sp, z)
			if err != nil {
				return nil, err
			}
			mr.Images[v] = im
		}
	}
	for _, cp := range mf.Curve {
		mr.Curve = append(mr.Curve, analysis.CurveInfo{Fraction: cp.Fraction, NFaces: cp.NFaces, Err: cp.Err})
		mr.CurveTest = append(mr.CurveTest, denseRows(cp.Test))
	}
	return mr, nil
}

// exportSubject makes the exporter's subject file from the fit of one
// latent space: the VAE-GAN's decoders.npz, or the PCA baseline's
// decoders-pca.npz (Space handoff.SpacePCA; its latents are the PCA's
// coefficients, its model written beside the subjects by fmriFit).
func exportSubject(d *analysis.Data, st *analysis.Stimuli, mf *analysis.ModelFit, mr *analysis.ModelResult, res *analysis.SubjectResult,
	sp *faceSpace, model string, noise float64, fitCfg []byte, args []string) (*handoff.Subject, error) {
	if len(mf.ROIErrors) > 0 {
		// The exporter needs a decoder per ROI; say why there is none.
		fmt.Fprintf(os.Stderr, "%s: WARNING: no %s hand-off written: ROIs without a decoder: %v\n", res.Subject, sp.name, mf.ROIErrors)
		return nil, nil
	}
	if mf.ImageryPattern == nil || len(mr.TrueImagery) == 0 {
		// Runs without an imagery block (--max-runs of the first sessions).
		fmt.Fprintf(os.Stderr, "%s: WARNING: no %s hand-off written: the runs fitted have no imagery block, which the exporter needs\n", res.Subject, sp.name)
		return nil, nil
	}
	V := len(mf.Selected)
	space := ""
	if sp.name == "pca" {
		space = handoff.SpacePCA
	}
	s := &handoff.Subject{ID: res.Subject, Simulated: res.Simulated, Latent: sp.dim, Space: space,
		Provenance: handoff.Provenance{Command: append([]string{"trainer", "fmri", "fit"}, args...), CodeVersion: version.String(),
			NoiseLevel: noise, Model: model, FitConfig: fitCfg,
			TrainingData: fmt.Sprintf("%s sub-%s, %d runs", map[bool]string{true: "fmrisim virtual subject", false: "BIDS dataset"}[res.Simulated], d.Subject, len(d.Runs))},
		GridShape: d.Grid, VoxelROI: make([]uint8, V), ImageryTarget: res.ImageryTarget}
	for _, col := range mf.Selected {
		i, j, k := d.IJK(d.Voxels[col])
		s.VoxelIJK = append(s.VoxelIJK, int16(i), int16(j), int16(k))
	}
	for label, roi := range map[uint8][]int{handoff.LabelOccipital: mf.ROIs.Occipital, handoff.LabelTemporal: mf.ROIs.Temporal, handoff.LabelFrontoparietal: mf.ROIs.Frontoparietal} {
		for _, p := range roi {
			s.VoxelROI[p] = label
		}
	}
	for _, name := range handoff.ROINames() {
		idx, _ := mf.ROIs.Get(name)
		r := handoff.ROI{Name: name, Decoder: handoff.DecoderMatrix(mf.Decoders[name])}
		for _, p := range idx {
			r.Voxels = append(r.Voxels, int32(p))
		}
		s.ROIs = append(s.ROIs, r)
	}
	// The decoders give mean-centred latents (the GLM's modulators are
	// centred); Means is the one vector uncentre adds back for every ROI.
	s.LatentMean = toF32(mf.Means)
	s.TestPatterns = toF32(mf.TestPatterns.RawMatrix().Data)
	if mf.Subsets != nil {
		s.TestSubsets = toF32(mf.Subsets.RawMatrix().Data)
		for _, t := range mf.SubsetTrials {
			s.TestSubsetTrials = append(s.TestSubsetTrials, int32(t))
		}
	}
	for i, z := range mr.TrueTest {
		s.TestLatents = append(s.TestLatents, toF32(z)...)
		s.TestMale = append(s.TestMale, b2u8(res.TestMale[i]))
	}
	if mf.ImageryPattern != nil && len(mr.TrueImagery) > 0 {
		s.ImageryPattern = toF32(mf.ImageryPattern)
		for _, z := range mr.TrueImagery {
			s.ImageryLatents = append(s.ImageryLatents, toF32(z)...)
		}
	}
	return s, nil
}

func toF32(x []float64) []float32 {
	out := make([]float32, len(x))
	for i, v := range x {
		out[i] = float32(v)
	}
	return out
}

func b2u8(b bool) uint8 {
	if b {
		return 1
	}
	return 0
}
