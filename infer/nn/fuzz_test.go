package nn

import (
	"encoding/binary"
	"math"
	"testing"

	"fmriface/infer/arch"
)

// FuzzParams corrupts the tiny preset's tensors (drops, truncates, extends,
// overwrites values with arbitrary bits) and checks that construction either
// fails with an error or yields networks that run without panicking.
func FuzzParams(f *testing.F) {
	f.Add([]byte{})
	f.Add([]byte{0, 0, 0, 0, 0, 0})
	f.Add([]byte{3, 1, 0x7f, 0xc0, 0, 0})              // NaN
	f.Add([]byte{5, 2, 0xff, 0x7f, 0xff, 0xff})        // huge value
	f.Add([]byte{9, 3, 1, 0, 0, 0, 20, 4, 0, 0, 0, 0}) // truncate, extend
	cfg, _ := arch.Preset("tiny")
	params := cfg.Params()
	f.Fuzz(func(t *testing.T, data []byte) {
		m := randomParams(cfg, 1)
		for len(data) >= 6 {
			p := params[int(data[0])%len(params)]
			v := m[p.Name]
			arg := binary.BigEndian.Uint32(data[2:6])
			switch data[1] % 5 {
			case 0:
				delete(m, p.Name)
			case 1, 2:
				if len(v) > 0 {
					v[int(arg>>8)%len(v)] = math.Float32frombits(arg)
				}
			case 3:
				m[p.Name] = v[:int(arg)%(len(v)+1)]
			case 4:
				m[p.Name] = append(v, make([]float32, 1+arg%5)...)
			}
			data = data[6:]
		}
		run(t, cfg, m)
	})
}

// FuzzConfig builds networks for arbitrary small architectures with tensors
// of the sizes their Params declare: construction must reject what does not
// fit and run what it accepts.
func FuzzConfig(f *testing.F) {
	f.Add(16, 16, 4, 8, 4, 8, 4, 3, 16)
	f.Add(16, 3, 1, 2, 1, 2, 2, 2, 5)
	f.Add(8, 2, -2, -3, 2, 2, 3, 3, 4)
	f.Add(0, 0, 0, 0, 0, 0, 0, 0, 0)
	f.Add(32, 5, 3, 4, 6, 7, 5, 6, 3)
	f.Fuzz(func(t *testing.T, size, latent, e0, e1, g0, g1, ek, gk, hidden int) {
		cfg := arch.Config{Name: "fuzz", ImageSize: size, Latent: latent,
			EncChannels: []int{e0, e1}, EncKernel: ek, EncHidden: hidden,
			GenChannels: []int{g0, g1}, GenKernel: gk,
			DiscChannels: []int{2, 2}, DiscKernel: 2, FeatureLayer: 1}
		// Keep the tensors the fuzzer asks for small; the size checks are what
		// is under test, not the allocator.
		total := 0
		for _, p := range cfg.Params() {
			s := 1
			for _, d := range p.Shape {
				if d < -64 || d > 64 {
					return
				}
				s *= d
			}
			total += max(s, 0)
		}
		if total > 1<<16 || size > 64 {
			return
		}
		m := map[string][]float32{}
		for _, p := range cfg.Params() {
			m[p.Name] = make([]float32, max(p.Size(), 0))
		}
		run(t, cfg, m)
	})
}

// run builds both networks from m and, where construction succeeds, runs them.
func run(t *testing.T, cfg arch.Config, m map[string][]float32) {
	if g, err := NewGenerator(cfg, m); err == nil {
		out := make([]float32, 3*cfg.ImageSize*cfg.ImageSize)
		if err := g.Generate(make([]float32, cfg.Latent), out); err != nil {
			t.Fatalf("Generate after a successful NewGenerator: %v", err)
		}
	}
	if e, err := NewEncoder(cfg, m); err == nil {
		img := make([]float32, 3*cfg.ImageSize*cfg.ImageSize)
		mu, ls := make([]float32, cfg.Latent), make([]float32, cfg.Latent)
		if err := e.Encode(img, mu, ls); err != nil {
			t.Fatalf("Encode after a successful NewEncoder: %v", err)
		}
	}
}
