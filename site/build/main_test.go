package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"fmriface/demo/fixture"
)

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

	if err := build(wasm, data, web, out, goroot); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"index.html", "index.html.gz", "wasm_exec.js", "app.json", "sw.js",
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
	// A second build replaces its own output.
	if err := build(wasm, data, web, out, goroot); err != nil {
		t.Fatalf("rebuild: %v", err)
	}

	// Errors: missing data, a damaged bundle, a foreign output folder.
	if err := build(wasm, filepath.Join(tmp, "nodata"), web, filepath.Join(tmp, "d2"), goroot); err == nil || !strings.Contains(err.Error(), "site-fixture") {
		t.Errorf("missing data: %v", err)
	}
	if err := build(wasm, data, web, web, goroot); err == nil || !strings.Contains(err.Error(), "refusing") {
		t.Errorf("foreign folder: %v", err)
	}
	sub := filepath.Join(data, ix.Subjects[0].Regions.File)
	b, _ := os.ReadFile(sub)
	b[len(b)/2] ^= 1
	os.WriteFile(sub, b, 0o644)
	if err := build(wasm, data, web, filepath.Join(tmp, "d3"), goroot); err == nil || !strings.Contains(err.Error(), "index.json says") {
		t.Errorf("damaged bundle: %v", err)
	}
}
