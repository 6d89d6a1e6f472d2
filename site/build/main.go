// Command build assembles the static site in one folder (site/dist by
// default): the page (site/web), wasm_exec.js from the Go installation, the
// app's WebAssembly binary under a content-hashed name with its manifest
// app.json, the site data (index.json and the bundles it lists, each checked
// against its size and SHA-256), and gzip and brotli copies of every
// compressible file for servers that serve precompressed files (site/serve,
// Caddy's precompressed, nginx's gzip_static/brotli_static). make site runs it:
//
//	go run ./site/build -wasm app.wasm -data out/site-data -out site/dist [-brotli 11] [-cache out/site/brotli-cache]
//
// It prints each file's size raw, gzipped and in brotli, and what a browser
// transfers in all and before the first decoded face.
package main

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/andybalholm/brotli"

	"fmriface/contract/sitedata"
	"fmriface/util/atomicfile"
)

// marker marks a folder this command made, so that it only ever empties its
// own output.
const marker = ".fmriface-dist"

func main() {
	wasm := flag.String("wasm", "", "the built app (GOOS=js GOARCH=wasm go build ./wasm)")
	data := flag.String("data", "out/site-data", "site data folder (index.json and bundles)")
	web := flag.String("web", "site/web", "page sources")
	out := flag.String("out", "site/dist", "output folder (emptied first)")
	goroot := flag.String("goroot", runtime.GOROOT(), "Go installation holding lib/wasm/wasm_exec.js")
	quality := flag.Int("brotli", 11, "brotli quality of the .br copies, 0–11; -1: none")
	cache := flag.String("cache", "out/site/brotli-cache", "folder that keeps brotli copies between builds; empty: none")
	flag.Parse()
	if *quality > 11 {
		fmt.Fprintln(os.Stderr, "site/build: -brotli is at most 11")
		os.Exit(2)
	}
	if err := build(*wasm, *data, *web, *out, *goroot, compression{brotli: *quality, cacheDir: *cache}); err != nil {
		fmt.Fprintln(os.Stderr, "site/build:", err)
		os.Exit(1)
	}
}

func build(wasm, data, web, out, goroot string, opt compression) error {
	if wasm == "" {
		return errors.New("-wasm is required")
	}
	ix, err := checkData(data)
	if err != nil {
		return err
	}
	if err := resetDir(out); err != nil {
		return err
	}
	// The app, under a content-hashed name.
	bin, err := os.ReadFile(wasm)
	if err != nil {
		return err
	}
	sum := sha256.Sum256(bin)
	h := hex.EncodeToString(sum[:])
	appName := "app." + h[:12] + ".wasm"
	if err := atomicfile.WriteFile(filepath.Join(out, appName), bin, 0o644); err != nil {
		return err
	}
	manifest, _ := json.MarshalIndent(map[string]any{
		"wasm": appName, "bytes": len(bin), "sha256": h, "go": runtime.Version(),
	}, "", "  ")
	if err := atomicfile.WriteFile(filepath.Join(out, "app.json"), append(manifest, '\n'), 0o644); err != nil {
		return err
	}
	// The page; the service worker's cache name follows the build.
	shell := sha256.New()
	shell.Write(sum[:])
	entries, err := os.ReadDir(web)
	if err != nil {
		return err
	}
	files := map[string][]byte{}
	for _, e := range entries {
		if e.IsDir() {
			continue
		}
		b, err := os.ReadFile(filepath.Join(web, e.Name()))
		if err != nil {
			return err
		}
		files[e.Name()] = b
	}
	wasmExec, err := os.ReadFile(filepath.Join(goroot, "lib", "wasm", "wasm_exec.js"))
	if err != nil {
		return fmt.Errorf("wasm_exec.js: %w (is -goroot right?)", err)
	}
	files["wasm_exec.js"] = wasmExec
	names := make([]string, 0, len(files))
	for n := range files {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		shell.Write([]byte(n))
		shell.Write(files[n])
	}
	build := hex.EncodeToString(shell.Sum(nil))[:12]
	for _, n := range names {
		b := files[n]
		if n == "sw.js" {
			b = bytes.ReplaceAll(b, []byte("__BUILD__"), []byte(build))
		}
		if err := atomicfile.WriteFile(filepath.Join(out, n), b, 0o644); err != nil {
			return err
		}
	}
	// The data.
	if err := os.MkdirAll(filepath.Join(out, "data"), 0o755); err != nil {
		return err
	}
	dataFiles := []string{"index.json"}
	for _, r := range ix.Files() {
		dataFiles = append(dataFiles, r.File)
	}
	for _, n := range dataFiles {
		b, err := os.ReadFile(filepath.Join(data, n))
		if err != nil {
			return err
		}
		if err := atomicfile.WriteFile(filepath.Join(out, "data", n), b, 0o644); err != nil {
			return err
		}
	}
	if opt.cacheDir != "" {
		pruneCache(opt.cacheDir)
	}
	return compressAll(out, ix, opt)
}

// checkData reads index.json and checks every listed file's size and SHA-256,
// so that a broken export fails here rather than in a visitor's browser.
func checkData(dir string) (*sitedata.Index, error) {
	raw, err := os.ReadFile(filepath.Join(dir, "index.json"))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("no site data in %s (index.json missing).\n"+
			"  Real data:    export the trained model and the subjects' decoders with the exporter (go run ./exporter), writing to %s\n"+
			"  Test fixture: make site-fixture (random untrained model, synthetic subjects: NOT results), then make site SITE_DATA=out/site-fixture", dir, dir)
	}
	if err != nil {
		return nil, err
	}
	ix, err := sitedata.ParseIndex(raw)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", dir, err)
	}
	for _, r := range ix.Files() {
		p := filepath.Join(dir, r.File)
		b, err := os.ReadFile(p)
		if err != nil {
			return nil, err
		}
		sum := sha256.Sum256(b)
		if int64(len(b)) != r.Bytes || hex.EncodeToString(sum[:]) != r.SHA256 {
			return nil, fmt.Errorf("%s: %d bytes with SHA-256 %x, but index.json says %d bytes, %s", p, len(b), sum, r.Bytes, r.SHA256)
		}
	}
	return ix, nil
}

// resetDir empties out, which must be absent, empty or made by this command.
func resetDir(out string) error {
	entries, err := os.ReadDir(out)
	switch {
	case errors.Is(err, fs.ErrNotExist):
	case err != nil:
		return err
	case len(entries) > 0:
		if _, err := os.Stat(filepath.Join(out, marker)); err != nil {
			return fmt.Errorf("%s is not empty and was not made by site/build; refusing to empty it", out)
		}
		if err := os.RemoveAll(out); err != nil {
			return err
		}
	}
	if err := os.MkdirAll(out, 0o755); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(out, marker), []byte("made by go run ./site/build; emptied on every build\n"), 0o644)
}

// compressAll writes name.gz and name.br beside every compressible file
// where they save at least 5 %, and prints the sizes: what a browser that
// accepts brotli transfers in all and before the first face (the app, the
// page, the generator and the first subject's bundle). Brotli at quality 11
// takes about 30 s for the 11 MB app, so its copies are kept in cacheDir
// under their content's hash (empty: no cache), and files are compressed on
// all cores.
func compressAll(out string, ix *sitedata.Index, opt compression) error {
	var names []string
	err := filepath.WalkDir(out, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || filepath.Base(p) == marker || strings.HasSuffix(p, ".gz") || strings.HasSuffix(p, ".br") {
			return err
		}
		rel, _ := filepath.Rel(out, p)
		names = append(names, filepath.ToSlash(rel))
		return nil
	})
	if err != nil {
		return err
	}
	sort.Strings(names)
	rows := make([]sizes, len(names))
	errs := make([]error, len(names))
	work := make(chan int)
	var wg sync.WaitGroup
	for range max(1, runtime.NumCPU()) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range work {
				rows[i], errs[i] = compressFile(filepath.Join(out, filepath.FromSlash(names[i])), opt)
			}
		}()
	}
	for i := range names {
		work <- i
	}
	close(work)
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return err
	}

	// Before the first face the page needs everything but the data, plus
	// index.json, the generator and the first subject's bundle.
	first := map[string]bool{"data/index.json": true, "data/" + ix.Generator.File: true}
	if len(ix.Subjects) > 0 {
		first["data/"+ix.Subjects[0].File] = true
	}
	var all, before sizes
	fmt.Printf("%-44s %12s %12s %12s\n", "file", "bytes", "gzip", "brotli")
	for i, r := range rows {
		fmt.Printf("%-44s %12d %12d %12d\n", names[i], r.raw, r.gz, r.br)
		all.add(r)
		if !strings.HasPrefix(names[i], "data/") || first[names[i]] {
			before.add(r)
		}
	}
	fmt.Printf("%-44s %12d %12d %12d\n", "total", all.raw, all.gz, all.br)
	fmt.Printf("%-44s %12d %12d %12d\n", "before the first face", before.raw, before.gz, before.br)
	fmt.Printf("transfer with brotli: %.2f MB in all, %.2f MB before the first face (gzip only: %.2f, %.2f)\n",
		float64(all.br)/1e6, float64(before.br)/1e6, float64(all.gz)/1e6, float64(before.gz)/1e6)
	return nil
}

// compression says how compressAll makes its brotli copies.
type compression struct {
	brotli   int    // quality 0–11; negative: no brotli copies
	cacheDir string // where brotli copies are kept by content hash; "": nowhere
}

// sizes are one file's (or a sum's) bytes as stored and as each encoding
// would send them; an encoding that was not worth writing counts as raw.
type sizes struct{ raw, gz, br int64 }

func (s *sizes) add(r sizes) { s.raw += r.raw; s.gz += r.gz; s.br += r.br }

// compressFile writes p.gz and p.br where each saves at least 5 %.
func compressFile(p string, opt compression) (sizes, error) {
	b, err := os.ReadFile(p)
	if err != nil {
		return sizes{}, err
	}
	r := sizes{raw: int64(len(b)), gz: int64(len(b)), br: int64(len(b))}
	worth := func(n int) bool { return n < len(b)*95/100 }

	var gz bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&gz, gzip.BestCompression)
	zw.Write(b)
	if err := zw.Close(); err != nil {
		return r, fmt.Errorf("gzip %s: %w", p, err)
	}
	if worth(gz.Len()) {
		if err := atomicfile.WriteFile(p+".gz", gz.Bytes(), 0o644); err != nil {
			return r, err
		}
		r.gz = int64(gz.Len())
	}
	r.br = r.gz // a browser without brotli support gets gzip
	if opt.brotli < 0 {
		return r, nil
	}
	br, err := brotliCached(b, opt)
	if err != nil {
		return r, fmt.Errorf("brotli %s: %w", p, err)
	}
	if worth(len(br)) && len(br) < gz.Len() {
		if err := atomicfile.WriteFile(p+".br", br, 0o644); err != nil {
			return r, err
		}
		r.br = int64(len(br))
	}
	return r, nil
}

// brotliCached compresses b, or reads the copy an earlier build left in the
// cache. A cached copy is checked by decompressing it, which is fast.
func brotliCached(b []byte, opt compression) ([]byte, error) {
	sum := sha256.Sum256(b)
	cached := ""
	if opt.cacheDir != "" {
		cached = filepath.Join(opt.cacheDir, fmt.Sprintf("%x.q%d.br", sum[:16], opt.brotli))
		if c, err := os.ReadFile(cached); err == nil {
			if d, err := io.ReadAll(io.LimitReader(brotli.NewReader(bytes.NewReader(c)), int64(len(b))+1)); err == nil && bytes.Equal(d, b) {
				now := time.Now()
				os.Chtimes(cached, now, now) // recently used: kept by pruneCache
				return c, nil
			}
		}
	}
	var buf bytes.Buffer
	w := brotli.NewWriterOptions(&buf, brotli.WriterOptions{Quality: opt.brotli, LGWin: 24})
	w.Write(b)
	if err := w.Close(); err != nil {
		return nil, err
	}
	if cached != "" {
		if err := os.MkdirAll(opt.cacheDir, 0o755); err != nil {
			return nil, err
		}
		if err := atomicfile.WriteFile(cached, buf.Bytes(), 0o644); err != nil {
			return nil, err
		}
	}
	return buf.Bytes(), nil
}

// pruneCache removes cached copies no build has used for a week.
func pruneCache(dir string) {
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if info, err := e.Info(); err == nil && strings.HasSuffix(e.Name(), ".br") && time.Since(info.ModTime()) > 7*24*time.Hour {
			os.Remove(filepath.Join(dir, e.Name()))
		}
	}
}
