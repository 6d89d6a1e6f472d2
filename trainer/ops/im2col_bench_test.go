package ops

import "testing"

// BenchmarkIm2col: the gather of a 3×3 stride-2 convolution over a batch of
// 64 maps of 32 channels at 64×64 (the default model's first layer) and of
// 128 channels at 16×16.
func BenchmarkIm2col(b *testing.B) {
	g := Geom{K: 3, Stride: 2, Pad: 1}
	for _, tc := range []struct {
		name    string
		c, side int
	}{{"c32-64px", 32, 64}, {"c128-16px", 128, 16}} {
		b.Run(tc.name, func(b *testing.B) {
			n := 64
			ho := g.convOut(tc.side)
			x := make([]float32, n*tc.c*tc.side*tc.side)
			cols := make([]float32, tc.c*9*n*ho*ho)
			b.SetBytes(int64(4 * len(cols)))
			for b.Loop() {
				im2col(x, cols, n, tc.c, ho, ho, tc.side, tc.side, g)
			}
		})
	}
}

// BenchmarkCol2im: the scatter of a 3×3 stride-2 layer's columns onto one
// image's 128×128 grid of 64 channels (the paper preset's size), by the
// general scatter and by the stride-2 gather that col2im uses for it.
func BenchmarkCol2im(b *testing.B) {
	g := Geom{K: 3, Stride: 2, Pad: 1, OutPad: 1}
	const c, h = 64, 64
	cols := make([]float32, c*9*h*h)
	y := make([]float32, c*4*h*h)
	for name, f := range map[string]func(co int){
		"scatter": func(co int) { col2imScatter(cols, y, 1, c, h, h, 2*h, 2*h, g, co) },
		"gather":  func(co int) { col2imS2K3(cols, y, 1, c, h, h, co) },
	} {
		b.Run(name, func(b *testing.B) {
			b.SetBytes(int64(4 * len(cols)))
			for b.Loop() {
				for co := range c {
					f(co)
				}
			}
		})
	}
}
