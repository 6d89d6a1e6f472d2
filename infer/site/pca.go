package site

import (
	"fmt"
	"strings"

	"fmriface/bundle"
	"fmriface/bundle/quant"
	"fmriface/contract/sitedata"
)

// PCA is the PCA bundle (docs/site-data.md): the paper's pixel PCA baseline,
// the mean image and K components of 3·S·S pixels. A face is
// mean + Σ z_k·component_k, clipped to [0, 1]. The components stay as the
// bundle encodes them (bands of rows, each in its own encoding: the
// high-variance rows wider than the tail): Image reads them in place, and
// Rows dequantizes a block of them for a batch of faces, so the basis costs
// the app its bundle's size and not K·3·S·S floats.
type PCA struct {
	K         int       // components: the PCA latent's length
	ImageSize int       // S: images are 3×S×S, CHW like the generator's
	Mean      []float32 // 3·S·S, the mean image
	bands     []pcaBand
	scratch   []float32 // one row, for bands stored as f16 or f32
}

// pcaBand is rows [r0, r1) of the components, as stored.
type pcaBand struct {
	r0, r1 int
	enc    *encMatrix
}

// maxPCABands bounds the number of bands a PCA bundle may hold (three
// digits in their names).
const maxPCABands = 1000

// D is the number of values of an image, 3·S·S.
func (p *PCA) D() int { return len(p.Mean) }

// Bands returns each band's first row and encoding (for reports and tests).
func (p *PCA) Bands() (rows []int, kinds []quant.Kind) {
	for _, b := range p.bands {
		rows = append(rows, b.r0)
		kinds = append(kinds, b.enc.kind)
	}
	return rows, kinds
}

// Image writes the face of PCA latent z (K values) into img (3·S·S values,
// CHW), clipped to [0, 1] like the generator's (NaN to 0). It does not allocate; it is
// not safe for concurrent use (the bands stored as f16 or f32 share one
// row of scratch).
func (p *PCA) Image(z, img []float32) {
	if len(z) != p.K || len(img) != p.D() {
		panic(fmt.Sprintf("site: PCA.Image: %d latent values and %d pixels for K=%d, D=%d", len(z), len(img), p.K, p.D()))
	}
	p.ImageUnclipped(z, img)
	for i, v := range img {
		switch {
		case v > 1:
			img[i] = 1
		case !(v > 0): // NaN too, where finite values overflow
			img[i] = 0
		}
	}
}

// Rows writes components [r0, r1), dequantized, into dst ((r1−r0)·D values,
// row after row), whichever bands they fall in. It lets a caller draw many
// faces at once, a block of components at a time: each block is decoded
// once for all of them and multiplied with a matrix product, where Image
// reads the whole basis once per face. It does not allocate; it panics on
// rows outside [0, K) or a dst of another size (both come from code: the
// payloads were checked at load).
func (p *PCA) Rows(r0, r1 int, dst []float32) {
	d := p.D()
	if r0 < 0 || r1 < r0 || r1 > p.K || len(dst) != (r1-r0)*d {
		panic(fmt.Sprintf("site: PCA.Rows: rows [%d, %d) of %d into %d values, want %d", r0, r1, p.K, len(dst), (r1-r0)*d))
	}
	for _, b := range p.bands {
		lo, hi := max(r0, b.r0), min(r1, b.r1)
		if lo >= hi {
			continue
		}
		if err := quant.DecodeRows(b.enc.kind, b.enc.shape, b.enc.payload, lo-b.r0, hi-b.r0, dst[(lo-r0)*d:(hi-r0)*d]); err != nil {
			panic(err) // the payloads were checked when the bundle was loaded
		}
	}
}

// ImageUnclipped is Image without the clipping.
func (p *PCA) ImageUnclipped(z, img []float32) {
	copy(img, p.Mean)
	for _, b := range p.bands {
		if err := quant.AxpyRows(b.enc.kind, b.enc.shape, b.enc.payload, 0, b.r1-b.r0, z[b.r0:b.r1], img, p.scratch); err != nil {
			// The payloads were checked when the bundle was loaded.
			panic(err)
		}
	}
}

// LoadPCA parses and checks a PCA bundle; name (the file name) prefixes
// every error.
func LoadPCA(name string, data []byte) (*PCA, error) {
	return loadPCA(name, data, bundle.Parse)
}

// LoadPCAVerified is LoadPCA for bytes already checked against the site's
// index (see LoadModelVerified).
func LoadPCAVerified(name string, data []byte) (*PCA, error) {
	return loadPCA(name, data, bundle.ParseVerified)
}

func loadPCA(name string, data []byte, parse parseFunc) (*PCA, error) {
	b, err := parse(data, bundle.Limits{})
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	p, err := pcaFromBundle(b)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return p, nil
}

func pcaFromBundle(b *bundle.Bundle) (*PCA, error) {
	if kind, err := b.MetaString(bundle.KeyKind); err != nil || kind != sitedata.PCAKind {
		return nil, fmt.Errorf("meta kind = %q, want %q (%v)", kind, sitedata.PCAKind, err)
	}
	k, err := b.MetaInt64("components")
	if err != nil {
		return nil, fmt.Errorf("meta components: %w", err)
	}
	s, err := b.MetaInt64("image_size")
	if err != nil {
		return nil, fmt.Errorf("meta image_size: %w", err)
	}
	if k < 1 || k > maxLatent || s < 1 || s > maxImage {
		return nil, fmt.Errorf("meta components %d / image_size %d outside 1…%d / 1…%d", k, s, maxLatent, maxImage)
	}
	p := &PCA{K: int(k), ImageSize: int(s)}
	d := 3 * p.ImageSize * p.ImageSize
	if err := wantShape(b, "mean", 3, p.ImageSize, p.ImageSize); err != nil {
		return nil, err
	}
	if p.Mean, err = floats(b, "mean", d); err != nil {
		return nil, err
	}
	if err := p.readBands(b, d); err != nil {
		return nil, err
	}
	p.scratch = make([]float32, d)
	return p, nil
}

// readBands reads the component bands basis.000, basis.001, …: consecutive
// numbers, each (rows ≥ 1, d), covering the K rows exactly.
func (p *PCA) readBands(b *bundle.Bundle, d int) error {
	r0 := 0
	for _, name := range b.Names() {
		if !strings.HasPrefix(name, sitedata.PCABandPrefix) {
			continue
		}
		i := len(p.bands)
		if i >= maxPCABands || name != sitedata.PCABandName(i) {
			return fmt.Errorf("tensor %s: want %s%03d (bands numbered from 000, at most %d)", name, sitedata.PCABandPrefix, i, maxPCABands)
		}
		sh, err := shape(b, name, 2)
		if err != nil {
			return err
		}
		if sh[0] < 1 || sh[0] > p.K-r0 || sh[1] != d {
			return fmt.Errorf("tensor %s: shape %v, want (1…%d, %d)", name, sh, p.K-r0, d)
		}
		enc, err := encoded(b, name)
		if err != nil {
			return err
		}
		p.bands = append(p.bands, pcaBand{r0: r0, r1: r0 + sh[0], enc: enc})
		r0 += sh[0]
	}
	if r0 != p.K {
		return fmt.Errorf("tensors %s*: %d rows in %d bands, want the %d components", sitedata.PCABandPrefix, r0, len(p.bands), p.K)
	}
	return nil
}

// LoadPCASubject parses and checks a subject's PCA bundle (kind
// "pca-subject", docs/site-data.md): the layout of a subject bundle, whose
// latents are the k coefficients of the PCA and whose voxels are the PCA
// fit's own. The Subject it returns has Space "pca"; its regions come with
// AddRegions from the subject's PCA regions file.
func LoadPCASubject(name string, data []byte, k int) (*Subject, error) {
	return loadSubject(name, data, k, sitedata.PCASubjectKind, bundle.Parse)
}

// LoadPCASubjectVerified is LoadPCASubject for bytes already checked against
// the site's index (see LoadModelVerified).
func LoadPCASubjectVerified(name string, data []byte, k int) (*Subject, error) {
	return loadSubject(name, data, k, sitedata.PCASubjectKind, bundle.ParseVerified)
}
