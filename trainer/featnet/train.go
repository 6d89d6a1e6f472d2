package featnet

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"time"

	"fmriface/face/features"
	"fmriface/trainer/vaegan"
	"fmriface/util/ckpt"
	"fmriface/util/progress"
	G "gorgonia.org/gorgonia"
)

// Config is everything that defines a training run; every checkpoint stores it.
type Config struct {
	Net    features.Config `json:"net"`
	Batch  int             `json:"batch"`
	Epochs float64         `json:"epochs"`
	LR     float64         `json:"lr"`     // peak Adam learning rate (cosine decay to 0)
	Warmup int             `json:"warmup"` // steps of linear warm-up
	Beta1  float64         `json:"beta1"`
	WD     float64         `json:"weight_decay"` // decoupled (AdamW) decay of conv and linear weights
	WID    float64         `json:"w_identity"`   // weight of the identity loss
	Seed   uint64          `json:"seed"`
	Flip   bool            `json:"flip"` // random horizontal flips
	// MinIDImages is the number of training-split images a person needs for an identity class.
	MinIDImages     int             `json:"min_id_images"`
	TrainImages     int             `json:"train_images"`
	HoldoutImages   int             `json:"holdout_images"`
	CheckpointEvery vaegan.Duration `json:"checkpoint_every"`
	Faces           string          `json:"faces"`
	SplitFile       string          `json:"split_file"`
	AttrNames       []string        `json:"attr_names"`
	Persons         []int           `json:"identity_persons,omitempty"`
	CodeVersion     string          `json:"code_version"`
	BLAS            string          `json:"blas"`
}

// Point is one entry of the training history (means over HistoryEvery steps).
type Point struct {
	Step     int     `json:"step"`
	AttrLoss float64 `json:"attr_loss"` // summed over the 40 attributes, per image
	AttrAcc  float64 `json:"attr_acc"`  // training batches, mean over attributes
	IDLoss   float64 `json:"id_loss"`   // per image with a class
	IDAcc    float64 `json:"id_acc"`
	LR       float64 `json:"lr"`
	ImgS     float64 `json:"img_per_s"`
}

// State is the JSON record of a checkpoint.
type State struct {
	Format   string   `json:"format"`
	Config   Config   `json:"config"`
	Step     int      `json:"step"`
	Total    int      `json:"total_steps"`
	AdamT    int      `json:"adam_t"`
	Seconds  float64  `json:"train_seconds"`
	History  []Point  `json:"history"`
	Saved    string   `json:"saved"`
	Finished bool     `json:"finished"`
	Code     []string `json:"code_versions"`
}

// StateFormat names the checkpoint layout.
const StateFormat = "fmriface-featnet-checkpoint/1"

// HistoryEvery is the number of steps averaged into one history point.
const HistoryEvery = 20

// Data is the training set: images (n×3·S·S) and their labels.
type Data struct {
	X    []float32
	Attr []float32 // n×Attrs, 1 or 0
	ID   []int32   // n, −1 for none
}

// Trainer runs one training, from scratch or resumed.
type Trainer struct {
	Cfg   Config
	W     map[string][]float32
	State State
	data  Data
	g     *graph
	opt   *vaegan.Adam
	dir   string
}

// CheckpointPath is the full training state; ModelPath the weights to ship.
func CheckpointPath(dir string) string { return filepath.Join(dir, "checkpoint.npz") }
func ModelPath(dir string) string      { return filepath.Join(dir, "model.npz") }

// NewWeights initialises the network: convolutions and linear layers
// N(0, 2/fan_in) (He), heads N(0, 1/fan_in), biases 0, batch-norm γ = 1,
// β = 0, running mean 0, running variance 1.
func NewWeights(cfg features.Config, seed uint64) map[string][]float32 {
	r := rand.New(rand.NewPCG(seed, 0x5eed))
	w := map[string][]float32{}
	for _, p := range cfg.Params() {
		d := make([]float32, p.Size())
		switch {
		case strings.HasSuffix(p.Name, ".bn.gamma"), strings.HasSuffix(p.Name, ".bn.var"):
			for i := range d {
				d[i] = 1
			}
		case strings.HasSuffix(p.Name, ".w"):
			fanIn := p.Size() / p.Shape[0]
			gain := 2.0
			if len(p.Shape) == 2 {
				fanIn = p.Shape[0]
				if p.Name != "embed.w" {
					gain = 1
				}
			}
			s := math.Sqrt(gain / float64(fanIn))
			for i := range d {
				d[i] = float32(s * r.NormFloat64())
			}
		}
		w[p.Name] = d
	}
	return w
}

// New starts a fresh training in dir.
func New(cfg Config, data Data, dir string) (*Trainer, error) {
	if err := checkData(cfg, data); err != nil {
		return nil, err
	}
	t := &Trainer{Cfg: cfg, W: NewWeights(cfg.Net, cfg.Seed), data: data, dir: dir}
	t.State = State{Format: StateFormat, Config: cfg, Total: t.totalSteps()}
	return t, t.build()
}

func checkData(cfg Config, d Data) error {
	if err := cfg.Net.Validate(); err != nil {
		return err
	}
	per := 3 * cfg.Net.ImageSize * cfg.Net.ImageSize
	n := cfg.TrainImages
	if n*per != len(d.X) || n*cfg.Net.Attrs != len(d.Attr) || n != len(d.ID) || n < cfg.Batch || cfg.Batch < 2 {
		return fmt.Errorf("training data: %d pixel values, %d attribute values and %d identities for %d images (batch %d)",
			len(d.X), len(d.Attr), len(d.ID), n, cfg.Batch)
	}
	return nil
}

func (t *Trainer) build() error {
	g, err := newGraph(t.Cfg.Net, t.W, t.Cfg.Batch, true, t.Cfg.WID)
	if err != nil {
		return err
	}
	t.g = g
	if t.opt == nil {
		t.opt = vaegan.NewAdam(t.Cfg.LR, t.Cfg.Beta1)
	}
	return nil
}

// Resume continues the training saved in dir on the same data.
func Resume(dir string, data Data, codeVersion, blasName string) (*Trainer, error) {
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
	if err := checkData(cfg, data); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	w := map[string][]float32{}
	for _, p := range cfg.Net.Params() {
		ten, ok := f.Tensors[p.Name]
		if !ok || len(ten.Data) != p.Size() {
			return nil, fmt.Errorf("%s: tensor %s missing or of the wrong size", path, p.Name)
		}
		w[p.Name] = ten.Data
	}
	cfg.CodeVersion, cfg.BLAS = codeVersion, blasName
	st.Config.CodeVersion, st.Config.BLAS = codeVersion, blasName
	t := &Trainer{Cfg: cfg, W: w, data: data, dir: dir, State: st, opt: vaegan.NewAdam(cfg.LR, cfg.Beta1)}
	t.opt.T = st.AdamT
	for name, ten := range f.Tensors {
		switch {
		case strings.HasPrefix(name, "adam.m."):
			t.opt.M[strings.TrimPrefix(name, "adam.m.")] = ten.Data
		case strings.HasPrefix(name, "adam.v."):
			t.opt.V[strings.TrimPrefix(name, "adam.v.")] = ten.Data
		}
	}
	return t, t.build()
}

func (t *Trainer) stepsPerEpoch() int { return t.Cfg.TrainImages / t.Cfg.Batch }
func (t *Trainer) totalSteps() int    { return int(t.Cfg.Epochs * float64(t.stepsPerEpoch())) }

// SetEpochs changes the length of a resumed run; the learning-rate schedule
// follows the new length from the current step on.
func (t *Trainer) SetEpochs(e float64) {
	t.Cfg.Epochs, t.State.Config.Epochs = e, e
	t.State.Total = t.totalSteps()
	t.State.Finished = t.State.Step >= t.State.Total
}

// Close frees the graph.
func (t *Trainer) Close() { t.g.close() }

// lr is the learning rate of a step: linear warm-up, then cosine decay to 0.
func (t *Trainer) lr(step int) float64 {
	c := t.Cfg
	if step < c.Warmup {
		return c.LR * float64(step+1) / float64(c.Warmup)
	}
	span := max(1, t.State.Total-c.Warmup)
	return c.LR * 0.5 * (1 + math.Cos(math.Pi*float64(step-c.Warmup)/float64(span)))
}

// batch fills x and the targets for a step. The order comes from (seed,
// epoch) and the flips from (seed, step), so a resumed run takes the same
// batches as an uninterrupted one.
func (t *Trainer) batch(step int, x []float32) {
	c := t.Cfg
	spe := t.stepsPerEpoch()
	epoch, pos := step/spe, step%spe
	perm := rand.New(rand.NewPCG(c.Seed, uint64(epoch)<<1|1)).Perm(c.TrainImages)
	r := rand.New(rand.NewPCG(c.Seed, uint64(step)<<1))
	s := c.Net.ImageSize
	per, na := 3*s*s, c.Net.Attrs
	tg := t.g.t
	tg.Attr, tg.ID = tg.Attr[:0], tg.ID[:0]
	for i := 0; i < c.Batch; i++ {
		j := perm[pos*c.Batch+i]
		src := t.data.X[j*per:][:per]
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
		tg.Attr = append(tg.Attr, t.data.Attr[j*na:(j+1)*na]...)
		tg.ID = append(tg.ID, t.data.ID[j])
	}
}

// isDecayed says whether a parameter gets weight decay (weights, not biases or batch norm).
func isDecayed(name string) bool { return strings.HasSuffix(name, ".w") }

// Step runs one update and returns its losses and training accuracies.
func (t *Trainer) step(x []float32) (Point, error) {
	t.batch(t.State.Step, x)
	if err := t.g.run(x); err != nil {
		return Point{}, fmt.Errorf("step %d: %w", t.State.Step, err)
	}
	lr := t.lr(t.State.Step)
	t.opt.LR = lr
	if t.Cfg.WD > 0 {
		f := float32(1 - lr*t.Cfg.WD)
		for _, name := range t.g.names {
			if isDecayed(name) {
				for i, v := range t.W[name] {
					t.W[name][i] = v * f
				}
			}
		}
	}
	grads := make([][]float32, len(t.g.grads))
	for i, gn := range t.g.grads {
		grads[i] = gn.Value().Data().([]float32)
	}
	n := float64(t.Cfg.Batch)
	p := Point{AttrLoss: scalar(t.g.attrLossV) / n, LR: lr}
	p.AttrAcc = attrAccuracy(t.g.attrV.Data().([]float32), t.g.t.Attr)
	if t.g.id != nil {
		labelled, correct := idAccuracy(t.g.idV.Data().([]float32), t.g.t.ID, t.Cfg.Net.Identities)
		if labelled > 0 {
			p.IDLoss = scalar(t.g.idLossV) / float64(labelled)
			p.IDAcc = float64(correct) / float64(labelled)
		}
	}
	t.opt.Step(t.W, t.g.names, grads)
	t.State.Step++
	return p, nil
}

func scalar(v G.Value) float64 { return float64(v.Data().(float32)) }

// attrAccuracy is the fraction of logits on the side of their target.
func attrAccuracy(logits, target []float32) float64 {
	ok := 0
	for i, l := range logits {
		if (l > 0) == (target[i] > 0.5) {
			ok++
		}
	}
	return float64(ok) / float64(len(logits))
}

// idAccuracy counts the labelled rows and those whose largest logit is their class.
func idAccuracy(logits []float32, id []int32, k int) (labelled, correct int) {
	for i, y := range id {
		if y < 0 {
			continue
		}
		labelled++
		row := logits[i*k : (i+1)*k]
		best := 0
		for j, v := range row {
			if v > row[best] {
				best = j
			}
		}
		if best == int(y) {
			correct++
		}
	}
	return labelled, correct
}

// Run trains until the configured number of steps or until ctx is
// cancelled, checkpointing every CheckpointEvery and on the way out.
func (t *Trainer) Run(ctx context.Context, log io.Writer) error {
	c := t.Cfg
	s := c.Net.ImageSize
	x := make([]float32, c.Batch*3*s*s)
	total := t.State.Total
	bar := progress.New(log, "train", total*c.Batch)
	bar.SetUnit("img")
	bar.Resume(t.State.Step * c.Batch)
	if len(t.State.Code) == 0 || t.State.Code[len(t.State.Code)-1] != c.CodeVersion {
		t.State.Code = append(t.State.Code, c.CodeVersion)
	}
	var acc Point
	accN := 0
	lastSave, start := time.Now(), time.Now()
	secAtStart, stepAtStart := t.State.Seconds, t.State.Step
	for t.State.Step < total {
		if err := ctx.Err(); err != nil {
			bar.Done()
			fmt.Fprintf(log, "interrupted at step %d: saving checkpoint\n", t.State.Step)
			t.State.Seconds = secAtStart + time.Since(start).Seconds()
			if serr := t.Save(); serr != nil {
				return serr
			}
			return err
		}
		p, err := t.step(x)
		if err != nil {
			return err
		}
		bar.Add(c.Batch)
		acc.AttrLoss += p.AttrLoss
		acc.AttrAcc += p.AttrAcc
		acc.IDLoss += p.IDLoss
		acc.IDAcc += p.IDAcc
		accN++
		if accN == HistoryEvery {
			k := float64(accN)
			q := Point{Step: t.State.Step, AttrLoss: acc.AttrLoss / k, AttrAcc: acc.AttrAcc / k, IDLoss: acc.IDLoss / k, IDAcc: acc.IDAcc / k, LR: p.LR}
			if el := time.Since(start).Seconds(); el > 0 {
				q.ImgS = float64((t.State.Step-stepAtStart)*c.Batch) / el
			}
			t.State.History = append(t.State.History, q)
			bar.SetInfo(fmt.Sprintf("attr loss=%.2f acc=%.3f id loss=%.2f acc=%.2f lr=%.1e", q.AttrLoss, q.AttrAcc, q.IDLoss, q.IDAcc, q.LR))
			acc, accN = Point{}, 0
		}
		if time.Since(lastSave) >= c.CheckpointEvery.Duration {
			t.State.Seconds = secAtStart + time.Since(start).Seconds()
			if err := t.Save(); err != nil {
				return err
			}
			lastSave = time.Now()
		}
	}
	bar.Done()
	t.State.Finished = true
	t.State.Seconds = secAtStart + time.Since(start).Seconds()
	return t.Save()
}

// Save writes checkpoint.npz (weights, running statistics and Adam's moments)
// and model.npz (weights and running statistics, float32).
func (t *Trainer) Save() error {
	if err := os.MkdirAll(t.dir, 0o755); err != nil {
		return fmt.Errorf("checkpoint folder: %w", err)
	}
	t.State.AdamT = t.opt.T
	t.State.Saved = time.Now().UTC().Format(time.RFC3339)
	ts := Tensors(t.Cfg.Net, t.W)
	for _, p := range t.Cfg.Net.Params() {
		if m, ok := t.opt.M[p.Name]; ok {
			ts = append(ts, ckpt.Tensor{Name: "adam.m." + p.Name, Shape: p.Shape, Data: m},
				ckpt.Tensor{Name: "adam.v." + p.Name, Shape: p.Shape, Data: t.opt.V[p.Name]})
		}
	}
	if err := ckpt.Save(CheckpointPath(t.dir), t.State, ts, ckpt.Float32); err != nil {
		return err
	}
	return SaveModel(ModelPath(t.dir), t.W, t.State)
}

// Tensors lists the network's tensors in Config.Params order.
func Tensors(cfg features.Config, w map[string][]float32) []ckpt.Tensor {
	var ts []ckpt.Tensor
	for _, p := range cfg.Params() {
		ts = append(ts, ckpt.Tensor{Name: p.Name, Shape: p.Shape, Data: w[p.Name]})
	}
	return ts
}

// SaveModel writes the weights with a features.ModelMeta record (the
// training state without its history, which stays in the checkpoint).
func SaveModel(path string, w map[string][]float32, st State) error {
	st.History = nil
	js, err := json.Marshal(st)
	if err != nil {
		return fmt.Errorf("save %s: %w", path, err)
	}
	mm := features.ModelMeta{Format: features.ModelFormat, Config: st.Config.Net, AttrNames: st.Config.AttrNames,
		IdentityPersons: st.Config.Persons, Training: js}
	return ckpt.Save(path, mm, Tensors(st.Config.Net, w), ckpt.Float32)
}
