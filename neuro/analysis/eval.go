package analysis

import (
	"fmt"
	"math"
	"sort"
	"strings"

	"fmriface/neuro/score"
)

// Metrics are the paper's measures for one subject, model, decoder variant
// and ROI, as fractions. Measures that cannot be computed (no imagery set,
// no decoder for the ROI) are nil, which JSON writes as null.
type Metrics struct {
	Pairwise        *float64 `json:"pairwise"`
	PairwiseP       *float64 `json:"pairwise_p"`
	OneOf20         *float64 `json:"one_of_20"`
	OneOf20P        *float64 `json:"one_of_20_p"`
	Gender          *float64 `json:"gender"`
	ImageryPairwise *float64 `json:"imagery_pairwise"`
	ImageryWins     *int     `json:"imagery_wins,omitempty"`
	PairwiseCorrect *int     `json:"pairwise_correct,omitempty"`
	NVoxels         int      `json:"n_voxels"`
	Error           string   `json:"error,omitempty"`
}

// CurveMetrics is one point of the training-size curve (all voxels, OLS).
type CurveMetrics struct {
	Fraction float64  `json:"fraction"`
	NFaces   int      `json:"n_faces"`
	Pairwise *float64 `json:"pairwise"`
	OneOf20  *float64 `json:"one_of_20"`
	Error    string   `json:"error,omitempty"`
}

// ModelExtras are the per-model results beyond the ROI table.
type ModelExtras struct {
	GenderCeiling *float64            `json:"gender_ceiling"`
	SSIM          map[string]*float64 `json:"ssim"` // variant → mean SSIM, decoded vs shown (all voxels)
	Ridge         map[string]Metrics  `json:"ridge,omitempty"`
	// Budget is the paper's decoder on the site's voxel budget
	// (VariantBudget), beside the full selection's in SubjectEval.Models.
	Budget      map[string]Metrics            `json:"budget,omitempty"`
	RidgeLambda float64                       `json:"ridge_lambda"`
	Curve       []CurveMetrics                `json:"curve"`
	NTrainFaces int                           `json:"n_train_faces"`
	Thresholds  map[string]float64            `json:"thresholds"`
	ROIErrors   map[string]string             `json:"roi_errors,omitempty"`
	Seconds     map[string]float64            `json:"fit_seconds,omitempty"`
	Extra       map[string]map[string]float64 `json:"-"`
}

// SubjectEval is one subject's evaluation: Models[model][roi] holds the
// paper's decoder's metrics; Extras the rest.
type SubjectEval struct {
	Subject    string                        `json:"subject"`
	Simulated  bool                          `json:"simulated"`
	SimSeed    int64                         `json:"sim_seed,omitempty"`
	Brain      string                        `json:"sim_brain,omitempty"`
	NoiseLevel float64                       `json:"noise_level,omitempty"`
	Models     map[string]map[string]Metrics `json:"models"`
	Extras     map[string]*ModelExtras       `json:"extras"`
	// RSA[roi][reference] is the Spearman correlation of the ROI's RDM with
	// a reference's: each latent space's true latents (by model name) and
	// each stimulus feature level (low, mid, high); absent without RDMs.
	RSA map[string]map[string]float64 `json:"rsa,omitempty"`
}

// EvalOptions tune Evaluate.
type EvalOptions struct {
	Draws int    // Monte-Carlo draws for the pairwise p (0: 10⁶, the paper's)
	Seed  uint64 // Monte-Carlo seed
}

func fp(v float64) *float64 { return &v }
func ip(v int) *int         { return &v }

// Evaluate scores a subject's decoded latents with the paper's measures.
func Evaluate(r *SubjectResult, opt EvalOptions) (*SubjectEval, error) {
	se := &SubjectEval{Subject: r.Subject, Simulated: r.Simulated, SimSeed: r.Seed, Brain: r.Brain, NoiseLevel: r.NoiseLevel,
		Models: map[string]map[string]Metrics{}, Extras: map[string]*ModelExtras{}}
	for mi := range r.Models {
		m := &r.Models[mi]
		ex := &ModelExtras{SSIM: map[string]*float64{}, RidgeLambda: m.Lambda, NTrainFaces: m.NTrain,
			Thresholds: map[string]float64{"t": m.TThreshold, "f": m.FThreshold}, ROIErrors: m.ROIErrors, Seconds: m.Seconds}
		if m.MaleAxis != nil {
			acc, err := score.AxisAccuracy(m.TrueTest, m.MaleAxis, r.TestMale)
			if err != nil {
				return nil, fmt.Errorf("%s %s: gender ceiling: %w", r.Subject, m.Name, err)
			}
			ex.GenderCeiling = fp(acc)
		}
		for _, v := range m.Variants {
			table := map[string]Metrics{}
			for _, roi := range roiNames {
				mt, err := roiMetrics(r, m, v, roi, opt)
				if err != nil {
					return nil, fmt.Errorf("%s %s %s %s: %w", r.Subject, m.Name, v, roi, err)
				}
				table[roi] = mt
			}
			switch v {
			case VariantOLS:
				se.Models[m.Name] = table
			case VariantRidge:
				ex.Ridge = table
			case VariantBudget:
				ex.Budget = table
			}
			if im, ok := m.Images[v]; ok && len(r.Shown) == len(im) {
				var sum float64
				for i := range im {
					s, err := SSIM(hwc(im[i], r.ImageSize), hwc(r.Shown[i], r.ImageSize), r.ImageSize, r.ImageSize, 3)
					if err != nil {
						return nil, fmt.Errorf("%s %s: SSIM: %w", r.Subject, m.Name, err)
					}
					sum += s
				}
				ex.SSIM[v] = fp(sum / float64(len(im)))
			}
		}
		for i, c := range m.Curve {
			cm := CurveMetrics{Fraction: c.Fraction, NFaces: c.NFaces, Error: c.Err}
			if z := m.CurveTest[i]; z != nil {
				pw, err := score.PairwiseAccuracy(z, m.TrueTest)
				if err != nil {
					return nil, err
				}
				rec, err := score.OneOfN(z, m.TrueTest)
				if err != nil {
					return nil, err
				}
				cm.Pairwise, cm.OneOf20 = fp(pw.Accuracy), fp(rec.Accuracy)
			}
			ex.Curve = append(ex.Curve, cm)
		}
		// The full training set closes the curve.
		if all, ok := se.Models[m.Name]["all"]; ok && len(m.Curve) > 0 {
			ex.Curve = append(ex.Curve, CurveMetrics{Fraction: 1, NFaces: m.NTrain, Pairwise: all.Pairwise, OneOf20: all.OneOf20, Error: all.Error})
		}
		se.Extras[m.Name] = ex
	}
	var err error
	if se.RSA, err = subjectRSA(r); err != nil {
		return nil, fmt.Errorf("%s: RSA: %w", r.Subject, err)
	}
	return se, nil
}

// subjectRSA compares each ROI's RDM with those of the true latents and of
// the stimulus feature levels.
func subjectRSA(r *SubjectResult) (map[string]map[string]float64, error) {
	if len(r.BrainRDM) == 0 {
		return nil, nil
	}
	refs := map[string][][]float64{}
	for _, m := range r.Models {
		rdm, err := RDM(m.TrueTest)
		if err != nil {
			return nil, fmt.Errorf("%s latents: %w", m.Name, err)
		}
		refs[m.Name] = rdm
	}
	for l, rdm := range r.LevelRDM {
		refs[l] = rdm
	}
	out := map[string]map[string]float64{}
	for roi, brain := range r.BrainRDM {
		out[roi] = map[string]float64{}
		for name, ref := range refs {
			rho, err := CompareRDMs(brain, ref)
			if err != nil {
				return nil, fmt.Errorf("%s against %s: %w", roi, name, err)
			}
			out[roi][name] = rho
		}
	}
	return out, nil
}

// hwc converts a CHW RGB image (the face model's layout) to HWC float64,
// the layout SSIM takes.
func hwc(x []float32, size int) []float64 {
	out := make([]float64, len(x))
	plane := size * size
	for c := 0; c < 3; c++ {
		for p := 0; p < plane; p++ {
			out[3*p+c] = float64(x[c*plane+p])
		}
	}
	return out
}

// roiMetrics computes one row of the table.
func roiMetrics(r *SubjectResult, m *ModelResult, variant, roi string, opt EvalOptions) (Metrics, error) {
	mt := Metrics{NVoxels: m.NVoxels[roi]}
	if variant == VariantBudget {
		mt.NVoxels = m.BudgetVoxels[roi]
	}
	z, ok := m.Test[variant][roi]
	if !ok {
		mt.Error = m.ROIErrors[roi]
		if mt.Error == "" {
			mt.Error = "no decoded latents"
		}
		return mt, nil
	}
	corr, err := score.CorrMatrix(z, m.TrueTest)
	if err != nil {
		return mt, err
	}
	pw, err := score.PairwiseFromCorr(corr)
	if err != nil {
		return mt, err
	}
	p, err := score.PairwisePValue(pw, opt.Draws, opt.Seed)
	if err != nil {
		return mt, err
	}
	rec, err := score.RecognitionFromCorr(corr)
	if err != nil {
		return mt, err
	}
	mt.Pairwise, mt.PairwiseP, mt.PairwiseCorrect = fp(pw.Accuracy), fp(p), ip(pw.Correct)
	mt.OneOf20, mt.OneOf20P = fp(rec.Accuracy), fp(rec.P)
	if m.MaleAxis != nil {
		g, err := score.AxisAccuracy(z, m.MaleAxis, r.TestMale)
		if err != nil {
			return mt, err
		}
		mt.Gender = fp(g)
	}
	if zi, ok := m.Imagery[variant][roi]; ok && len(m.TrueImagery) > 1 && r.ImageryTarget >= 0 {
		var distract [][]float64
		for i, c := range m.TrueImagery {
			if i != r.ImageryTarget {
				distract = append(distract, c)
			}
		}
		im, err := score.ImageryRank(zi, m.TrueImagery[r.ImageryTarget], distract)
		if err != nil {
			return mt, err
		}
		mt.ImageryPairwise, mt.ImageryWins = fp(im.Accuracy), ip(im.Wins)
	}
	return mt, nil
}

// Mean returns the mean of the non-nil values (nil when there are none).
func Mean(vals []*float64) *float64 {
	var s float64
	n := 0
	for _, v := range vals {
		if v != nil && !math.IsNaN(*v) {
			s += *v
			n++
		}
	}
	if n == 0 {
		return nil
	}
	return fp(s / float64(n))
}

// Evaluation is the JSON of `fmri eval`: per subject the table
// Models[model][roi] (pairwise, pairwise_p, one_of_20, gender,
// imagery_pairwise as fractions) and the extras; Group holds the means over
// subjects of the same table.
type Evaluation struct {
	Subjects    []*SubjectEval                `json:"subjects"`
	Group       map[string]map[string]Metrics `json:"group_mean"`
	GroupRSA    map[string]map[string]float64 `json:"group_mean_rsa,omitempty"`
	GroupRidge  map[string]map[string]Metrics `json:"group_mean_ridge,omitempty"`
	Command     []string                      `json:"command,omitempty"`
	CodeVersion string                        `json:"code_version,omitempty"`
	Draws       int                           `json:"draws"`
	Seed        uint64                        `json:"seed"`
	Seconds     float64                       `json:"seconds"`
}

// Summarize fills the group means.
func (e *Evaluation) Summarize() {
	e.GroupRSA = nil
	sums, counts := map[string]map[string]float64{}, map[string]map[string]int{}
	for _, s := range e.Subjects {
		for roi, refs := range s.RSA {
			if sums[roi] == nil {
				sums[roi], counts[roi] = map[string]float64{}, map[string]int{}
			}
			for ref, rho := range refs {
				sums[roi][ref] += rho
				counts[roi][ref]++
			}
		}
	}
	for roi, refs := range sums {
		if e.GroupRSA == nil {
			e.GroupRSA = map[string]map[string]float64{}
		}
		e.GroupRSA[roi] = map[string]float64{}
		for ref, sum := range refs {
			e.GroupRSA[roi][ref] = sum / float64(counts[roi][ref])
		}
	}
	e.Group = map[string]map[string]Metrics{}
	e.GroupRidge = map[string]map[string]Metrics{}
	models := map[string]bool{}
	for _, s := range e.Subjects {
		for m := range s.Models {
			models[m] = true
		}
	}
	for m := range models {
		for _, ridge := range []bool{false, true} {
			table := map[string]Metrics{}
			for _, roi := range roiNames {
				var pw, oo, g, im []*float64
				for _, s := range e.Subjects {
					var mt Metrics
					var ok bool
					if ridge {
						if ex := s.Extras[m]; ex != nil {
							mt, ok = ex.Ridge[roi]
						}
					} else {
						mt, ok = s.Models[m][roi]
					}
					if !ok {
						continue
					}
					pw, oo, g, im = append(pw, mt.Pairwise), append(oo, mt.OneOf20), append(g, mt.Gender), append(im, mt.ImageryPairwise)
				}
				if len(pw) > 0 {
					table[roi] = Metrics{Pairwise: Mean(pw), OneOf20: Mean(oo), Gender: Mean(g), ImageryPairwise: Mean(im)}
				}
			}
			if len(table) == 0 {
				continue
			}
			if ridge {
				e.GroupRidge[m] = table
			} else {
				e.Group[m] = table
			}
		}
	}
}

func pct(v *float64) string {
	if v == nil {
		return "  —  "
	}
	return fmt.Sprintf("%5.1f", 100**v)
}

// Table is a plain-text summary: one line per subject, model and ROI.
func (e *Evaluation) Table() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%-7s %-7s %-15s %8s %9s %9s %7s %8s %8s\n", "subject", "model", "roi", "pairwise", "1-of-20", "gender", "imagery", "ridge pw", "voxels")
	for _, s := range e.Subjects {
		for _, m := range sortedKeys(s.Models) {
			for _, roi := range roiNames {
				mt := s.Models[m][roi]
				var rp *float64
				if ex := s.Extras[m]; ex != nil {
					rp = ex.Ridge[roi].Pairwise
				}
				fmt.Fprintf(&b, "%-7s %-7s %-15s %8s %9s %9s %7s %8s %8d\n", s.Subject, m, roi, pct(mt.Pairwise), pct(mt.OneOf20), pct(mt.Gender), pct(mt.ImageryPairwise), pct(rp), mt.NVoxels)
			}
		}
	}
	return b.String()
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
