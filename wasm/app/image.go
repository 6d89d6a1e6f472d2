package app

import (
	"fmt"
	"time"
)

// Image is a read-only handle on one face of the screen: its pixels,
// whether they are drawn yet, and a version that changes whenever they do,
// so that a view re-uploads them only then. Two handles are equal when they
// name the same slot, so a view may key its textures by them. The zero
// Image is a face not drawn.
type Image struct{ b *imageBuf }

// imageBuf is the pixels of one face, filled in by a job.
type imageBuf struct {
	rgba    []byte
	ready   bool
	version int           // bumped whenever rgba changes
	elapsed time.Duration // compute time of the decode (pattern → latent → image)
}

func (b *imageBuf) handle() Image { return Image{b} }

// Ready reports whether the face is drawn.
func (im Image) Ready() bool { return im.b != nil && im.b.ready }

// Version changes whenever the pixels do.
func (im Image) Version() int {
	if im.b == nil {
		return 0
	}
	return im.b.version
}

// Elapsed is the compute time of the face: pattern → latent → image.
func (im Image) Elapsed() time.Duration {
	if im.b == nil {
		return 0
	}
	return im.b.elapsed
}

// RGBA returns the pixels, side×side×4 bytes (Model.ImageSize); the caller
// must not modify them.
func (im Image) RGBA() []byte {
	if im.b == nil {
		return nil
	}
	return im.b.rgba
}

// Ms formats a duration in milliseconds with one decimal.
func Ms(d time.Duration) string { return fmt.Sprintf("%.1f ms", float64(d)/float64(time.Millisecond)) }

func (a *App) newRGBA() []byte {
	s := a.model.ImageSize()
	return make([]byte, 4*s*s)
}

// images resizes a slice of images to n, keeping existing buffers.
func (a *App) images(im []imageBuf, n int) []imageBuf {
	for len(im) < n {
		im = append(im, imageBuf{rgba: a.newRGBA()})
	}
	return im[:n]
}
