package celeba

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path/filepath"
	"runtime"
	"sync"
	"sync/atomic"

	"fmriface/util/progress"
)

// Options control Load.
type Options struct {
	Dir      string    // dataset folder
	Size     int       // output side in pixels (0 = DefaultSize)
	Workers  int       // parallel JPEG decoders (0 = runtime.NumCPU())
	Progress io.Writer // nil = no progress bar
	CacheDir string    // "" = no cache; else keep decoded pixels there (see cache.go)
	Limit    int       // 0 = all; else only the first Limit faces by ID
}

// Skipped names an image that could not be read; it is left out of the Dataset.
type Skipped struct {
	File string // relative to the dataset dir
	Err  error
}

// Dataset is a loaded face set: labels plus pre-processed pixels.
type Dataset struct {
	Dir       string
	Size      int
	AttrNames []string
	Faces     []Face    // sorted by ID; skipped images are not included
	Pixels    []float32 // len(Faces)*3*Size*Size; face i at Image(i)
	Skipped   []Skipped // unreadable/truncated images: skipped, counted, named
	// FromCache tells whether the pixels came from Options.CacheDir.
	FromCache bool
}

// Image returns the CHW pixels of face i (a view into Pixels, not a copy).
func (d *Dataset) Image(i int) []float32 {
	n := 3 * d.Size * d.Size
	return d.Pixels[i*n : (i+1)*n : (i+1)*n]
}

// AttrIndex returns the position of the named attribute (e.g. "Male") in AttrNames.
func (d *Dataset) AttrIndex(name string) (int, error) { return attrIndex(d.AttrNames, name) }

// Load reads the index and decodes, pre-processes and (optionally) caches the
// pixels of every face. Unreadable images are listed in Skipped, not fatal.
func Load(opts Options) (*Dataset, error) {
	size := opts.Size
	if size == 0 {
		size = DefaultSize
	}
	if err := checkSize(size); err != nil {
		return nil, err
	}
	if opts.Limit < 0 {
		return nil, fmt.Errorf("celeba: negative Limit %d", opts.Limit)
	}
	idx, err := LoadIndex(opts.Dir)
	if err != nil {
		return nil, err
	}
	faces := idx.Faces
	if opts.Limit > 0 && opts.Limit < len(faces) {
		faces = faces[:opts.Limit:opts.Limit]
	}
	d := &Dataset{Dir: opts.Dir, Size: size, AttrNames: idx.AttrNames}

	var key string
	if opts.CacheDir != "" {
		key = cacheKey(opts.Dir, faces, size)
		c, err := readCache(opts.CacheDir, key, faces, size, opts.Workers)
		if err == nil {
			d.Faces, d.Pixels, d.Skipped, d.FromCache = c.faces, c.pixels, c.skipped, true
			return d, nil
		}
		if !errors.Is(err, fs.ErrNotExist) && opts.Progress != nil {
			fmt.Fprintf(opts.Progress, "celeba: rebuilding pixel cache: %v\n", err)
		}
	}

	d.Faces, d.Pixels, d.Skipped = decodeAll(opts.Dir, faces, size, opts.Workers, opts.Progress)
	if opts.CacheDir != "" {
		if err := writeCache(opts.CacheDir, key, d); err != nil {
			return nil, err
		}
	}
	return d, nil
}

// decodeAll decodes faces in parallel, then drops the unreadable ones.
func decodeAll(dir string, faces []Face, size, workers int, w io.Writer) ([]Face, []float32, []Skipped) {
	if workers <= 0 {
		workers = runtime.NumCPU()
	}
	n := 3 * size * size
	pixels := make([]float32, len(faces)*n)
	errs := make([]error, len(faces))
	var bar *progress.Bar
	if w != nil {
		bar = progress.New(w, "celeba decode", len(faces))
		bar.SetUnit("img")
	}
	var next atomic.Int64
	var wg sync.WaitGroup
	for range min(workers, max(len(faces), 1)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var p preprocessor
			for {
				i := int(next.Add(1)) - 1
				if i >= len(faces) {
					return
				}
				errs[i] = p.decodeFile(pixels[i*n:(i+1)*n], filepath.Join(dir, filepath.FromSlash(faces[i].File)), size)
				if bar != nil {
					bar.Add(1)
				}
			}
		}()
	}
	wg.Wait()
	if bar != nil {
		bar.Done()
	}

	// Compact in place: kept faces move down over skipped ones.
	var skipped []Skipped
	kept := make([]Face, 0, len(faces))
	for i, f := range faces {
		if errs[i] != nil {
			skipped = append(skipped, Skipped{File: f.File, Err: errs[i]})
			continue
		}
		j := len(kept)
		if j != i {
			copy(pixels[j*n:(j+1)*n], pixels[i*n:(i+1)*n])
		}
		kept = append(kept, f)
	}
	return kept, pixels[: len(kept)*n : len(kept)*n], skipped
}

func (p *preprocessor) decodeFile(dst []float32, path string, size int) error {
	data, err := readImageFile(path)
	if err != nil {
		return err
	}
	img, err := DecodeImage(data, path)
	if err != nil {
		return err
	}
	p.run(dst, img, size)
	return nil
}
