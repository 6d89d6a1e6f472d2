package sim

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"

	"fmriface/util/progress"
)

// Brain models (Config.Brain).
const (
	BrainV1 = "v1" // Gabor energy with colour opponency + CelebA attributes (the default)
	BrainV2 = "v2" // a visual hierarchy: normalised Gabor energy, mid and high face-network features
)

// RegionV2 is one region's parameters in the brain v2: how its voxels mix
// the three feature levels and how strongly they are modulated.
type RegionV2 struct {
	// Low, Mid, High are the shares of the low level (contrast-normalised
	// Gabor energy in the voxel's receptive field), the mid level (the face
	// network's block-3 map) and the high level (its embedding) in the
	// voxel's drive. Only their ratios matter: the mixed drive is
	// re-standardised per voxel.
	Low, Mid, High float64
	// Gain multiplies the region's v1 response modulation (the change of the
	// response per standard deviation of the drive): the signal strength.
	Gain float64
}

// BrainV2Config holds the parameters of the brain v2 (Config.V2). None of
// them, nor anything the model computes, depends on a latent space the
// analysis compares (VAE-GAN or PCA): the features come from the stimulus
// pixels and from the face-feature network (face/features), which was
// trained on CelebA attributes and identities.
type BrainV2Config struct {
	// Regions are the per-region parameters, index = ROI label (index 0,
	// outside the cortex, is unused).
	Regions [4]RegionV2
	// ColorWeight scales the weights of the colour-opponent Gabor channels
	// relative to the luminance ones (v1: 1): early responses are weakly
	// colour-sensitive.
	ColorWeight float64
	// NormSigma is the semi-saturation constant of the divisive
	// normalisation of the Gabor energies (Carandini & Heeger 2012), as a
	// fraction of the mean pooled energy over the stimuli: each energy is
	// divided by (the local pooled energy + σ). Small: strong normalisation.
	NormSigma float64
	// Dims is the number of random feature-space directions each of the
	// mid and high levels is projected on; a voxel's tuning is a smooth
	// random combination of them.
	Dims int
	// FeatureModel is the face-feature network (models/features/model.npz).
	FeatureModel string
	// ColourBlindHigh removes from the high level what the image's colour
	// statistics (mean R, G, B over the image and over a 3 × 3 grid of it)
	// explain linearly, over the stimulus set: high-level face cortex is
	// largely invariant to overall luminance and colour, while a network
	// trained on CelebA attributes (hair colour, pale skin) is not. On by
	// default since the calibration over seeds (reports/fmri/seeds measures
	// what it changes).
	ColourBlindHigh bool
}

// DefaultBrainV2 returns the brain v2's default parameters: the region
// mixes and gains of the calibration's best step on the mean of simulation
// seeds 2, 4, 5 and 6, with the colour-blind high level
// (scripts/calibrate_v2.py --simargs=--v2-colour-blind,
// docs/virtual-subjects.md), and the noise levels of DefaultNoiseV2.
func DefaultBrainV2() *BrainV2Config {
	return &BrainV2Config{
		Regions: [4]RegionV2{
			ROIOccipital:      {Low: 1, Mid: 0.615005, High: 0, Gain: 3.03789},
			ROITemporal:       {Low: 0.1, Mid: 0.770286, High: 1, Gain: 1.5303},
			ROIFrontoparietal: {Low: 0, Mid: 0.150351, High: 1, Gain: 2.73828},
		},
		ColourBlindHigh: true,
		ColorWeight:     0.3,
		NormSigma:       0.1,
		Dims:            64,
		FeatureModel:    "models/features/model.npz",
	}
}

// Validate checks the parameters.
func (b *BrainV2Config) Validate() error {
	for r := 1; r < len(b.Regions); r++ {
		p := b.Regions[r]
		for _, x := range []float64{p.Low, p.Mid, p.High, p.Gain} {
			if !(x >= 0 && x <= 100) {
				return fmt.Errorf("sim: brain v2, %s: level mix and gain must be 0 to 100, have %+v", ROINames[r], p)
			}
		}
		if p.Low+p.Mid+p.High == 0 {
			return fmt.Errorf("sim: brain v2, %s: every level share is 0", ROINames[r])
		}
	}
	if !(b.ColorWeight >= 0 && b.ColorWeight <= 10) || !(b.NormSigma > 0 && b.NormSigma <= 100) {
		return fmt.Errorf("sim: brain v2: colour weight %v (want 0 to 10) or normalisation σ %v (want (0,100])", b.ColorWeight, b.NormSigma)
	}
	if b.Dims < 1 || b.Dims > 4096 {
		return fmt.Errorf("sim: brain v2: %d feature directions, want 1 to 4096", b.Dims)
	}
	if b.FeatureModel == "" {
		return fmt.Errorf("sim: brain v2: no feature model")
	}
	return nil
}

// normalizeEnergy applies divisive normalisation to the Gabor energies of
// raw (unstandardised) feature vectors, rows × NumFeatures: each energy is
// divided by the mean energy over all Gabor channels in its cell and the 8
// neighbouring cells plus σ = sigmaRel × that pool's mean over cells and
// rows. The local-mean (linear) channels are set to 0: the low level is
// blind to local and global luminance and colour means.
func normalizeEnergy(feat []float32, rows int, sigmaRel float64) {
	const C = FeatureCells
	cc := C * C
	pools := make([]float64, rows*cc)
	var nEnergy int
	for _, spec := range channelSpec {
		if spec.level >= 0 {
			nEnergy++
		}
	}
	var total float64
	for r := 0; r < rows; r++ {
		f := feat[r*NumFeatures : (r+1)*NumFeatures]
		local := make([]float64, cc)
		for k, spec := range channelSpec {
			if spec.level < 0 {
				continue
			}
			for i, x := range f[k*cc : (k+1)*cc] {
				local[i] += float64(x)
			}
		}
		p := pools[r*cc : (r+1)*cc]
		for y := 0; y < C; y++ {
			for x := 0; x < C; x++ {
				var s float64
				var n int
				for dy := -1; dy <= 1; dy++ {
					for dx := -1; dx <= 1; dx++ {
						if yy, xx := y+dy, x+dx; yy >= 0 && yy < C && xx >= 0 && xx < C {
							s += local[yy*C+xx]
							n++
						}
					}
				}
				p[y*C+x] = s / float64(n*nEnergy)
				total += p[y*C+x]
			}
		}
	}
	sigma := sigmaRel * total / float64(max(1, rows*cc))
	for r := 0; r < rows; r++ {
		f := feat[r*NumFeatures : (r+1)*NumFeatures]
		p := pools[r*cc : (r+1)*cc]
		for k, spec := range channelSpec {
			ch := f[k*cc : (k+1)*cc]
			for i := range ch {
				if spec.level < 0 {
					ch[i] = 0
				} else {
					ch[i] = float32(float64(ch[i]) / (p[i] + sigma))
				}
			}
		}
	}
}

// randomProjection projects the rows × d matrix x on k random Gaussian
// directions drawn from rng (scaled by 1/√d): rows × k, then standardises
// the columns.
func randomProjection(x []float32, rows, d, k int, rng *rand.Rand) []float32 {
	u := make([]float32, d*k)
	s := 1 / math.Sqrt(float64(d))
	for i := range u {
		u[i] = float32(rng.NormFloat64() * s)
	}
	out := make([]float32, rows*k)
	for r := 0; r < rows; r++ {
		xr := x[r*d : (r+1)*d]
		o := out[r*k : (r+1)*k]
		for j, xv := range xr {
			if xv == 0 {
				continue
			}
			uj := u[j*k : (j+1)*k]
			for c := range o {
				o[c] += xv * uj[c]
			}
		}
	}
	standardizeColumns(out, rows, k)
	return out
}

// levelWeights draws a subject's voxel weights (V × k) on one level's k
// feature directions, from smooth fields like the v1 channel preferences:
// neighbouring voxels are alike, yet the population spans many tunings.
func levelWeights(seed int64, sub string, a *Anatomy, level string, k int) []float32 {
	V := len(a.Cortex)
	w := make([]float32, V*k)
	for j := 0; j < k; j++ {
		name := fmt.Sprintf("v2-%s-%d", level, j)
		f := smoothField(newRNG(seed, "sub-"+sub, "field", name), a.Grid, fieldSigma, a.Brain)
		rng := newRNG(seed, "sub-"+sub, "voxel-specific", name)
		for v, n := range a.Cortex {
			w[v*k+j] = float32(smoothShare*f[n] + math.Sqrt(1-smoothShare*smoothShare)*rng.NormFloat64())
		}
	}
	return w
}

// addLevel adds to each voxel's drive (out, rows × V) mix[v] × its
// standardised response to one level: z (rows × k, standardised columns)
// times its weights w (V × k).
func addLevel(out, z []float32, rows, k int, w []float32, mix []float64) {
	V := len(mix)
	mean, cov := attrMoments(z, rows, k)
	for v := 0; v < V; v++ {
		if mix[v] == 0 {
			continue
		}
		u := w[v*k : (v+1)*k]
		var mu, va float64
		for i := range u {
			mu += float64(u[i]) * mean[i]
			for j := range u {
				va += float64(u[i]) * float64(u[j]) * cov[i*k+j]
			}
		}
		if va <= 1e-12 {
			continue
		}
		scale := mix[v] / math.Sqrt(va)
		for r := 0; r < rows; r++ {
			var s float64
			for i, x := range z[r*k : (r+1)*k] {
				s += float64(u[i]) * float64(x)
			}
			out[r*V+v] += float32(scale * (s - mu))
		}
	}
}

// addV2Levels computes the brain v2's feature levels of the faces ids (the
// rows of sf.feat): the normalised Gabor energies and the face network's
// mid level and embedding, each projected on cfg.V2.Dims random directions
// shared by every subject.
func (sf *stimulusFeatures) addV2Levels(ctx context.Context, cfg Config, pool *Pool, ids []int, opt Options) error {
	var bar *progress.Bar
	var tick func()
	if opt.Progress != nil {
		bar = progress.New(opt.Progress, "low level", len(ids))
		tick = func() { bar.Add(1) }
	}
	low, err := imageFeatures(ctx, pool.Size, pool.Image, ids, tick)
	if bar != nil {
		bar.Done()
	}
	if err != nil {
		return err
	}
	normalizeEnergy(low, len(ids), cfg.V2.NormSigma)
	standardizeColumns(low, len(ids), NumFeatures)
	sf.low = low
	net, dMid, dHigh, err := netLevels(ctx, cfg.V2.FeatureModel, opt.FeatureCache, pool, ids, opt.Progress)
	if err != nil {
		return err
	}
	rows, d := len(ids), dMid+dHigh
	mid := make([]float32, rows*dMid)
	high := make([]float32, rows*dHigh)
	for r := 0; r < rows; r++ {
		copy(mid[r*dMid:(r+1)*dMid], net[r*d:r*d+dMid])
		copy(high[r*dHigh:(r+1)*dHigh], net[r*d+dMid:(r+1)*d])
	}
	// How much of each network level the image's colour statistics
	// explain, and for the high level, when asked, its removal.
	stats := colourStats(pool, ids)
	for _, lv := range []struct {
		name   string
		m      []float32
		d      int
		remove bool
	}{{"mid", mid, dMid, false}, {"high", high, dHigh, cfg.V2.ColourBlindHigh}} {
		m := lv.m
		if !lv.remove {
			m = slices.Clone(m) // measured only
		}
		r2, err := removeColour(m, rows, lv.d, stats)
		if err != nil {
			return err
		}
		noteColour(opt.Progress, lv.name, r2, lv.remove)
	}
	standardizeColumns(mid, rows, dMid)
	standardizeColumns(high, rows, dHigh)
	k := cfg.V2.Dims
	sf.mid = randomProjection(mid, rows, dMid, k, newRNG(cfg.Seed, "v2-projection", "mid"))
	sf.high = randomProjection(high, rows, dHigh, k, newRNG(cfg.Seed, "v2-projection", "high"))
	return nil
}

// responsesV2 is the brain v2's drive of the subject's voxels for its
// stimuli ids (rows × V, each column standardised): the region's mix of the
// low level (the v1 receptive fields and channel preferences over the
// normalised energies, colour channels weakened), and of the mid and high
// levels (smooth random combinations of their feature directions). It also
// records the mix in the tuning and scales the modulation by the region's
// gain.
func (s *subject) responsesV2(ctx context.Context, cfg Config, sf *stimulusFeatures, ids []int) ([]float32, error) {
	p := cfg.V2
	t := s.tun
	V := len(t.ROI)
	for k, spec := range channelSpec {
		if spec.color == 0 && spec.level >= 0 {
			continue
		}
		scale := float32(p.ColorWeight)
		if spec.level < 0 {
			scale = 0 // the local means are not in the low level
		}
		for v := 0; v < V; v++ {
			t.ChanW[v*NumChannels+k] *= scale
		}
	}
	rows := len(ids)
	gather := func(m []float32, d int) []float32 {
		out := make([]float32, rows*d)
		for r, id := range ids {
			i := sf.featRow[id]
			copy(out[r*d:(r+1)*d], m[i*d:(i+1)*d])
		}
		return out
	}
	out, err := visualDrive(ctx, gather(sf.low, NumFeatures), rows, t, nil)
	if err != nil {
		return nil, err
	}
	k := p.Dims
	mixMid, mixHigh := make([]float64, V), make([]float64, V)
	for v, roi := range t.ROI {
		reg := p.Regions[roi]
		lw := float32(reg.Low)
		for r := 0; r < rows; r++ {
			out[r*V+v] *= lw
		}
		mixMid[v], mixHigh[v] = reg.Mid, reg.High
		t.VisMix[v], t.AttrMix[v] = reg.Low, 0
		t.Modulation[v] *= reg.Gain
	}
	addLevel(out, gather(sf.mid, k), rows, k, levelWeights(cfg.Seed, s.label, s.anat, "mid", k), mixMid)
	addLevel(out, gather(sf.high, k), rows, k, levelWeights(cfg.Seed, s.label, s.anat, "high", k), mixHigh)
	standardizeColumns(out, rows, V)
	return out, nil
}
