package featnet

import (
	"context"
	"io"
	"math"
	"math/rand/v2"
	"testing"
	"time"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"fmriface/trainer/vaegan"
)

// TestResumeIsExact trains 10 steps straight, and 4 steps then a resume for 6
// more, and wants the same weights bit for bit.
func TestResumeIsExact(t *testing.T) {
	net := smallConfig()
	const n, batch = 40, 8
	cfg := Config{Net: net, Batch: batch, Epochs: 2, LR: 1e-2, Warmup: 3, Beta1: 0.9, WD: 0.05, WID: 1,
		Seed: 9, Flip: true, TrainImages: n, CheckpointEvery: vaegan.Duration{Duration: time.Hour}}
	data := randomData(net, n, 4)
	straight, err := New(cfg, data, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer straight.Close()
	if err := straight.Run(context.Background(), io.Discard); err != nil {
		t.Fatal(err)
	}

	dir := t.TempDir()
	first, err := New(cfg, data, dir)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	x := make([]float32, batch*3*net.ImageSize*net.ImageSize)
	for range 4 {
		if _, err := first.step(x); err != nil {
			t.Fatal(err)
		}
	}
	cancel() // Run saves and returns at once
	if err := first.Run(ctx, io.Discard); err == nil {
		t.Fatal("cancelled run returned no error")
	}
	first.Close()
	second, err := Resume(dir, data, "test", "test")
	if err != nil {
		t.Fatal(err)
	}
	defer second.Close()
	if second.State.Step != 4 {
		t.Fatalf("resumed at step %d, want 4", second.State.Step)
	}
	if err := second.Run(context.Background(), io.Discard); err != nil {
		t.Fatal(err)
	}
	for _, p := range net.Params() {
		a, b := straight.W[p.Name], second.W[p.Name]
		for i := range a {
			if a[i] != b[i] {
				t.Fatalf("%s[%d]: %v straight, %v resumed", p.Name, i, a[i], b[i])
			}
		}
	}
}

// TestLossGradients checks the loss ops' gradients against central finite
// differences of their summed value.
func TestLossGradients(t *testing.T) {
	cases := []struct {
		name string
		kind lossKind
		tg   Targets
	}{
		{"attributes", lossBCE, Targets{Attr: []float32{1, 0, 0, 1, 1, 0, 1, 1, 0, 0, 1, 0}}},
		{"identity", lossCE, Targets{ID: []int32{2, -1, 0, 1}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := rand.New(rand.NewPCG(1, 2))
			l0 := make([]float64, 12)
			for i := range l0 {
				l0[i] = 3 * r.NormFloat64()
			}
			value := func(l []float64) (float64, []float32) {
				g := G.NewGraph()
				d := make([]float32, len(l))
				for i, v := range l {
					d[i] = float32(v)
				}
				x := G.NewMatrix(g, tensor.Float32, G.WithShape(4, 3), G.WithName("l"),
					G.WithValue(tensor.New(tensor.WithShape(4, 3), tensor.WithBacking(d))))
				tg := c.tg
				terms, err := lossTerms(x, c.kind, &tg)
				if err != nil {
					t.Fatal(err)
				}
				cost := G.Must(G.Sum(terms))
				grads, err := G.Grad(cost, x)
				if err != nil {
					t.Fatal(err)
				}
				m := G.NewTapeMachine(g)
				defer m.Close()
				if err := m.RunAll(); err != nil {
					t.Fatal(err)
				}
				return float64(cost.Value().Data().(float32)), append([]float32(nil), grads[0].Value().Data().([]float32)...)
			}
			_, grad := value(l0)
			const h = 1e-2
			for i := range l0 {
				lp := append([]float64(nil), l0...)
				lm := append([]float64(nil), l0...)
				lp[i] += h
				lm[i] -= h
				fp, _ := value(lp)
				fm, _ := value(lm)
				num := (fp - fm) / (2 * h)
				if math.Abs(num-float64(grad[i])) > 2e-3*(1+math.Abs(num)) {
					t.Errorf("logit %d: gradient %g, finite difference %g", i, grad[i], num)
				}
			}
		})
	}
}
