package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"sync"

	"fmriface/face/features"
	"fmriface/trainer/featnet"
	"fmriface/util/atomicfile"
	"fmriface/util/ckpt"
	"fmriface/util/version"
)

// featuresReport is eval.json.
type featuresReport struct {
	Model       string          `json:"model"`
	Config      features.Config `json:"config"`
	Parameters  int             `json:"parameters"`
	CodeVersion string          `json:"code_version"` // of this evaluation
	Training    json.RawMessage `json:"training"`     // the model's record: config, seed, steps, seconds, code versions
	Split       string          `json:"split"`
	TestImages  int             `json:"test_images"`
	TestPersons int             `json:"test_persons"`
	Levels      map[string]int  `json:"levels"` // feature level → values per image
	// Attributes on the test split (persons never seen in training), logit > 0 as the decision.
	Attributes map[string]featnet.Binary `json:"attributes"`
	MeanAttr   featnet.Binary            `json:"attributes_mean"`
	// Identity among the training persons with a class, on their held-out images.
	Identity *identityReport `json:"identity,omitempty"`
	// Verification on the test split: AUC of the cosine similarity (features centred on
	// their test mean) for same-person against different-person pairs of test faces.
	Verification map[string]float64 `json:"verification_auc"`
	// ForwardCheck compares the pure-Go forward pass (package face/features) with the
	// gorgonia graph in inference mode on the first test faces.
	ForwardCheck forwardCheck `json:"forward_check"`
}

type forwardCheck struct {
	Images  int                `json:"images"`
	MaxDiff map[string]float64 `json:"max_abs_diff"`
	MaxAbs  map[string]float64 `json:"max_abs_value"`
}

type identityReport struct {
	Classes int     `json:"classes"`
	Holdout int     `json:"holdout_images"`
	Top1    float64 `json:"top1"`
	Top5    float64 `json:"top5"`
	Chance  float64 `json:"chance"`
	MinImgs int     `json:"min_images_per_person"`
	Comment string  `json:"comment"`
}

// extracted holds the features of a list of images.
type extracted struct {
	mid, embed, attr, id []float32
}

func featuresEval(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("faces features eval", flag.ExitOnError)
	model := fs.String("model", "models/features/model.npz", "model file written by `faces features train`")
	faces := fs.String("faces", "../shared/faces/celeba", "CelebA-style dataset folder")
	splitPath := fs.String("split", "models/default/split.json", "the person split the model was trained on")
	cache := fs.String("cache", "out/cache", "folder for decoded-image caches (\"\" for none)")
	out := fs.String("out", "models/features", "folder for eval.json and eval.png")
	limit := fs.Int("limit", 0, "use only the first N faces (0 = all), for smoke runs; -split must be made for them")
	fs.Parse(args)

	net, mm, err := features.Load(*model)
	if err != nil {
		return err
	}
	var tr featnet.State
	if err := json.Unmarshal(mm.Training, &tr); err != nil {
		return fmt.Errorf("%s: training record: %w", *model, err)
	}
	cfg := mm.Config
	data, err := loadFaces(*faces, cfg.ImageSize, *cache, *limit, 1, *splitPath)
	if err != nil {
		return err
	}
	if len(data.ds.AttrNames) != cfg.Attrs {
		return fmt.Errorf("%s: %d attributes, the dataset has %d", *model, cfg.Attrs, len(data.ds.AttrNames))
	}
	plan := featnet.MakePlan(data.ds.Faces, data.split.Train, tr.Config.MinIDImages)
	if len(plan.Persons) != cfg.Identities {
		return fmt.Errorf("%s: %d identity classes, the split gives %d (another split?)", *model, cfg.Identities, len(plan.Persons))
	}
	test := data.split.Test
	fmt.Fprintf(os.Stderr, "features of %d test and %d held-out images\n", len(test), len(plan.Holdout))
	te, err := extract(ctx, *model, net, data, test)
	if err != nil {
		return err
	}
	rep := featuresReport{Model: *model, Config: cfg, Parameters: cfg.Count(), CodeVersion: version.String(),
		Training: mm.Training, Split: *splitPath, TestImages: len(test),
		Levels:     map[string]int{"mid": cfg.MidSize(), "high": cfg.Embed},
		Attributes: map[string]featnet.Binary{}, Verification: map[string]float64{}}
	trainAttr, _ := plan.Labels(data.ds.Faces, plan.Train)
	var sum featnet.Binary
	for a, name := range data.ds.AttrNames {
		logits := make([]float64, len(test))
		pos := make([]bool, len(test))
		for k, i := range test {
			logits[k] = float64(te.attr[k*cfg.Attrs+a])
			pos[k] = data.ds.Faces[i].Attr[a] > 0
		}
		var prev float64
		for k := a; k < len(trainAttr); k += cfg.Attrs {
			prev += float64(trainAttr[k])
		}
		b := featnet.ScoreBinary(logits, pos, prev/float64(len(plan.Train)))
		rep.Attributes[name] = b
		sum.Accuracy += b.Accuracy / float64(cfg.Attrs)
		sum.BalancedAccuracy += b.BalancedAccuracy / float64(cfg.Attrs)
		sum.AUC += b.AUC / float64(cfg.Attrs)
		sum.Prevalence += b.Prevalence / float64(cfg.Attrs)
		sum.Majority += b.Majority / float64(cfg.Attrs)
	}
	rep.MeanAttr = sum
	persons := make([]int, len(test))
	seen := map[int]bool{}
	for k, i := range test {
		persons[k] = data.ds.Faces[i].Person
		seen[persons[k]] = true
	}
	rep.TestPersons = len(seen)
	rep.Verification["high (embedding)"] = featnet.VerificationAUC(te.embed, cfg.Embed, persons)
	rep.Verification["mid"] = featnet.VerificationAUC(te.mid, cfg.MidSize(), persons)
	rep.Verification["pixels"] = featnet.VerificationAUC(data.gather(test), 3*cfg.ImageSize*cfg.ImageSize, persons)
	if cfg.Identities > 0 {
		he, err := extract(ctx, *model, net, data, plan.Holdout)
		if err != nil {
			return err
		}
		labels := make([]int, len(plan.Holdout))
		for k, i := range plan.Holdout {
			labels[k] = plan.Class[data.ds.Faces[i].Person]
		}
		ir := &identityReport{Classes: cfg.Identities, Holdout: len(plan.Holdout), MinImgs: tr.Config.MinIDImages,
			Top1: featnet.TopK(he.id, labels, cfg.Identities, 1), Top5: featnet.TopK(he.id, labels, cfg.Identities, 5),
			Chance:  1 / float64(cfg.Identities),
			Comment: "one image per training person with a class, never trained on; the test split's persons have no class (see verification_auc)"}
		rep.Identity = ir
	}
	f, err := ckpt.Load(*model)
	if err != nil {
		return err
	}
	w := map[string][]float32{}
	for _, p := range cfg.Params() {
		w[p.Name] = f.Tensors[p.Name].Data
	}
	nCheck := min(8, len(test))
	rep.ForwardCheck.Images = nCheck
	if rep.ForwardCheck.MaxDiff, rep.ForwardCheck.MaxAbs, err = featnet.CheckForward(cfg, w, data.gather(test[:nCheck]), nCheck); err != nil {
		return fmt.Errorf("forward check: %w", err)
	}
	if err := os.MkdirAll(*out, 0o755); err != nil {
		return err
	}
	js, err := json.MarshalIndent(rep, "", "  ")
	if err != nil {
		return err
	}
	if err := atomicfile.WriteFile(filepath.Join(*out, "eval.json"), append(js, '\n'), 0o644); err != nil {
		return err
	}
	male, _ := data.ds.AttrIndex("Male")
	isMale := make([]bool, len(test))
	for k, i := range test {
		isMale[k] = data.ds.Faces[i].Attr[male] > 0
	}
	if err := featnet.WriteEvalFigure(filepath.Join(*out, "eval.png"), data.ds.AttrNames, rep.Attributes, te.embed, cfg.Embed, isMale); err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "test attributes: mean accuracy %.3f (majority %.3f), balanced %.3f, AUC %.3f; verification AUC %.3f (pixels %.3f)\n",
		sum.Accuracy, sum.Majority, sum.BalancedAccuracy, sum.AUC, rep.Verification["high (embedding)"], rep.Verification["pixels"])
	fmt.Fprintf(os.Stderr, "forward pass, Go against gorgonia on %d test faces: max |difference| %v\n", nCheck, rep.ForwardCheck.MaxDiff)
	if rep.Identity != nil {
		fmt.Fprintf(os.Stderr, "identity (%d classes): top-1 %.3f, top-5 %.3f\n", rep.Identity.Classes, rep.Identity.Top1, rep.Identity.Top5)
	}
	return nil
}

// extract runs the pure-Go network on the given faces, on all cores (one Net each).
func extract(ctx context.Context, model string, first *features.Net, data *faceData, idx []int) (*extracted, error) {
	cfg := first.Config()
	n := len(idx)
	e := &extracted{mid: make([]float32, n*cfg.MidSize()), embed: make([]float32, n*cfg.Embed),
		attr: make([]float32, n*cfg.Attrs), id: make([]float32, n*cfg.Identities)}
	workers := max(1, min(4, runtime.NumCPU()))
	nets := []*features.Net{first}
	for len(nets) < workers {
		nt, _, err := features.Load(model)
		if err != nil {
			return nil, err
		}
		nets = append(nets, nt)
	}
	var wg sync.WaitGroup
	errs := make([]error, workers)
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for k := w; k < n; k += workers {
				if err := ctx.Err(); err != nil {
					errs[w] = err
					return
				}
				a, err := nets[w].Forward(data.ds.Image(idx[k]))
				if err != nil {
					errs[w] = err
					return
				}
				copy(e.mid[k*cfg.MidSize():], a.Mid)
				copy(e.embed[k*cfg.Embed:], a.Embedding)
				copy(e.attr[k*cfg.Attrs:], a.AttrLogits)
				copy(e.id[k*cfg.Identities:], a.IDLogits)
			}
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	for _, v := range e.embed {
		if math.IsNaN(float64(v)) {
			return nil, fmt.Errorf("%s: NaN in the embedding", model)
		}
	}
	return e, nil
}
