package main

import (
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestHandler(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string) {
		t.Helper()
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("index.html", "<!doctype html>")
	write("app.1234.wasm", "\x00asm plain")
	write("app.1234.wasm.gz", "GZIPPED")
	write("app.1234.wasm.br", "BROTLI")
	write("sw.js.gz", "GZ ONLY")
	write("sw.js", "plain sw")
	write("data/index.json", "{}")
	write("data/sub-01.ab.fmb", "bundle")
	write(".secret", "no")
	srv := httptest.NewServer(Handler(dir))
	defer srv.Close()
	for _, tc := range []struct {
		path, accept              string
		status                    int
		ctype, encoding, body, cc string
	}{
		{"/", "", 200, "text/html; charset=utf-8", "", "<!doctype html>", "no-cache"},
		{"/app.1234.wasm", "gzip, deflate, br, zstd", 200, "application/wasm", "br", "BROTLI", "immutable"},
		{"/app.1234.wasm", "gzip, br;q=0", 200, "application/wasm", "gzip", "GZIPPED", "immutable"},
		{"/app.1234.wasm", "br;q=0.1", 200, "application/wasm", "br", "BROTLI", "immutable"},
		{"/sw.js", "gzip, br", 200, "text/javascript; charset=utf-8", "gzip", "GZ ONLY", "no-cache"},
		{"/app.1234.wasm", "", 200, "application/wasm", "", "\x00asm plain", "immutable"},
		{"/app.1234.wasm", "gzip;q=0", 200, "application/wasm", "", "\x00asm plain", "immutable"},
		{"/app.1234.wasm", "deflate, gzip;q=0.5", 200, "application/wasm", "gzip", "GZIPPED", "immutable"},
		{"/data/index.json", "gzip", 200, "application/json", "", "{}", "no-cache"},
		{"/data/sub-01.ab.fmb", "", 200, "application/octet-stream", "", "bundle", "immutable"},
		{"/app.1234.wasm.gz", "", 404, "", "", "", ""},
		{"/app.1234.wasm.br", "br", 404, "", "", "", ""},
		{"/.secret", "", 404, "", "", "", ""},
		{"/../../etc/passwd", "", 404, "", "", "", ""},
		{"/missing.js", "", 404, "", "", "", ""},
	} {
		req, _ := http.NewRequest("GET", srv.URL+tc.path, nil)
		req.Header.Set("Accept-Encoding", tc.accept)
		// A custom Accept-Encoding stops the client's transparent gunzip.
		if tc.accept == "" {
			req.Header.Set("Accept-Encoding", "identity")
		}
		resp, err := http.DefaultTransport.RoundTrip(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != tc.status {
			t.Errorf("%s: status %d, want %d", tc.path, resp.StatusCode, tc.status)
			continue
		}
		if tc.status != 200 {
			continue
		}
		if got := resp.Header.Get("Content-Type"); got != tc.ctype {
			t.Errorf("%s: Content-Type %q, want %q", tc.path, got, tc.ctype)
		}
		if got := resp.Header.Get("Content-Encoding"); got != tc.encoding {
			t.Errorf("%s (Accept-Encoding %q): Content-Encoding %q, want %q", tc.path, tc.accept, got, tc.encoding)
		}
		if string(body) != tc.body {
			t.Errorf("%s: body %q, want %q", tc.path, body, tc.body)
		}
		if !strings.Contains(resp.Header.Get("Cache-Control"), tc.cc) {
			t.Errorf("%s: Cache-Control %q, want %q", tc.path, resp.Header.Get("Cache-Control"), tc.cc)
		}
	}
}

func TestRunRefusesNonLoopback(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "index.html"), []byte("x"), 0o644)
	for _, addr := range []string{"0.0.0.0:0", ":0", "192.168.1.1:0"} {
		if err := run(addr, dir); err == nil || !strings.Contains(err.Error(), "loopback") {
			t.Errorf("run(%q): %v, want a loopback error", addr, err)
		}
	}
	if err := run("127.0.0.1:0", t.TempDir()); err == nil || !strings.Contains(err.Error(), "index.html") {
		t.Errorf("empty folder: %v", err)
	}
}
