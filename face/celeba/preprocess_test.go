package celeba

import (
	"image"
	"image/color"
	"math"
	"path/filepath"
	"testing"
)

func TestCropRect(t *testing.T) {
	cases := []struct {
		w, h int
		want image.Rectangle
	}{
		{89, 109, image.Rect(9, 19, 80, 90)}, // side round(71.2) = 71
		{100, 100, image.Rect(10, 10, 90, 90)},
		{200, 100, image.Rect(60, 10, 140, 90)},
		{1, 1, image.Rect(0, 0, 1, 1)},
	}
	for _, c := range cases {
		if got := CropRect(c.w, c.h); got != c.want {
			t.Errorf("CropRect(%d,%d) = %v, want %v", c.w, c.h, got, c.want)
		}
	}
}

// bordered draws a w×h picture that is red outside rect and, inside it, blue
// on the left half and green on the right half.
func bordered(w, h int, rect image.Rectangle) *image.RGBA {
	img := solid(w, h, color.RGBA{255, 0, 0, 255})
	mid := (rect.Min.X + rect.Max.X) / 2
	for y := rect.Min.Y; y < rect.Max.Y; y++ {
		for x := rect.Min.X; x < rect.Max.X; x++ {
			c := color.RGBA{0, 0, 255, 255}
			if x >= mid {
				c = color.RGBA{0, 255, 0, 255}
			}
			img.SetRGBA(x, y, c)
		}
	}
	return img
}

func checkCropped(t *testing.T, what string, px []float32, size int) {
	t.Helper()
	plane := size * size
	for y := 0; y < size; y++ {
		for x := 0; x < size; x++ {
			r, g, b := px[y*size+x], px[plane+y*size+x], px[2*plane+y*size+x]
			if r > 0.05 {
				t.Fatalf("%s: red border visible at (%d,%d): r=%.3f", what, x, y, r)
			}
			// Away from the blue/green seam the halves must be clean.
			switch {
			case x < size/2-2 && (b < 0.9 || g > 0.1):
				t.Fatalf("%s: left half at (%d,%d) is %.2f %.2f %.2f, want blue", what, x, y, r, g, b)
			case x >= size/2+2 && (g < 0.9 || b > 0.1):
				t.Fatalf("%s: right half at (%d,%d) is %.2f %.2f %.2f, want green", what, x, y, r, g, b)
			}
		}
	}
}

func TestPreprocessGeometry(t *testing.T) {
	small := bordered(BaseW, BaseH, image.Rect(9, 19, 80, 90)) // the crop, written out independently of CropRect
	big := image.NewRGBA(image.Rect(0, 0, 2*BaseW, 2*BaseH))   // small, doubled (nearest)
	for y := range 2 * BaseH {
		for x := range 2 * BaseW {
			big.SetRGBA(x, y, small.RGBAAt(x/2, y/2))
		}
	}
	for _, size := range []int{64, 32, 128} {
		a, err := Preprocess(small, size)
		if err != nil {
			t.Fatal(err)
		}
		checkCropped(t, "89×109", a, size)
		b, err := Preprocess(big, size)
		if err != nil {
			t.Fatal(err)
		}
		checkCropped(t, "178×218", b, size)
		// One code path: the full-size picture gives the same result.
		for i := range a {
			if math.Abs(float64(a[i]-b[i])) > 1.0/255+1e-6 {
				t.Fatalf("size %d: 178×218 and 89×109 differ at %d: %v vs %v", size, i, a[i], b[i])
			}
		}
	}
}

// A one-pixel-thicker crop would let the border in: check the border right
// next to the crop is really trimmed by making the crop one pixel smaller.
func TestPreprocessBorderReachesEdge(t *testing.T) {
	crop := CropRect(BaseW, BaseH)
	inner := image.Rect(crop.Min.X+1, crop.Min.Y+1, crop.Max.X-1, crop.Max.Y-1)
	px, err := Preprocess(bordered(BaseW, BaseH, inner), 64)
	if err != nil {
		t.Fatal(err)
	}
	if px[0] < 0.3 { // top-left output pixel now sees red
		t.Errorf("red ring just inside the crop not visible at the corner: r=%.3f", px[0])
	}
}

func TestLoadImageRoundTrip(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "x.jpg")
	writeJPEG(t, path, bordered(BaseW, BaseH, CropRect(BaseW, BaseH)))
	px, err := LoadImage(path, 64)
	if err != nil {
		t.Fatal(err)
	}
	if len(px) != 3*64*64 {
		t.Fatalf("len %d", len(px))
	}
	// JPEG blurs the red edge slightly; the centre must still be clean.
	if m := meanRGB(px, 64); m[0] > 0.05 || m[1] < 0.4 || m[2] < 0.4 {
		t.Errorf("mean colour %v", m)
	}
	for _, bad := range []struct {
		path string
		size int
	}{{filepath.Join(dir, "missing.jpg"), 64}, {path, 0}, {path, MaxSize + 1}} {
		if _, err := LoadImage(bad.path, bad.size); err == nil {
			t.Errorf("LoadImage(%s, %d) gave no error", bad.path, bad.size)
		}
	}
}

func TestDecodeImageRejectsHugeDimensions(t *testing.T) {
	// A PNG header claiming 100000×100000 pixels must be refused before decoding.
	hdr := []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\x0dIHDR\x00\x01\x86\xa0\x00\x01\x86\xa0\x08\x02\x00\x00\x00\x00\x00\x00\x00")
	if _, err := DecodeImage(hdr, "huge.png"); err == nil {
		t.Error("huge image accepted")
	}
}

func TestBoxDown2(t *testing.T) {
	src := image.NewRGBA(image.Rect(0, 0, 4, 2))
	for i := range src.Pix {
		src.Pix[i] = uint8(i * 7)
	}
	dst := boxDown2(src, nil)
	if dst.Rect.Dx() != 2 || dst.Rect.Dy() != 1 {
		t.Fatalf("size %v", dst.Rect)
	}
	// Pixel (0,0) channel 0 averages src bytes 0, 4, 16, 20.
	if want := uint8((0 + 28 + 112 + 140 + 2) / 4); dst.Pix[0] != want {
		t.Errorf("got %d, want %d", dst.Pix[0], want)
	}
}
