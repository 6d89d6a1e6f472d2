package decoding

import (
	"math"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"

	"gonum.org/v1/gonum/mat"
)

func randDense(rng *rand.Rand, r, c int) *mat.Dense {
	d := make([]float64, r*c)
	for i := range d {
		d[i] = rng.NormFloat64()
	}
	return mat.NewDense(r, c, d)
}

func TestDecoderInvertsW(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	k, v := 9, 300
	W := randDense(rng, k, v)
	for j := 0; j < v; j++ { // rows of very different scales
		W.Set(0, j, 1e3*W.At(0, j))
	}
	dec, err := New(W)
	if err != nil {
		t.Fatal(err)
	}
	var wd mat.Dense
	wd.Mul(W, dec.Matrix())
	id := mat.NewDense(k, k, nil)
	for i := 0; i < k; i++ {
		id.Set(i, i, 1)
	}
	if !mat.EqualApprox(&wd, id, 1e-10) {
		t.Errorf("W·D is not the identity")
	}
	// A noise-free pattern of latent z (bias 1) decodes to z exactly.
	z := make([]float64, k)
	for i := range z {
		z[i] = rng.NormFloat64()
	}
	z[k-1] = 1
	y := make([]float64, v)
	for j := range y {
		for i := range z {
			y[j] += z[i] * W.At(i, j)
		}
	}
	got, err := dec.Decode(y)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != k-1 || dec.Latent() != k-1 || dec.Voxels() != v {
		t.Fatalf("decoded %d dims", len(got))
	}
	for i := range got {
		if math.Abs(got[i]-z[i]) > 1e-9 {
			t.Errorf("dim %d: %v, want %v", i, got[i], z[i])
		}
	}
	Y := mat.NewDense(2, v, nil)
	Y.SetRow(0, y)
	Y.SetRow(1, make([]float64, v))
	rows, err := dec.DecodeRows(Y)
	if err != nil {
		t.Fatal(err)
	}
	if !mat.EqualApprox(rows.RowView(0), mat.NewVecDense(k-1, got), 1e-12) || mat.Norm(rows.RowView(1), 2) != 0 {
		t.Errorf("DecodeRows disagrees with Decode")
	}
	if _, err := dec.Decode(y[:5]); err == nil {
		t.Error("short pattern accepted")
	}
}

func TestDecoderErrors(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	W := randDense(rng, 4, 50)
	W.SetRow(2, mat.Row(nil, 1, W))
	cases := map[string]*mat.Dense{
		"dependent":  W,
		"one row":    randDense(rng, 1, 50),
		"few voxels": randDense(rng, 5, 4),
		"zero row":   mat.NewDense(3, 10, nil),
	}
	for name, w := range cases {
		if _, err := New(w); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	if _, err := NewSubset(randDense(rng, 3, 20), []int{0, 1, 25}); err == nil || !strings.Contains(err.Error(), "25") {
		t.Errorf("bad subset: %v", err)
	}
}

func TestNewSubsetMatchesColumns(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	W := randDense(rng, 3, 40)
	idx := []int{1, 5, 7, 8, 20, 39}
	a, err := NewSubset(W, idx)
	if err != nil {
		t.Fatal(err)
	}
	sub, _ := Columns(W, idx)
	b, _ := New(sub)
	if !mat.Equal(a.Matrix(), b.Matrix()) || sub.At(2, 4) != W.At(2, 20) {
		t.Error("subset decoder differs")
	}
}

func TestSelect(t *testing.T) {
	tm := []float64{3, 1, 5, math.NaN(), 4}
	fm := []float64{2, 9, 0.5, 9, 3}
	got, err := Select(tm, fm, 2, 1)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, []int{0, 4}) {
		t.Errorf("selected %v, want [0 4]", got)
	}
	if _, err := Select(tm, fm[:3], 2, 1); err == nil {
		t.Error("length mismatch accepted")
	}
}

// TestSplitROIs: 10 selected voxels of 12; round(10/3) = 3 most posterior
// are occipital, the 7 others split 3 lower (temporal) / 4 upper.
func TestSplitROIs(t *testing.T) {
	coords := []Coord{
		{Y: -90, Z: 0},  // 0 occipital
		{Y: -80, Z: 50}, // 1 occipital
		{Y: 0, Z: -20},  // 2 temporal
		{Y: -85, Z: 10}, // 3 occipital
		{Y: 10, Z: 40},  // 4 frontoparietal
		{Y: 20, Z: -30}, // 5 temporal
		{Y: 5, Z: 60},   // 6 frontoparietal
		{Y: -100},       // 7 not selected
		{Y: -10, Z: -5}, // 8 temporal
		{Y: 30, Z: 30},  // 9 frontoparietal
		{Y: -5, Z: 35},  // 10 frontoparietal
		{Y: -200},       // 11 not selected
	}
	sel := []int{10, 9, 8, 6, 5, 4, 3, 2, 1, 0}
	r, err := SplitROIs(coords, sel)
	if err != nil {
		t.Fatal(err)
	}
	want := ROIs{
		All:            []int{0, 1, 2, 3, 4, 5, 6, 8, 9, 10},
		Occipital:      []int{0, 1, 3},
		Temporal:       []int{2, 5, 8},
		Frontoparietal: []int{4, 6, 9, 10},
	}
	if !reflect.DeepEqual(r, want) {
		t.Errorf("got %+v\nwant %+v", r, want)
	}
	for _, name := range ROINames() {
		if _, ok := r.Get(name); !ok {
			t.Errorf("ROI %q missing", name)
		}
	}
	for name, s := range map[string][]int{"few": {0, 1}, "out of range": {0, 1, 12}, "twice": {0, 1, 1}} {
		if _, err := SplitROIs(coords, s); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

func TestAssembleW(t *testing.T) {
	beta := mat.NewDense(4, 3, []float64{
		10, 11, 12, // face (bias)
		20, 21, 22, // mod 1
		30, 31, 32, // mod 2
		40, 41, 42, // fix
	})
	W, err := AssembleW(beta, []int{1, 2}, 0, []int{2, 0})
	if err != nil {
		t.Fatal(err)
	}
	want := mat.NewDense(3, 2, []float64{22, 20, 32, 30, 12, 10})
	if !mat.Equal(W, want) {
		t.Errorf("W =\n%v", mat.Formatted(W))
	}
	all, _ := AssembleW(beta, []int{1}, 0, nil)
	if r, c := all.Dims(); r != 2 || c != 3 {
		t.Errorf("all voxels: %d×%d", r, c)
	}
	for name, f := range map[string]func() error{
		"bad bias":  func() error { _, err := AssembleW(beta, []int{1}, 4, nil); return err },
		"bad voxel": func() error { _, err := AssembleW(beta, []int{1}, 0, []int{3}); return err },
		"no latent": func() error { _, err := AssembleW(beta, nil, 0, nil); return err },
	} {
		if f() == nil {
			t.Errorf("%s accepted", name)
		}
	}
}
