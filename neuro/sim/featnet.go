package sim

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"sync/atomic"

	"fmriface/face/features"
	"fmriface/util/atomicfile"
	"fmriface/util/npyfile"
	"fmriface/util/progress"
)

// netLevels returns the face-feature network's mid level and embedding of
// the images ids of the pool: rows × (dMid + dHigh), mid first. They are
// cached in cacheDir (when not "") in one file per model and pool, a row per
// pool face, NaN where a face has not been seen yet: every seed of the
// simulation shares it and computes only the faces no earlier run showed
// (about 30 ms a face and core).
func netLevels(ctx context.Context, modelPath, cacheDir string, pool *Pool, ids []int, prog io.Writer) (out []float32, dMid, dHigh int, err error) {
	raw, err := os.ReadFile(modelPath)
	if err != nil {
		return nil, 0, 0, fmt.Errorf("sim: feature model: %w", err)
	}
	mh := sha256.Sum256(raw)
	net, _, err := features.Load(modelPath)
	if err != nil {
		return nil, 0, 0, fmt.Errorf("sim: %w", err)
	}
	cfg := net.Config()
	if cfg.ImageSize != pool.Size {
		return nil, 0, 0, fmt.Errorf("sim: %s takes %d-pixel faces, the pool has %d", modelPath, cfg.ImageSize, pool.Size)
	}
	dMid, dHigh = cfg.MidSize(), cfg.Embed
	d := dMid + dHigh
	ph := sha256.New()
	fmt.Fprintf(ph, "size %d\n", pool.Size)
	for _, f := range pool.Faces {
		fmt.Fprintf(ph, "%s\n", f.Name)
	}
	var cache string
	var all []float32 // the pool's cached rows, or nil without a cache
	if cacheDir != "" {
		cache = filepath.Join(cacheDir, fmt.Sprintf("featnet-%s-pool-%s.npy", hex.EncodeToString(mh[:8]), hex.EncodeToString(ph.Sum(nil)[:8])))
		if all, err = readF32(cache, len(pool.Faces), d); err != nil {
			all = make([]float32, len(pool.Faces)*d)
			for i := range all {
				all[i] = float32(math.NaN())
			}
		}
	}
	out = make([]float32, len(ids)*d)
	var todo []int // positions in ids still to compute
	for k, id := range ids {
		if all == nil || math.IsNaN(float64(all[id*d])) {
			todo = append(todo, k)
		} else {
			copy(out[k*d:(k+1)*d], all[id*d:(id+1)*d])
		}
	}
	if len(todo) == 0 {
		return out, dMid, dHigh, nil
	}
	if err := forwardAll(ctx, modelPath, net, pool, ids, todo, out, dMid, d, prog); err != nil {
		return nil, 0, 0, err
	}
	if all != nil {
		for _, k := range todo {
			copy(all[ids[k]*d:(ids[k]+1)*d], out[k*d:(k+1)*d])
		}
		if err := writeF32(cache, all, len(pool.Faces), d); err != nil {
			return nil, 0, 0, err
		}
	}
	return out, dMid, dHigh, nil
}

// forwardAll runs the network on the faces ids[k] for k in todo, on every
// core, writing row k of out (dMid mid values, then the embedding).
func forwardAll(ctx context.Context, modelPath string, net *features.Net, pool *Pool, ids, todo []int, out []float32, dMid, d int, prog io.Writer) error {
	var bar *progress.Bar
	if prog != nil {
		bar = progress.New(prog, "feature network", len(todo))
	}
	workers := min(runtime.GOMAXPROCS(0), max(1, len(todo)))
	var next atomic.Int64
	var wg sync.WaitGroup
	var once sync.Once
	var firstErr error
	fail := func(e error) { once.Do(func() { firstErr = e }) }
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func(n *features.Net) {
			defer wg.Done()
			if n == nil {
				var e error
				if n, _, e = features.Load(modelPath); e != nil {
					fail(fmt.Errorf("sim: %w", e))
					return
				}
			}
			for {
				j := int(next.Add(1) - 1)
				if j >= len(todo) || firstErr != nil {
					return
				}
				if ctx.Err() != nil {
					fail(ctx.Err())
					return
				}
				k := todo[j]
				a, e := n.Forward(pool.Image(ids[k]))
				if e != nil {
					fail(fmt.Errorf("sim: face %s: %w", pool.Faces[ids[k]].Name, e))
					return
				}
				copy(out[k*d:], a.Mid)
				copy(out[k*d+dMid:], a.Embedding)
				if bar != nil {
					bar.Add(1)
				}
			}
		}(map[bool]*features.Net{true: net}[w == 0])
	}
	wg.Wait()
	if bar != nil {
		bar.Done()
	}
	return firstErr
}

// readF32 reads a rows × cols float32 .npy file.
func readF32(path string, rows, cols int) ([]float32, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	r := bufio.NewReader(f)
	h, _, err := npyfile.ReadHeader(r)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if h.Descr != "<f4" || h.Fortran || len(h.Shape) != 2 || h.Shape[0] != rows || h.Shape[1] != cols {
		return nil, fmt.Errorf("%s: %s %v, want <f4 (%d, %d)", path, h.Descr, h.Shape, rows, cols)
	}
	buf := make([]byte, 4*rows*cols)
	if _, err := io.ReadFull(r, buf); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	out := make([]float32, rows*cols)
	for i := range out {
		out[i] = math.Float32frombits(binary.LittleEndian.Uint32(buf[4*i:]))
	}
	return out, nil
}

// writeF32 writes a rows × cols float32 .npy file atomically.
func writeF32(path string, x []float32, rows, cols int) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fmt.Errorf("sim: cache: %w", err)
	}
	buf := make([]byte, 4*len(x))
	for i, v := range x {
		binary.LittleEndian.PutUint32(buf[4*i:], math.Float32bits(v))
	}
	var hdr bytes.Buffer
	if err := npyfile.WriteHeader(&hdr, "<f4", []int{rows, cols}); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	if err := atomicfile.WriteFile(path, append(hdr.Bytes(), buf...), 0o644); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return nil
}
