// Command build assembles the static site in one folder (site/dist by
// default): the page (site/web), wasm_exec.js from the Go installation, the
// app's WebAssembly binary under a content-hashed name with its manifest
// app.json, the site data (index.json and the bundles it lists, each checked
// against its size and SHA-256), and a gzip copy of every compressible file for
// servers that serve precompressed files. make site runs it:
//
//	go run ./site/build -wasm app.wasm -data out/site-data -out site/dist
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
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"

	"fmriface/atomicfile"
	"fmriface/demo"
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
	flag.Parse()
	if err := build(*wasm, *data, *web, *out, *goroot); err != nil {
		fmt.Fprintln(os.Stderr, "site/build:", err)
		os.Exit(1)
	}
}

func build(wasm, data, web, out, goroot string) error {
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
	return compressAll(out)
}

// checkData reads index.json and checks every listed file's size and SHA-256,
// so that a broken export fails here rather than in a visitor's browser.
func checkData(dir string) (*demo.Index, error) {
	raw, err := os.ReadFile(filepath.Join(dir, "index.json"))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("no site data in %s (index.json missing).\n"+
			"  Real data:    export the trained model and the subjects' decoders with the exporter (go run ./exporter), writing to %s\n"+
			"  Test fixture: make site-fixture (random untrained model, synthetic subjects: NOT results), then make site SITE_DATA=out/site-fixture", dir, dir)
	}
	if err != nil {
		return nil, err
	}
	ix, err := demo.ParseIndex(raw)
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

// compressAll writes name.gz beside every compressible file where it saves
// at least 5 %, and prints the sizes.
func compressAll(out string) error {
	type row struct {
		name    string
		raw, gz int64
	}
	var rows []row
	err := filepath.WalkDir(out, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || strings.HasSuffix(p, ".gz") || filepath.Base(p) == marker {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(out, p)
		r := row{name: rel, raw: int64(len(b)), gz: int64(len(b))}
		var buf bytes.Buffer
		zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
		zw.Write(b)
		if err := zw.Close(); err != nil {
			return err
		}
		if buf.Len() < len(b)*95/100 {
			if err := atomicfile.WriteFile(p+".gz", buf.Bytes(), 0o644); err != nil {
				return err
			}
			r.gz = int64(buf.Len())
		}
		rows = append(rows, r)
		return nil
	})
	if err != nil {
		return err
	}
	var raw, gz int64
	fmt.Printf("%-40s %12s %12s\n", "file", "bytes", "gzip")
	for _, r := range rows {
		fmt.Printf("%-40s %12d %12d\n", r.name, r.raw, r.gz)
		raw += r.raw
		gz += r.gz
	}
	fmt.Printf("%-40s %12d %12d   (transfer with gzip: %.2f MB)\n", "total", raw, gz, float64(gz)/1e6)
	return nil
}
