package celeba

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// realDir returns the shared CelebA folder (../shared/faces/celeba relative to
// the repository root) or skips the test when it is absent.
func realDir(t testing.TB) string {
	t.Helper()
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for d := wd; ; d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
			dir := filepath.Join(d, "..", "shared", "faces", "celeba")
			if _, err := os.Stat(dir); err != nil {
				t.Skipf("real CelebA folder absent: %v", err)
			}
			return dir
		}
		if filepath.Dir(d) == d {
			t.Skip("repository root not found")
		}
	}
}

// fakeImage describes one synthetic picture in a fake dataset.
type fakeImage struct {
	sub    string // SmallDir or FullDir
	id     int
	person int
	col    color.RGBA // solid fill
}

// fakeDataset writes a CelebA-style folder with solid-colour JPEGs and label
// files listing every id in imgs (plus extra label-only ids if any).
func fakeDataset(t testing.TB, imgs []fakeImage) string {
	t.Helper()
	dir := t.TempDir()
	for _, sub := range []string{SmallDir, FullDir} {
		if err := os.MkdirAll(filepath.Join(dir, sub), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	var attr, ident strings.Builder
	seen := map[int]bool{}
	var lines []string
	for _, im := range imgs {
		w, h := BaseW, BaseH
		if im.sub == FullDir {
			w, h = 2*BaseW, 2*BaseH
		}
		writeJPEG(t, filepath.Join(dir, im.sub, fmt.Sprintf("%06d.jpg", im.id)), solid(w, h, im.col))
		if seen[im.id] {
			continue
		}
		seen[im.id] = true
		vals := make([]string, 40)
		for j := range vals {
			vals[j] = "-1"
			if (im.id+j)%3 == 0 {
				vals[j] = " 1"
			}
		}
		lines = append(lines, fmt.Sprintf("%06d.jpg %s", im.id, strings.Join(vals, " ")))
		fmt.Fprintf(&ident, "%06d.jpg %d\n", im.id, im.person)
	}
	fmt.Fprintf(&attr, "%d\n%s\n", len(lines), strings.Join(attrNames40, " "))
	for _, l := range lines {
		attr.WriteString(l + "\n")
	}
	writeFile(t, filepath.Join(dir, AttrFile), attr.String())
	writeFile(t, filepath.Join(dir, IdentityFile), ident.String())
	return dir
}

var attrNames40 = strings.Fields(`5_o_Clock_Shadow Arched_Eyebrows Attractive Bags_Under_Eyes Bald Bangs
Big_Lips Big_Nose Black_Hair Blond_Hair Blurry Brown_Hair Bushy_Eyebrows Chubby Double_Chin Eyeglasses
Goatee Gray_Hair Heavy_Makeup High_Cheekbones Male Mouth_Slightly_Open Mustache Narrow_Eyes No_Beard
Oval_Face Pale_Skin Pointy_Nose Receding_Hairline Rosy_Cheeks Sideburns Smiling Straight_Hair Wavy_Hair
Wearing_Earrings Wearing_Hat Wearing_Lipstick Wearing_Necklace Wearing_Necktie Young`)

func solid(w, h int, c color.RGBA) *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for i := 0; i < len(img.Pix); i += 4 {
		img.Pix[i], img.Pix[i+1], img.Pix[i+2], img.Pix[i+3] = c.R, c.G, c.B, 255
	}
	return img
}

func jpegBytes(t testing.TB, img image.Image) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := jpeg.Encode(&b, img, &jpeg.Options{Quality: 100}); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func writeJPEG(t testing.TB, path string, img image.Image) {
	t.Helper()
	if err := os.WriteFile(path, jpegBytes(t, img), 0o644); err != nil {
		t.Fatal(err)
	}
}

func writeFile(t testing.TB, path, s string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(s), 0o644); err != nil {
		t.Fatal(err)
	}
}

// meanRGB is the mean of each channel of a CHW image.
func meanRGB(px []float32, size int) [3]float64 {
	var m [3]float64
	n := size * size
	for c := 0; c < 3; c++ {
		for _, v := range px[c*n : (c+1)*n] {
			m[c] += float64(v)
		}
		m[c] /= float64(n)
	}
	return m
}

func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}
