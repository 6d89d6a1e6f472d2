package imgrid

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"math"

	"golang.org/x/image/font"
	"golang.org/x/image/font/basicfont"
	"golang.org/x/image/math/fixed"

	"fmriface/util/atomicfile"
)

// Gap is the space between tiles and around the grid, in output pixels.
const Gap = 2

// MaxScale bounds Options.Scale.
const MaxScale = 64

// Options decorate a grid.
type Options struct {
	Scale     int      // integer nearest-neighbour magnification (0 = 1)
	RowLabels []string // text left of each row (missing entries are blank)
	Title     string   // text above the grid
}

var (
	background = color.RGBA{255, 255, 255, 255}
	ink        = color.RGBA{0, 0, 0, 255}
	badTile    = color.RGBA{220, 0, 0, 255}
)

const (
	charW   = 7  // basicfont.Face7x13 advance
	lineH   = 13 // basicfont.Face7x13 height
	ascent  = 11
	textPad = 4
)

// Grid draws images (each c×h×w, channel-major) in rows of cols tiles
// (cols ≤ 0: a near-square layout). An image whose length is not c·h·w is drawn
// as a red tile with a white cross rather than failing, so that one bad input
// does not lose a whole report figure. With c, h or w below 1 no tile can be
// drawn and the result holds only the title.
func Grid(images [][]float32, c, h, w int, cols int, opts Options) *image.RGBA {
	scale := opts.Scale
	if scale < 1 {
		scale = 1
	}
	scale = min(scale, MaxScale)
	n := len(images)
	if c < 1 || h < 1 || w < 1 {
		n, h, w = 0, 0, 0
	}
	if cols <= 0 {
		cols = int(math.Ceil(math.Sqrt(float64(n))))
	}
	cols = max(1, min(cols, max(n, 1)))
	rows := (n + cols - 1) / cols

	labelW := 0
	for _, l := range opts.RowLabels {
		labelW = max(labelW, textWidth(l))
	}
	if labelW > 0 {
		labelW += 2 * textPad
	}
	titleH := 0
	if opts.Title != "" {
		titleH = lineH + 2*textPad
	}
	tw, th := w*scale, h*scale
	gridW := Gap + cols*(tw+Gap)
	gridH := Gap + rows*(th+Gap)
	W := max(labelW+gridW, textWidth(opts.Title)+2*textPad, 1)
	H := max(titleH+gridH, 1)

	img := image.NewRGBA(image.Rect(0, 0, W, H))
	draw.Draw(img, img.Rect, image.NewUniform(background), image.Point{}, draw.Src)
	if opts.Title != "" {
		drawText(img, opts.Title, textPad, textPad+ascent)
	}
	for r := 0; r < rows && r < len(opts.RowLabels); r++ {
		y := titleH + Gap + r*(th+Gap) + th/2 + ascent/2
		drawText(img, opts.RowLabels[r], textPad, y)
	}
	for i := 0; i < n; i++ {
		x0 := labelW + Gap + (i%cols)*(tw+Gap)
		y0 := titleH + Gap + (i/cols)*(th+Gap)
		tile := image.Rect(x0, y0, x0+tw, y0+th)
		if len(images[i]) != c*h*w {
			drawBad(img, tile)
			continue
		}
		drawTile(img, tile, images[i], c, h, w, scale)
	}
	return img
}

func textWidth(s string) int { return charW * len([]rune(s)) }

func drawText(img *image.RGBA, s string, x, baseline int) {
	d := font.Drawer{Dst: img, Src: image.NewUniform(ink), Face: basicfont.Face7x13, Dot: fixed.P(x, baseline)}
	d.DrawString(s)
}

// toByte maps a value in [0,1] to 0..255, clipping; NaN gives 0.
func toByte(v float32) uint8 {
	switch {
	case !(v > 0):
		return 0
	case v >= 1:
		return 255
	}
	return uint8(v*255 + 0.5)
}

func drawTile(img *image.RGBA, tile image.Rectangle, px []float32, c, h, w, scale int) {
	plane := h * w
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			i := y*w + x
			var col color.RGBA
			if c >= 3 {
				col = color.RGBA{toByte(px[i]), toByte(px[plane+i]), toByte(px[2*plane+i]), 255}
			} else {
				g := toByte(px[i])
				col = color.RGBA{g, g, g, 255}
			}
			for dy := 0; dy < scale; dy++ {
				for dx := 0; dx < scale; dx++ {
					img.SetRGBA(tile.Min.X+x*scale+dx, tile.Min.Y+y*scale+dy, col)
				}
			}
		}
	}
}

func drawBad(img *image.RGBA, tile image.Rectangle) {
	draw.Draw(img, tile, image.NewUniform(badTile), image.Point{}, draw.Src)
	w, h := tile.Dx(), tile.Dy()
	for k := 0; k < max(w, h); k++ {
		x, y := k*w/max(w, h), k*h/max(w, h)
		img.SetRGBA(tile.Min.X+x, tile.Min.Y+y, background)
		img.SetRGBA(tile.Max.X-1-x, tile.Min.Y+y, background)
	}
}

// WritePNG encodes img as PNG and writes it atomically to path (the folder must exist).
func WritePNG(path string, img image.Image) error {
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		return fmt.Errorf("imgrid: encode %s: %w", path, err)
	}
	if err := atomicfile.WriteFile(path, b.Bytes(), 0o644); err != nil {
		return fmt.Errorf("imgrid: %w", err)
	}
	return nil
}
