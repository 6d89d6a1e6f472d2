package imgrid

import (
	"image"
	"image/color"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"testing"
)

// solidCHW is a c×h×w image with every channel k set to vals[k].
func solidCHW(c, h, w int, vals ...float32) []float32 {
	px := make([]float32, c*h*w)
	for k := 0; k < c; k++ {
		for i := 0; i < h*w; i++ {
			px[k*h*w+i] = vals[k]
		}
	}
	return px
}

func TestGridLayout(t *testing.T) {
	imgs := [][]float32{
		solidCHW(3, 4, 5, 1, 0, 0),
		solidCHW(3, 4, 5, 0, 1, 0),
		solidCHW(3, 4, 5, 0, 0, 1),
	}
	cases := []struct {
		name        string
		cols, scale int
		wantW       int
		wantH       int
		tiles       []image.Point // top-left of each tile
	}{
		{"two columns", 2, 1, Gap + 2*(5+Gap), Gap + 2*(4+Gap), []image.Point{{2, 2}, {9, 2}, {2, 8}}},
		{"one row scaled", 3, 2, Gap + 3*(10+Gap), Gap + 8 + Gap, []image.Point{{2, 2}, {14, 2}, {26, 2}}},
		{"auto columns", 0, 1, Gap + 2*(5+Gap), Gap + 2*(4+Gap), []image.Point{{2, 2}, {9, 2}, {2, 8}}},
	}
	want := []color.RGBA{{255, 0, 0, 255}, {0, 255, 0, 255}, {0, 0, 255, 255}}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			g := Grid(imgs, 3, 4, 5, tc.cols, Options{Scale: tc.scale})
			if g.Rect.Dx() != tc.wantW || g.Rect.Dy() != tc.wantH {
				t.Fatalf("size %v, want %d×%d", g.Rect.Size(), tc.wantW, tc.wantH)
			}
			s := max(tc.scale, 1)
			for i, p := range tc.tiles {
				for _, q := range []image.Point{p, p.Add(image.Pt(5*s-1, 4*s-1))} {
					if got := g.RGBAAt(q.X, q.Y); got != want[i] {
						t.Errorf("tile %d at %v is %v, want %v", i, q, got, want[i])
					}
				}
				if got := g.RGBAAt(p.X-1, p.Y); got != background {
					t.Errorf("gap left of tile %d is %v", i, got)
				}
			}
		})
	}
}

func TestGridValues(t *testing.T) {
	nan := float32(math.NaN())
	g := Grid([][]float32{{-1, 0.5, 2, nan}}, 1, 2, 2, 1, Options{})
	for i, want := range []uint8{0, 128, 255, 0} {
		got := g.RGBAAt(Gap+i%2, Gap+i/2)
		if got.R != want || got.G != want || got.B != want {
			t.Errorf("value %d drawn as %v, want grey %d", i, got, want)
		}
	}
}

func TestGridBadTileAndLabels(t *testing.T) {
	imgs := [][]float32{solidCHW(3, 8, 8, 0, 0, 0), {1, 2, 3}}
	plain := Grid(imgs, 3, 8, 8, 2, Options{})
	if got := plain.RGBAAt(Gap+8+Gap+1, Gap+3); got != badTile {
		t.Errorf("wrong-length image drawn as %v, want the red bad tile", got)
	}
	lab := Grid(imgs, 3, 8, 8, 2, Options{RowLabels: []string{"recon"}, Title: "A long title for this grid"})
	if lab.Rect.Dx() <= plain.Rect.Dx() || lab.Rect.Dy() <= plain.Rect.Dy() {
		t.Fatalf("labels and title did not enlarge the grid: %v vs %v", lab.Rect, plain.Rect)
	}
	if lab.Rect.Dx() < textWidth("A long title for this grid") {
		t.Errorf("title clipped: width %d", lab.Rect.Dx())
	}
	// Some ink must be in the label column and the title band.
	inked := func(r image.Rectangle) bool {
		for y := r.Min.Y; y < r.Max.Y; y++ {
			for x := r.Min.X; x < r.Max.X; x++ {
				if lab.RGBAAt(x, y) == ink {
					return true
				}
			}
		}
		return false
	}
	if !inked(image.Rect(0, lineH+2*textPad, textWidth("recon")+textPad, lab.Rect.Dy())) {
		t.Error("no row label drawn")
	}
	if !inked(image.Rect(0, 0, lab.Rect.Dx(), lineH+2*textPad)) {
		t.Error("no title drawn")
	}
}

func TestGridDegenerate(t *testing.T) {
	for _, g := range []*image.RGBA{
		Grid(nil, 3, 8, 8, 4, Options{}),
		Grid([][]float32{{1}}, 0, 8, 8, 4, Options{Title: "x"}),
		Grid([][]float32{{1}}, 1, 1, 1, -3, Options{Scale: 1000}),
	} {
		if g.Rect.Empty() {
			t.Error("empty image")
		}
	}
}

func TestWritePNG(t *testing.T) {
	g := Grid([][]float32{solidCHW(3, 3, 3, 0.2, 0.4, 0.6)}, 3, 3, 3, 1, Options{Scale: 2})
	path := filepath.Join(t.TempDir(), "g.png")
	if err := WritePNG(path, g); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	back, err := png.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	if back.Bounds() != g.Bounds() {
		t.Errorf("bounds %v, want %v", back.Bounds(), g.Bounds())
	}
	r, gg, b, _ := back.At(Gap, Gap).RGBA()
	if r>>8 != 51 || gg>>8 != 102 || b>>8 != 153 {
		t.Errorf("pixel %d %d %d", r>>8, gg>>8, b>>8)
	}
	if err := WritePNG(filepath.Join(t.TempDir(), "no", "such", "dir.png"), g); err == nil {
		t.Error("write into a missing folder succeeded")
	}
}
