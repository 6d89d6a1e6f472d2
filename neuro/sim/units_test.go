package sim

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"
)

func TestHRF(t *testing.T) {
	h := newHRFTable()
	var peak, at float64
	for tt := 0.0; tt < 30; tt += 0.01 {
		if v := h.boxcar(tt, 0, 1); v > peak {
			peak, at = v, tt
		}
	}
	if math.Abs(peak-1) > 1e-3 || at < 4.5 || at > 6.5 {
		t.Errorf("1 s event peaks at %.3f after %.2f s, want 1 after 4.5–6.5 s", peak, at)
	}
	if v := h.boxcar(25, 0, 1); v >= 0 {
		t.Errorf("no undershoot: %v at 25 s", v)
	}
	if h.boxcar(-1, 0, 1) != 0 || h.boxcar(0, 0, 1) != 0 {
		t.Error("response before the onset")
	}
}

// A grating drives the energy channel of its own orientation more than the
// orthogonal one; a uniform image drives no energy channel.
func TestFeatures(t *testing.T) {
	const s = 64
	grating := func(horizontalStripes bool, lam float64) []float32 {
		img := make([]float32, 3*s*s)
		for y := 0; y < s; y++ {
			for x := 0; x < s; x++ {
				c := float64(x)
				if horizontalStripes {
					c = float64(y)
				}
				v := float32(0.5 + 0.4*math.Cos(2*math.Pi*c/lam))
				for ch := 0; ch < 3; ch++ {
					img[ch*s*s+y*s+x] = v
				}
			}
		}
		return img
	}
	fe := newFeatureExtractor(s)
	out := make([]float32, NumFeatures)
	names := ChannelNames()
	mean := func(name string) float64 {
		for k, n := range names {
			if n == name {
				var m float64
				for _, v := range out[k*64 : (k+1)*64] {
					m += float64(v) / 64
				}
				return m
			}
		}
		t.Fatalf("no channel %s in %v", name, names)
		return 0
	}
	// Stripes varying along x (vertical stripes) excite orientation 0.
	fe.compute(grating(false, 4), out)
	if a, b := mean("L_sf0_ori0"), mean("L_sf0_ori90"); a < 3*b {
		t.Errorf("vertical stripes: ori0 %.3f, ori90 %.3f", a, b)
	}
	if a, b := mean("L_sf0_ori0"), mean("L_sf2_ori0"); a < 2*b {
		t.Errorf("fine stripes: sf0 %.3f, sf2 %.3f", a, b)
	}
	if m := mean("RG_sf1_ori0"); m > 1e-3 {
		t.Errorf("grey stripes drive the red-green channel: %v", m)
	}
	fe.compute(grating(true, 16), out)
	if a, b := mean("L_sf2_ori90"), mean("L_sf2_ori0"); a < 3*b {
		t.Errorf("coarse horizontal stripes: ori90 %.3f, ori0 %.3f", a, b)
	}
	uniform := make([]float32, 3*s*s)
	for i := range uniform {
		uniform[i] = 0.7
	}
	fe.compute(uniform, out)
	for k, n := range names {
		if strings.HasSuffix(n, "_mean") {
			continue
		}
		for _, v := range out[k*64 : (k+1)*64] {
			if v > 1e-2 {
				t.Fatalf("uniform image drives %s: %v", n, v)
			}
		}
	}
	if m := mean("L_mean"); math.Abs(m-0.7) > 1e-5 {
		t.Errorf("L_mean %v, want 0.7", m)
	}
}

func TestSmoothField(t *testing.T) {
	g := Grid{Dims: [3]int{16, 16, 16}, VoxelMM: 3}
	f := smoothField(rand.New(rand.NewPCG(1, 2)), g, 1.5, nil)
	var m, ss, nb float64
	for n, v := range f {
		m += v
		ss += v * v
		i, j, k := g.Coords(n)
		if i+1 < 16 {
			nb += v * f[g.Index(i+1, j, k)]
		}
	}
	N := float64(len(f))
	if math.Abs(m/N) > 1e-9 || math.Abs(ss/N-1) > 1e-9 {
		t.Errorf("field mean %v, variance %v", m/N, ss/N)
	}
	if r := nb / (N * 15 / 16); r < 0.6 {
		t.Errorf("neighbour correlation %.2f: the field is not smooth", r)
	}
}

func TestNearestBank(t *testing.T) {
	for _, c := range []struct{ u, v, s, wu, wv, ws float64 }{
		{4, 4, 1.2, 4.25, 4.25, 1.2}, // lattice centres are at (i+0.5)/2
		{0, 8, 0.1, 0.25, 7.75, 0.7},
		{-5, 20, 9, 0.25, 7.75, 3.2},
	} {
		_, u, v, s := nearestBank(c.u, c.v, c.s)
		if u != c.wu || v != c.wv || s != c.ws {
			t.Errorf("nearestBank(%v,%v,%v) = %v,%v,%v, want %v,%v,%v", c.u, c.v, c.s, u, v, s, c.wu, c.wv, c.ws)
		}
	}
}

func TestAnatomyROIs(t *testing.T) {
	a, err := makeAnatomy(1, "01", Grid{Dims: [3]int{24, 28, 20}, VoxelMM: 3})
	if err != nil {
		t.Fatal(err)
	}
	if n := len(a.Cortex); n < 4000 || n > 8000 {
		t.Errorf("%d cortical voxels, want 4,000–8,000 by default", n)
	}
	// Occipital voxels lie behind every other ROI's voxels.
	maxOcc, minOther := -1, 1<<30
	for _, n := range a.Cortex {
		_, y, _ := a.Grid.Coords(n)
		if a.Label[n] == ROIOccipital {
			maxOcc = max(maxOcc, y)
		} else {
			minOther = min(minOther, y)
		}
	}
	if maxOcc > minOther {
		t.Errorf("occipital reaches y=%d, others start at y=%d", maxOcc, minOther)
	}
	if _, err := makeAnatomy(1, "01", Grid{Dims: [3]int{3, 40, 40}}); err == nil {
		t.Error("a 3-voxel-wide grid is accepted")
	}
}
