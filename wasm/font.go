//go:build js && wasm

package main

import (
	"image"
	"image/color"

	"github.com/hajimehoshi/ebiten/v2"
	"golang.org/x/image/font/basicfont"
)

// bitmapFont draws basicfont.Face7x13 (ASCII) from one atlas image: every
// glyph is a sub-image of the same source, so Ebiten batches a whole screen
// of text into few draw calls. It replaces text/v2, whose shaping library
// would add megabytes to the download for a fixed-width ASCII font.
type bitmapFont struct {
	atlas  *ebiten.Image
	glyphs [96]*ebiten.Image // ' '…'~', then '?' for anything else
	op     ebiten.DrawImageOptions
}

func newBitmapFont() *bitmapFont {
	f := basicfont.Face7x13
	bf := &bitmapFont{atlas: ebiten.NewImageFromImage(f.Mask)}
	h := f.Ascent + f.Descent
	for i := range bf.glyphs {
		bf.glyphs[i] = bf.atlas.SubImage(image.Rect(0, i*h, f.Width, (i+1)*h)).(*ebiten.Image)
	}
	return bf
}

// draw draws s with its top-left corner at (x, y) device pixels, each glyph
// zoomed by the integer scale, in colour c. Newlines start a new 16-pixel line.
func (bf *bitmapFont) draw(dst *ebiten.Image, s string, x, y, scale float64, c color.Color) {
	x0 := x
	for _, r := range s {
		if r == '\n' {
			x = x0
			y += 16 * scale
			continue
		}
		i := int(r) - 0x20
		if i < 0 || i >= 95 {
			i = '?' - 0x20
		}
		if r != ' ' {
			op := &bf.op
			op.GeoM.Reset()
			op.GeoM.Scale(scale, scale)
			op.GeoM.Translate(x, y)
			op.ColorScale.Reset()
			op.ColorScale.ScaleWithColor(c)
			dst.DrawImage(bf.glyphs[i], op)
		}
		x += 7 * scale
	}
}
