// Command serve serves the built site (site/dist) on the loopback interface
// for local use: the right MIME types (application/wasm above all), the
// precompressed name.br or name.gz copy when the browser accepts brotli or
// gzip (brotli first: it makes the app a quarter smaller), no caching of the
// small manifests and long caching of the content-hashed files.
//
//	go run ./site/serve [-addr 127.0.0.1:8080] [-dir site/dist]
//
// It prints the URL once it listens (-addr 127.0.0.1:0 picks a free port).
package main

import (
	"errors"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"path"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:8080", "listen address; must be a loopback address")
	dir := flag.String("dir", "site/dist", "folder to serve")
	flag.Parse()
	if err := run(*addr, *dir); err != nil {
		fmt.Fprintln(os.Stderr, "serve:", err)
		os.Exit(1)
	}
}

func run(addr, dir string) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return err
	}
	if ip := net.ParseIP(host); host != "localhost" && (ip == nil || !ip.IsLoopback()) {
		return fmt.Errorf("address %s is not a loopback address: this server is for local use only", addr)
	}
	if st, err := os.Stat(filepath.Join(dir, "index.html")); err != nil || st.IsDir() {
		return fmt.Errorf("%s has no index.html: build the site first (make site)", dir)
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	fmt.Printf("serving %s at http://%s/\n", dir, ln.Addr())
	srv := &http.Server{Handler: Handler(dir), ReadHeaderTimeout: 10 * time.Second}
	return srv.Serve(ln)
}

// mimeTypes are set explicitly: a system's mime.types may lack .wasm, and
// WebAssembly.instantiateStreaming needs application/wasm.
func mimeType(name string) string {
	switch path.Ext(name) {
	case ".html":
		return "text/html; charset=utf-8"
	case ".js":
		return "text/javascript; charset=utf-8"
	case ".css":
		return "text/css; charset=utf-8"
	case ".json":
		return "application/json"
	case ".wasm":
		return "application/wasm"
	case ".png":
		return "image/png"
	case ".svg":
		return "image/svg+xml"
	}
	return "application/octet-stream" // .fmb bundles and anything else
}

// Handler serves dir.
func Handler(dir string) http.Handler {
	root := http.Dir(dir)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		name := path.Clean("/" + r.URL.Path)
		if strings.HasSuffix(name, "/") {
			name += "index.html"
		}
		if strings.HasSuffix(name, ".gz") || strings.HasSuffix(name, ".br") || strings.Contains(name, "/.") {
			http.NotFound(w, r)
			return
		}
		h := w.Header()
		h.Set("Content-Type", mimeType(name))
		h.Set("X-Content-Type-Options", "nosniff")
		h.Add("Vary", "Accept-Encoding")
		switch base := path.Base(name); {
		case strings.HasSuffix(base, ".json") || strings.HasSuffix(base, ".html") || base == "sw.js":
			h.Set("Cache-Control", "no-cache")
		case strings.HasSuffix(base, ".wasm") || strings.HasSuffix(base, ".fmb"):
			h.Set("Cache-Control", "public, max-age=31536000, immutable") // content-hashed names
		}
		serve := name
		// The copies site/build writes, smallest first.
		for _, enc := range [...]struct{ coding, suffix string }{{"br", ".br"}, {"gzip", ".gz"}} {
			if !accepts(r, enc.coding) {
				continue
			}
			if f, err := root.Open(name + enc.suffix); err == nil {
				f.Close()
				serve = name + enc.suffix
				h.Set("Content-Encoding", enc.coding)
				break
			}
		}
		f, err := root.Open(serve)
		if err != nil {
			if errors.Is(err, os.ErrNotExist) {
				http.NotFound(w, r)
				return
			}
			http.Error(w, "cannot open "+name, http.StatusInternalServerError)
			return
		}
		defer f.Close()
		st, err := f.Stat()
		if err != nil || st.IsDir() {
			http.NotFound(w, r)
			return
		}
		http.ServeContent(w, r, name, st.ModTime(), f)
	})
}

// accepts reports whether the request's Accept-Encoding allows the content
// coding (a q-value of 0 refuses it).
func accepts(r *http.Request, coding string) bool {
	for _, part := range strings.Split(r.Header.Get("Accept-Encoding"), ",") {
		enc, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		if !strings.EqualFold(strings.TrimSpace(enc), coding) {
			continue
		}
		qs, ok := strings.CutPrefix(strings.TrimSpace(params), "q=")
		if !ok {
			return true
		}
		q, err := strconv.ParseFloat(qs, 64)
		return err == nil && q > 0
	}
	return false
}
