package main

import (
	"bytes"
	"compress/gzip"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/andybalholm/brotli"

	"fmriface/site/fixture"
)

// decompress reads a .gz or .br file whole.
func decompress(t *testing.T, p string) []byte {
	t.Helper()
	f, err := os.Open(p)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var r io.Reader = brotli.NewReader(f)
	if strings.HasSuffix(p, ".gz") {
		if r, err = gzip.NewReader(f); err != nil {
			t.Fatalf("%s: %v", p, err)
		}
	}
	b, err := io.ReadAll(r)
	if err != nil {
		t.Fatalf("%s: %v", p, err)
	}
	return b
}

func TestBuild(t *testing.T) {
	tmp := t.TempDir()
	data := filepath.Join(tmp, "data")
	ix, err := fixture.Write(data, fixture.Options{Voxels: 120, Subjects: 1, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	web := filepath.Join(tmp, "web")
	os.MkdirAll(web, 0o755)
	os.WriteFile(filepath.Join(web, "index.html"), []byte(strings.Repeat("<p>page</p>\n", 100)), 0o644)
	os.WriteFile(filepath.Join(web, "sw.js"), []byte(`const SHELL = "fmriface-shell-__BUILD__";`), 0o644)
	goroot := filepath.Join(tmp, "goroot")
	os.MkdirAll(filepath.Join(goroot, "lib", "wasm"), 0o755)
	os.WriteFile(filepath.Join(goroot, "lib", "wasm", "wasm_exec.js"), []byte("// go"), 0o644)
	wasm := filepath.Join(tmp, "app.wasm")
	os.WriteFile(wasm, []byte("\x00asm"+strings.Repeat("x", 1000)), 0o644)
	out := filepath.Join(tmp, "dist")
	cache := filepath.Join(tmp, "cache")
	opt := compression{brotli: 5, cacheDir: cache}

	if err := build(wasm, data, web, out, goroot, opt); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"index.html", "index.html.gz", "index.html.br", "wasm_exec.js", "app.json", "sw.js",
		"data/index.json", "data/" + ix.Generator.File, "data/" + ix.Subjects[0].File, "data/" + ix.Subjects[0].Regions.File} {
		if _, err := os.Stat(filepath.Join(out, name)); err != nil {
			t.Errorf("missing %s", name)
		}
	}
	manifest, _ := os.ReadFile(filepath.Join(out, "app.json"))
	if !strings.Contains(string(manifest), `"wasm": "app.`) {
		t.Errorf("app.json: %s", manifest)
	}
	sw, _ := os.ReadFile(filepath.Join(out, "sw.js"))
	if strings.Contains(string(sw), "__BUILD__") {
		t.Error("sw.js cache name not stamped")
	}
	// The compressed copies hold the file.
	page, _ := os.ReadFile(filepath.Join(out, "index.html"))
	for _, enc := range []string{".gz", ".br"} {
		if got := decompress(t, filepath.Join(out, "index.html"+enc)); !bytes.Equal(got, page) {
			t.Errorf("index.html%s does not decompress to index.html", enc)
		}
	}
	cached, _ := os.ReadDir(cache)
	if len(cached) == 0 {
		t.Fatal("no brotli copies cached")
	}

	// A second build replaces its own output and takes the brotli copies from
	// the cache, except a damaged one, which it makes again.
	damaged := filepath.Join(cache, cached[0].Name())
	os.WriteFile(damaged, []byte("not brotli"), 0o644)
	if err := build(wasm, data, web, out, goroot, opt); err != nil {
		t.Fatalf("rebuild: %v", err)
	}
	if again, _ := os.ReadDir(cache); len(again) != len(cached) {
		t.Errorf("cache holds %d copies after a rebuild of the same files, want %d", len(again), len(cached))
	}
	if b, _ := os.ReadFile(damaged); string(b) == "not brotli" {
		t.Error("damaged cache entry kept")
	}
	if got := decompress(t, filepath.Join(out, "index.html.br")); !bytes.Equal(got, page) {
		t.Error("index.html.br wrong after a rebuild from the cache")
	}

	// Without brotli there are no .br copies.
	plain := filepath.Join(tmp, "plain")
	if err := build(wasm, data, web, plain, goroot, compression{brotli: -1}); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(plain, "index.html.br")); err == nil {
		t.Error("-brotli -1 wrote a .br copy")
	}

	// Errors: missing data, a damaged bundle, a foreign output folder.
	if err := build(wasm, filepath.Join(tmp, "nodata"), web, filepath.Join(tmp, "d2"), goroot, opt); err == nil || !strings.Contains(err.Error(), "site-fixture") {
		t.Errorf("missing data: %v", err)
	}
	if err := build(wasm, data, web, web, goroot, opt); err == nil || !strings.Contains(err.Error(), "refusing") {
		t.Errorf("foreign folder: %v", err)
	}
	sub := filepath.Join(data, ix.Subjects[0].Regions.File)
	b, _ := os.ReadFile(sub)
	b[len(b)/2] ^= 1
	os.WriteFile(sub, b, 0o644)
	if err := build(wasm, data, web, filepath.Join(tmp, "d3"), goroot, opt); err == nil || !strings.Contains(err.Error(), "index.json says") {
		t.Errorf("damaged bundle: %v", err)
	}
}
