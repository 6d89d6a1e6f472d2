package vaegan

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"time"

	"fmriface/infer/arch"
	"fmriface/util/ckpt"
	"fmriface/util/progress"
)

// Config is everything that defines a training run; it is stored in every checkpoint.
type Config struct {
	Arch            arch.Config `json:"arch"`
	Batch           int         `json:"batch"`
	Epochs          float64     `json:"epochs"`
	LR              float64     `json:"lr"`
	LRD             float64     `json:"lr_d,omitempty"` // discriminator learning rate (0 = LR)
	Beta1           float64     `json:"beta1"`
	Loss            LossWeights `json:"loss"`
	Seed            uint64      `json:"seed"`
	Flip            bool        `json:"flip"` // random horizontal flips
	TrainImages     int         `json:"train_images"`
	CheckpointEvery Duration    `json:"checkpoint_every"`
	SampleEvery     int         `json:"sample_every"` // steps between sample grids
	Faces           string      `json:"faces"`        // dataset folder
	SplitFile       string      `json:"split_file"`
	CodeVersion     string      `json:"code_version"`
	BLAS            string      `json:"blas"`
}

// Duration is a time.Duration that reads and writes as "5m0s" in JSON.
type Duration struct{ time.Duration }

func (d Duration) MarshalJSON() ([]byte, error) { return json.Marshal(d.String()) }
func (d *Duration) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return err
	}
	v, err := time.ParseDuration(s)
	d.Duration = v
	return err
}

// Point is one entry of the loss history (means over HistoryEvery steps).
type Point struct {
	Step int     `json:"step"`
	KL   float64 `json:"kl"`
	Feat float64 `json:"feat"`
	Pix  float64 `json:"pix"`
	GANG float64 `json:"gan_g"`
	D    float64 `json:"d"`
	// DOn is the fraction of steps in which the discriminator updated.
	DOn  float64 `json:"d_on,omitempty"`
	ImgS float64 `json:"img_per_s"`
}

// State is the JSON record of a checkpoint.
type State struct {
	Format   string   `json:"format"` // "fmriface-vaegan-checkpoint/1"
	Config   Config   `json:"config"`
	Step     int      `json:"step"`
	Total    int      `json:"total_steps"`
	AdamEG   int      `json:"adam_eg_t"`
	AdamD    int      `json:"adam_d_t"`
	Seconds  float64  `json:"train_seconds"`
	History  []Point  `json:"history"`
	Saved    string   `json:"saved"`
	Finished bool     `json:"finished"`
	Code     []string `json:"code_versions"` // every code version that ran this training
}

// StateFormat names the checkpoint layout.
const StateFormat = "fmriface-vaegan-checkpoint/1"

// HistoryEvery is the number of steps averaged into one loss-history point.
const HistoryEvery = 20

// Hooks lets the command draw sample grids and loss curves without this package
// knowing about image files.
type Hooks struct {
	Sample func(step int, in *Infer) error // every SampleEvery steps and at the end
	Saved  func(st *State) error           // after each checkpoint
}

// Trainer runs one training, from scratch or resumed.
type Trainer struct {
	Cfg   Config
	W     *Weights
	State State
	data  []float32 // TrainImages × 3·S·S
	step  *Stepper
	dir   string
}

// CheckpointPath is the full training state; ModelPath the shipped weights (E and G, float16).
func CheckpointPath(dir string) string { return filepath.Join(dir, "checkpoint.npz") }
func ModelPath(dir string) string      { return filepath.Join(dir, "model.npz") }

// New starts a fresh training in dir.
func New(cfg Config, data []float32, dir string) (*Trainer, error) {
	per := 3 * cfg.Arch.ImageSize * cfg.Arch.ImageSize
	if cfg.TrainImages*per != len(data) || cfg.TrainImages < cfg.Batch {
		return nil, fmt.Errorf("training data: %d values for %d images of %d, batch %d", len(data), cfg.TrainImages, per, cfg.Batch)
	}
	w, err := NewWeights(cfg.Arch, cfg.Seed)
	if err != nil {
		return nil, err
	}
	t := &Trainer{Cfg: cfg, W: w, data: data, dir: dir}
	t.State = State{Format: StateFormat, Config: cfg, Total: t.totalSteps()}
	if t.step, err = NewStepper(w, cfg.Batch, cfg.Loss, cfg.LR, cfg.Beta1); err != nil {
		return nil, err
	}
	if cfg.LRD > 0 {
		t.step.OptD.LR = cfg.LRD
	}
	return t, nil
}

// Resume continues the training saved in dir. The data must be the same images.
func Resume(dir string, data []float32, codeVersion, blasName string) (*Trainer, error) {
	path := CheckpointPath(dir)
	f, err := ckpt.Load(path)
	if err != nil {
		return nil, err
	}
	var st State
	if err := f.DecodeMeta(&st); err != nil {
		return nil, fmt.Errorf("%s: bad record: %w", path, err)
	}
	if st.Format != StateFormat {
		return nil, fmt.Errorf("%s: format %q, want %q", path, st.Format, StateFormat)
	}
	cfg := st.Config
	per := 3 * cfg.Arch.ImageSize * cfg.Arch.ImageSize
	if cfg.TrainImages*per != len(data) {
		return nil, fmt.Errorf("%s: checkpoint trained on %d images, data has %d", path, cfg.TrainImages, len(data)/per)
	}
	w, err := FromTensors(cfg.Arch, f.Tensors)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	cfg.CodeVersion, cfg.BLAS = codeVersion, blasName
	t := &Trainer{Cfg: cfg, W: w, data: data, dir: dir, State: st}
	t.State.Config.CodeVersion, t.State.Config.BLAS = codeVersion, blasName
	if t.step, err = NewStepper(w, cfg.Batch, cfg.Loss, cfg.LR, cfg.Beta1); err != nil {
		return nil, err
	}
	if cfg.LRD > 0 {
		t.step.OptD.LR = cfg.LRD
	}
	t.step.OptEG.T, t.step.OptD.T = st.AdamEG, st.AdamD
	for _, opt := range []struct {
		a      *Adam
		prefix string
	}{{t.step.OptEG, "adam.eg."}, {t.step.OptD, "adam.d."}} {
		for name, ten := range f.Tensors {
			switch {
			case strings.HasPrefix(name, opt.prefix+"m."):
				opt.a.M[strings.TrimPrefix(name, opt.prefix+"m.")] = ten.Data
			case strings.HasPrefix(name, opt.prefix+"v."):
				opt.a.V[strings.TrimPrefix(name, opt.prefix+"v.")] = ten.Data
			}
		}
	}
	return t, nil
}

func (t *Trainer) stepsPerEpoch() int { return t.Cfg.TrainImages / t.Cfg.Batch }
func (t *Trainer) totalSteps() int    { return int(t.Cfg.Epochs * float64(t.stepsPerEpoch())) }

// SetEpochs changes the length of a resumed run (longer or shorter); the data
// order of every step stays what it would have been.
func (t *Trainer) SetEpochs(e float64) {
	t.Cfg.Epochs, t.State.Config.Epochs = e, e
	t.State.Total = t.totalSteps()
	t.State.Finished = t.State.Step >= t.State.Total
}

// Close frees the graphs.
func (t *Trainer) Close() { t.step.Close() }

// batch fills x, eps and zp for a step. Everything random comes from (seed, step)
// or (seed, epoch), so the sequence does not depend on where a run was resumed.
func (t *Trainer) batch(step int, x, eps, zp []float32) {
	c := t.Cfg
	spe := t.stepsPerEpoch()
	epoch, pos := step/spe, step%spe
	perm := rand.New(rand.NewPCG(c.Seed, uint64(epoch)<<1|1)).Perm(c.TrainImages)
	r := rand.New(rand.NewPCG(c.Seed, uint64(step)<<1))
	s := c.Arch.ImageSize
	per := 3 * s * s
	for i := 0; i < c.Batch; i++ {
		src := t.data[perm[pos*c.Batch+i]*per:][:per]
		dst := x[i*per:][:per]
		if c.Flip && r.IntN(2) == 1 {
			for row := 0; row < 3*s; row++ {
				for col := 0; col < s; col++ {
					dst[row*s+col] = src[row*s+s-1-col]
				}
			}
		} else {
			copy(dst, src)
		}
	}
	for i := range eps {
		eps[i] = float32(r.NormFloat64())
	}
	for i := range zp {
		zp[i] = float32(r.NormFloat64())
	}
}

// Run trains until the configured number of steps or until ctx is cancelled,
// checkpointing every CheckpointEvery and on the way out.
func (t *Trainer) Run(ctx context.Context, log io.Writer, hooks Hooks) error {
	c := t.Cfg
	s := c.Arch.ImageSize
	x := make([]float32, c.Batch*3*s*s)
	eps := make([]float32, c.Batch*c.Arch.Latent)
	zp := make([]float32, c.Batch*c.Arch.Latent)
	total := t.State.Total
	bar := progress.New(log, "train", total*c.Batch)
	bar.SetUnit("img")
	bar.Resume(t.State.Step * c.Batch)
	if code := c.CodeVersion; len(t.State.Code) == 0 || t.State.Code[len(t.State.Code)-1] != code {
		t.State.Code = append(t.State.Code, code)
	}
	var acc Point
	accN := 0
	lastSave := time.Now()
	start := time.Now()
	secAtStart := t.State.Seconds
	var infer *Infer
	sample := func() error {
		if hooks.Sample == nil {
			return nil
		}
		if infer == nil {
			var err error
			if infer, err = NewInfer(t.W, 64); err != nil {
				return err
			}
		}
		return hooks.Sample(t.State.Step, infer)
	}
	defer func() {
		if infer != nil {
			infer.Close()
		}
	}()
	for t.State.Step < total {
		if err := ctx.Err(); err != nil {
			bar.Done()
			fmt.Fprintf(log, "interrupted at step %d: saving checkpoint\n", t.State.Step)
			t.State.Seconds = secAtStart + time.Since(start).Seconds()
			if err := t.Save(hooks); err != nil {
				return err
			}
			return err
		}
		t.batch(t.State.Step, x, eps, zp)
		l, err := t.step.Step(x, eps, zp)
		if err != nil {
			return fmt.Errorf("step %d: %w", t.State.Step, err)
		}
		t.State.Step++
		bar.Add(c.Batch)
		acc.KL += l.KL
		acc.Feat += l.Feat
		acc.Pix += l.Pix
		acc.GANG += l.GANG
		acc.D += l.D
		if l.DUpdated {
			acc.DOn++
		}
		accN++
		if accN == HistoryEvery {
			k := float64(accN)
			el := time.Since(start).Seconds()
			p := Point{Step: t.State.Step, KL: acc.KL / k, Feat: acc.Feat / k, Pix: acc.Pix / k, GANG: acc.GANG / k, D: acc.D / k, DOn: acc.DOn / k}
			if el > 0 {
				p.ImgS = float64((t.State.Step-int(0))*c.Batch) / (secAtStart + el) // overall rate
			}
			t.State.History = append(t.State.History, p)
			bar.SetInfo(fmt.Sprintf("kl=%.1f feat=%.0f pix=%.1f ganG=%.2f D=%.2f dOn=%.0f%%", p.KL, p.Feat, p.Pix, p.GANG, p.D, 100*p.DOn))
			acc, accN = Point{}, 0
		}
		if c.SampleEvery > 0 && t.State.Step%c.SampleEvery == 0 {
			if err := sample(); err != nil {
				return fmt.Errorf("samples at step %d: %w", t.State.Step, err)
			}
		}
		if time.Since(lastSave) >= c.CheckpointEvery.Duration {
			t.State.Seconds = secAtStart + time.Since(start).Seconds()
			if err := t.Save(hooks); err != nil {
				return err
			}
			lastSave = time.Now()
		}
	}
	bar.Done()
	t.State.Finished = true
	t.State.Seconds = secAtStart + time.Since(start).Seconds()
	if err := sample(); err != nil {
		return err
	}
	return t.Save(hooks)
}

// Save writes checkpoint.npz (everything, float32) and model.npz (E and G, float16).
func (t *Trainer) Save(hooks Hooks) error {
	if err := os.MkdirAll(t.dir, 0o755); err != nil {
		return fmt.Errorf("checkpoint folder: %w", err)
	}
	t.State.AdamEG, t.State.AdamD = t.step.OptEG.T, t.step.OptD.T
	t.State.Saved = time.Now().UTC().Format(time.RFC3339)
	ts := t.W.Tensors()
	for _, opt := range []struct {
		a      *Adam
		prefix string
	}{{t.step.OptEG, "adam.eg."}, {t.step.OptD, "adam.d."}} {
		for _, p := range t.W.Params {
			if m, ok := opt.a.M[p.Name]; ok {
				ts = append(ts, ckpt.Tensor{Name: opt.prefix + "m." + p.Name, Shape: p.Shape, Data: m},
					ckpt.Tensor{Name: opt.prefix + "v." + p.Name, Shape: p.Shape, Data: opt.a.V[p.Name]})
			}
		}
	}
	if err := ckpt.Save(CheckpointPath(t.dir), t.State, ts, ckpt.Float32); err != nil {
		return err
	}
	if err := SaveModel(ModelPath(t.dir), t.W, t.State); err != nil {
		return err
	}
	if hooks.Saved != nil {
		return hooks.Saved(&t.State)
	}
	return nil
}

// ModelMeta is the JSON record of a shipped model file.
type ModelMeta struct {
	Format string      `json:"format"` // "fmriface-vaegan-model/1"
	State  State       `json:"training"`
	Whiten *WhitenMeta `json:"whiten,omitempty"` // set when the latent is whitened
}

// ModelFormat names the shipped model layout.
const ModelFormat = "fmriface-vaegan-model/1"

// SaveModel writes the encoder and generator in float16 with the training
// record (and the latent map, if w has one).
func SaveModel(path string, w *Weights, st State) error {
	return SaveModelMeta(path, w, ModelMeta{Format: ModelFormat, State: st})
}

// SaveModelMeta is SaveModel with the whole record given.
func SaveModelMeta(path string, w *Weights, mm ModelMeta) error {
	mm.Format = ModelFormat
	mm.State.History = nil // the curves live in the checkpoint and the PNG; keep the model small
	if (w.Latent != nil) != (mm.Whiten != nil) {
		return fmt.Errorf("save %s: latent map and its record must come together", path)
	}
	ts := append(w.Tensors("enc", "gen"), w.Latent.tensors()...)
	return ckpt.Save(path, mm, ts, ckpt.Float16)
}

// LoadModel reads a model.npz (or a checkpoint.npz) and returns its encoder and generator.
func LoadModel(path string) (*Weights, *State, error) {
	w, mm, err := LoadModelMeta(path)
	if err != nil {
		return nil, nil, err
	}
	return w, &mm.State, nil
}

// LoadModelMeta is LoadModel with the whole record (a checkpoint's record has
// only the training state).
func LoadModelMeta(path string) (*Weights, *ModelMeta, error) {
	f, err := ckpt.Load(path)
	if err != nil {
		return nil, nil, err
	}
	var mm ModelMeta
	if err := f.DecodeMeta(&mm); err != nil || mm.Format != ModelFormat {
		mm = ModelMeta{}
		if err := f.DecodeMeta(&mm.State); err != nil || mm.State.Format != StateFormat {
			return nil, nil, fmt.Errorf("%s: neither a model nor a checkpoint", path)
		}
	}
	w, err := FromTensors(mm.State.Config.Arch, f.Tensors, "enc", "gen")
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", path, err)
	}
	if w.Latent, err = latentMapFrom(f.Tensors, w.Cfg.Latent); err != nil {
		return nil, nil, fmt.Errorf("%s: %w", path, err)
	}
	if (w.Latent != nil) != (mm.Whiten != nil) {
		return nil, nil, fmt.Errorf("%s: latent map tensors and the record's \"whiten\" entry disagree", path)
	}
	return w, &mm, nil
}
