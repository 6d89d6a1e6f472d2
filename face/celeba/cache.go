package celeba

import (
	"bufio"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmriface/util/npyfile"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"sync"

	"fmriface/util/atomicfile"
)

// Pixel cache. Two files per (file list, Size) in Options.CacheDir:
//
//	celeba-s64-<key16>.npy   uint8 array (N, 3, S, S): round(pixel*255), lossless because
//	                         the pre-processing ends in 8-bit RGBA (4× smaller than float32)
//	celeba-s64-<key16>.json  cacheIndex: format, full key, size, kept files in order, skipped files
//
// The key is a SHA-256 over PreprocVersion, Size and, per face, its file name,
// size and modification time; any change makes a new key, so a stale cache is
// never read. The .npy is committed before the .json, so a crash between the
// two leaves no index pointing at a missing array.

const cacheFormat = "fmriface/celeba-cache v1"

const maxCacheIndexSize = 64 << 20

type cacheIndex struct {
	Format         string         `json:"format"`
	Key            string         `json:"key"`
	PreprocVersion int            `json:"preproc_version"`
	Size           int            `json:"size"`
	Files          []string       `json:"files"`
	Skipped        []cacheSkipped `json:"skipped"`
}

type cacheSkipped struct {
	File  string `json:"file"`
	Error string `json:"error"`
}

type cached struct {
	faces   []Face
	pixels  []float32
	skipped []Skipped
}

func cacheKey(dir string, faces []Face, size int) string {
	h := sha256.New()
	fmt.Fprintf(h, "%s\npreproc %d\nsize %d\n", cacheFormat, PreprocVersion, size)
	for _, f := range faces {
		st, err := os.Stat(filepath.Join(dir, filepath.FromSlash(f.File)))
		if err != nil {
			// The decoder will skip it; record the failure in the key.
			fmt.Fprintf(h, "%s missing\n", f.File)
			continue
		}
		fmt.Fprintf(h, "%s %d %d\n", f.File, st.Size(), st.ModTime().UnixNano())
	}
	return hex.EncodeToString(h.Sum(nil))
}

func cachePaths(cacheDir, key string, size int) (npyPath, jsonPath string) {
	base := filepath.Join(cacheDir, fmt.Sprintf("celeba-s%d-%s", size, key[:16]))
	return base + ".npy", base + ".json"
}

// readCache returns the cached pixels for exactly these faces, or an error if
// there is no valid cache (missing, stale or damaged files are all a miss, to
// be rebuilt by the caller).
func readCache(cacheDir, key string, faces []Face, size, workers int) (cached, error) {
	npyPath, jsonPath := cachePaths(cacheDir, key, size)
	return readCacheFiles(npyPath, jsonPath, key, faces, size, workers)
}

func readCacheFiles(npyPath, jsonPath, key string, faces []Face, size, workers int) (cached, error) {
	st, err := os.Stat(jsonPath)
	if err != nil {
		return cached{}, err
	}
	if st.Size() > maxCacheIndexSize {
		return cached{}, fmt.Errorf("%s: too large", jsonPath)
	}
	data, err := os.ReadFile(jsonPath)
	if err != nil {
		return cached{}, err
	}
	var ci cacheIndex
	if err := json.Unmarshal(data, &ci); err != nil {
		return cached{}, fmt.Errorf("%s: %w", jsonPath, err)
	}
	if ci.Format != cacheFormat || ci.Key != key || ci.PreprocVersion != PreprocVersion || ci.Size != size {
		return cached{}, fmt.Errorf("%s: stale cache", jsonPath)
	}
	c, err := matchCacheIndex(&ci, faces)
	if err != nil {
		return cached{}, fmt.Errorf("%s: %w", jsonPath, err)
	}
	c.pixels, err = readCachePixels(npyPath, len(c.faces), size, workers)
	if err != nil {
		return cached{}, err
	}
	return c, nil
}

// matchCacheIndex checks that the index's kept and skipped files are exactly
// faces, in order, and splits faces accordingly.
func matchCacheIndex(ci *cacheIndex, faces []Face) (cached, error) {
	if len(ci.Files)+len(ci.Skipped) != len(faces) {
		return cached{}, errors.New("file count does not match")
	}
	skipErr := make(map[string]string, len(ci.Skipped))
	for _, s := range ci.Skipped {
		skipErr[s.File] = s.Error
	}
	var c cached
	c.faces = make([]Face, 0, len(ci.Files))
	k := 0
	for _, f := range faces {
		if msg, ok := skipErr[f.File]; ok {
			c.skipped = append(c.skipped, Skipped{File: f.File, Err: errors.New(msg)})
			continue
		}
		if k >= len(ci.Files) || ci.Files[k] != f.File {
			return cached{}, fmt.Errorf("file list differs at %s", f.File)
		}
		c.faces = append(c.faces, f)
		k++
	}
	if k != len(ci.Files) || len(c.skipped) != len(ci.Skipped) {
		return cached{}, errors.New("file list does not match")
	}
	return c, nil
}

func readCachePixels(path string, n, size, workers int) ([]float32, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	h, off, err := npyfile.ReadHeader(bufio.NewReader(io.NewSectionReader(f, 0, npyfile.MaxHeader+16)))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	want := []int{n, 3, size, size}
	if h.Descr != "|u1" || h.Fortran || !slices.Equal(h.Shape, want) {
		return nil, fmt.Errorf("%s: array is %s %v, want |u1 %v", path, h.Descr, h.Shape, want)
	}
	total := n * 3 * size * size
	if st.Size() != int64(off)+int64(total) {
		return nil, fmt.Errorf("%s: %d bytes, want %d", path, st.Size(), int64(off)+int64(total))
	}
	// Workers convert disjoint stretches; first-touching the large float32
	// array costs as much as the conversion, so both are spread.
	pixels := make([]float32, total)
	if workers <= 0 {
		workers = runtime.NumCPU()
	}
	const chunk = 1 << 20
	nChunks := (total + chunk - 1) / chunk
	errs := make([]error, workers)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			buf := make([]byte, chunk)
			for c := w; c < nChunks; c += workers {
				lo := c * chunk
				m := min(chunk, total-lo)
				if _, err := f.ReadAt(buf[:m], int64(off+lo)); err != nil {
					errs[w] = fmt.Errorf("%s: %w", path, err)
					return
				}
				dst := pixels[lo : lo+m]
				for i, b := range buf[:m] {
					dst[i] = float32(b) / 255
				}
			}
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return pixels, nil
}

func writeCache(cacheDir, key string, d *Dataset) error {
	if err := os.MkdirAll(cacheDir, 0o755); err != nil {
		return fmt.Errorf("celeba: cache folder: %w", err)
	}
	npyPath, jsonPath := cachePaths(cacheDir, key, d.Size)
	f, err := atomicfile.Create(npyPath)
	if err != nil {
		return fmt.Errorf("celeba: cache: %w", err)
	}
	defer f.Abort()
	bw := bufio.NewWriterSize(f, 1<<20)
	if err := npyfile.WriteHeader(bw, "|u1", []int{len(d.Faces), 3, d.Size, d.Size}); err != nil {
		return fmt.Errorf("celeba: write %s: %w", npyPath, err)
	}
	buf := make([]byte, 0, 1<<16)
	for _, p := range d.Pixels {
		buf = append(buf, uint8(math.Round(float64(p)*255)))
		if len(buf) == cap(buf) {
			if _, err := bw.Write(buf); err != nil {
				return fmt.Errorf("celeba: write %s: %w", npyPath, err)
			}
			buf = buf[:0]
		}
	}
	if _, err := bw.Write(buf); err != nil {
		return fmt.Errorf("celeba: write %s: %w", npyPath, err)
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("celeba: write %s: %w", npyPath, err)
	}
	if err := f.Commit(); err != nil {
		return fmt.Errorf("celeba: cache: %w", err)
	}

	ci := cacheIndex{Format: cacheFormat, Key: key, PreprocVersion: PreprocVersion, Size: d.Size,
		Files: make([]string, len(d.Faces)), Skipped: []cacheSkipped{}}
	for i, fc := range d.Faces {
		ci.Files[i] = fc.File
	}
	for _, s := range d.Skipped {
		ci.Skipped = append(ci.Skipped, cacheSkipped{File: s.File, Error: s.Err.Error()})
	}
	data, err := json.MarshalIndent(ci, "", " ")
	if err != nil {
		return fmt.Errorf("celeba: cache index: %w", err)
	}
	if err := atomicfile.WriteFile(jsonPath, data, 0o644); err != nil {
		return fmt.Errorf("celeba: cache: %w", err)
	}
	return nil
}
