package celeba

import (
	"bytes"
	"fmt"
	"image"
	"image/draw"
	_ "image/jpeg" // the dataset format
	_ "image/png"  // accepted by LoadImage for convenience
	"math"
	"os"

	xdraw "golang.org/x/image/draw"
)

// PreprocVersion identifies the pre-processing below. Bump it whenever the
// output pixels change, so that pixel caches are rebuilt.
const PreprocVersion = 1

// Geometry of the paper's pre-processing.
const (
	BaseW      = 89  // width of an aligned CelebA face after 2× downsampling
	BaseH      = 109 // height of the same
	CropFactor = 0.8 // keep the central 80 % of the square (trim 10 % each side)
	// DefaultSize is the model size used when Options.Size is 0.
	DefaultSize = 64
	// MaxSize bounds the output side.
	MaxSize = 1024
)

// Bounds for untrusted image files.
const (
	maxImageFileSize = 32 << 20
	maxImagePixels   = 8192 * 8192
)

// DecodeImage decodes a JPEG (or PNG) held in memory after checking that its
// declared dimensions are sane. name is used in error messages.
func DecodeImage(data []byte, name string) (image.Image, error) {
	cfg, format, err := image.DecodeConfig(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("celeba: decode %s: %w", name, err)
	}
	if cfg.Width < 1 || cfg.Height < 1 || int64(cfg.Width)*int64(cfg.Height) > maxImagePixels {
		return nil, fmt.Errorf("celeba: decode %s: %s image of %d×%d pixels is out of range", name, format, cfg.Width, cfg.Height)
	}
	img, _, err := image.Decode(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("celeba: decode %s: %w", name, err)
	}
	return img, nil
}

// readImageFile reads one image file after checking its size.
func readImageFile(path string) ([]byte, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("celeba: %w", err)
	}
	if !st.Mode().IsRegular() {
		return nil, fmt.Errorf("celeba: %s is not a regular file", path)
	}
	if st.Size() > maxImageFileSize {
		return nil, fmt.Errorf("celeba: %s is %d bytes, more than the %d allowed for an image", path, st.Size(), maxImageFileSize)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("celeba: %w", err)
	}
	return data, nil
}

// LoadImage reads one image file through the same pre-processing as Load and
// returns size×size CHW pixels in [0,1].
func LoadImage(path string, size int) ([]float32, error) {
	if err := checkSize(size); err != nil {
		return nil, err
	}
	data, err := readImageFile(path)
	if err != nil {
		return nil, err
	}
	img, err := DecodeImage(data, path)
	if err != nil {
		return nil, err
	}
	out := make([]float32, 3*size*size)
	preprocessInto(out, img, size)
	return out, nil
}

// Preprocess applies the paper's pre-processing to a decoded image and returns
// size×size CHW pixels in [0,1]. Alpha is ignored (the image is taken as if
// composited on black).
func Preprocess(img image.Image, size int) ([]float32, error) {
	if err := checkSize(size); err != nil {
		return nil, err
	}
	if b := img.Bounds(); b.Empty() {
		return nil, fmt.Errorf("celeba: preprocess: empty image")
	}
	out := make([]float32, 3*size*size)
	preprocessInto(out, img, size)
	return out, nil
}

func checkSize(size int) error {
	if size < 1 || size > MaxSize {
		return fmt.Errorf("celeba: image size %d out of range 1..%d", size, MaxSize)
	}
	return nil
}

// CropRect is the square that the pre-processing keeps from a w×h image (after
// the optional 2× downsampling): the central square of side min(w,h), shrunk by
// CropFactor about its centre, rounded to whole pixels.
func CropRect(w, h int) image.Rectangle {
	side := int(math.Round(CropFactor * float64(min(w, h))))
	side = max(side, 1)
	x0, y0 := (w-side)/2, (h-side)/2
	return image.Rect(x0, y0, x0+side, y0+side)
}

// preprocessInto writes the pre-processed image into dst (len 3*size*size).
func preprocessInto(dst []float32, img image.Image, size int) {
	var p preprocessor
	p.run(dst, img, size)
}

// preprocessor keeps per-goroutine state that can be reused from one image to
// the next: the prepared scaler (its filter taps depend only on the crop and
// output sizes) and the RGBA buffers. It is not safe for concurrent use.
type preprocessor struct {
	scaler          xdraw.Scaler
	sw, sh, dw      int
	rgba, half, out *image.RGBA
}

func (p *preprocessor) run(dst []float32, img image.Image, size int) {
	p.rgba = toRGBAReuse(img, p.rgba)
	src := p.rgba
	if w, h := src.Rect.Dx(), src.Rect.Dy(); w == 2*BaseW && h == 2*BaseH {
		p.half = boxDown2(src, p.half)
		src = p.half
	}
	crop := CropRect(src.Rect.Dx(), src.Rect.Dy())
	if p.scaler == nil || p.sw != crop.Dx() || p.sh != crop.Dy() || p.dw != size {
		p.scaler = xdraw.CatmullRom.NewScaler(size, size, crop.Dx(), crop.Dy())
		p.sw, p.sh, p.dw = crop.Dx(), crop.Dy(), size
		p.out = image.NewRGBA(image.Rect(0, 0, size, size))
	}
	out := p.out
	p.scaler.Scale(out, out.Rect, src, crop, xdraw.Src, nil)
	plane := size * size
	for y := 0; y < size; y++ {
		row := out.Pix[y*out.Stride : y*out.Stride+4*size]
		r := dst[y*size : y*size+size]
		g := dst[plane+y*size : plane+y*size+size]
		b := dst[2*plane+y*size : 2*plane+y*size+size]
		for x := range r {
			r[x] = float32(row[4*x]) / 255
			g[x] = float32(row[4*x+1]) / 255
			b[x] = float32(row[4*x+2]) / 255
		}
	}
}

// toRGBAReuse returns img as an *image.RGBA whose bounds start at (0,0),
// reusing buf's memory when it is large enough.
func toRGBAReuse(img image.Image, buf *image.RGBA) *image.RGBA {
	b := img.Bounds()
	if r, ok := img.(*image.RGBA); ok && b.Min == (image.Point{}) {
		return r
	}
	r := reuseRGBA(buf, b.Dx(), b.Dy())
	draw.Draw(r, r.Rect, img, b.Min, draw.Src)
	return r
}

// reuseRGBA returns a w×h RGBA image backed by buf's pixels if they suffice.
// The contents are not cleared: callers overwrite every pixel.
func reuseRGBA(buf *image.RGBA, w, h int) *image.RGBA {
	if buf != nil && cap(buf.Pix) >= 4*w*h {
		return &image.RGBA{Pix: buf.Pix[:4*w*h], Stride: 4 * w, Rect: image.Rect(0, 0, w, h)}
	}
	return image.NewRGBA(image.Rect(0, 0, w, h))
}

// boxDown2 halves src (bounds at the origin) with a 2×2 box filter (rounded
// mean) into buf's memory if it suffices. An odd last row or column is dropped.
func boxDown2(src, buf *image.RGBA) *image.RGBA {
	w, h := src.Rect.Dx()/2, src.Rect.Dy()/2
	dst := reuseRGBA(buf, w, h)
	for y := 0; y < h; y++ {
		r0 := src.Pix[(2*y)*src.Stride:]
		r1 := src.Pix[(2*y+1)*src.Stride:]
		d := dst.Pix[y*dst.Stride:]
		for x := 0; x < w; x++ {
			for c := 0; c < 4; c++ {
				s := int(r0[8*x+c]) + int(r0[8*x+4+c]) + int(r1[8*x+c]) + int(r1[8*x+4+c])
				d[4*x+c] = uint8((s + 2) / 4)
			}
		}
	}
	return dst
}
