//go:build js && wasm

// Command wasm is the browser app: it takes the site data that site/web/loader.js
// downloaded and verified (globalThis.fmrifaceData), builds the app.App and runs
// it as an Ebiten game. Results are also described in words through the page's
// ARIA live region (#live). Build with
//
//	GOOS=js GOARCH=wasm go build -trimpath -ldflags='-s -w' -o app.wasm ./wasm
//
// (make site does it, see site/site.mk).
package main

import (
	"errors"
	"fmt"
	"runtime"
	"runtime/debug"
	"syscall/js"
	"time"

	"github.com/hajimehoshi/ebiten/v2"

	"fmriface/contract/sitedata"
	"fmriface/infer/site"
	"fmriface/wasm/app"
)

func main() {
	page := newPage()
	page.mark("mainMs")
	page.createGLContext()
	// Loading builds about 60 MB of long-lived arrays and little garbage; a
	// collection each time the heap doubles would only re-mark them, in code
	// the browser has not optimised yet. The collector resumes with the
	// first face (page.sync).
	page.gcPercent = debug.SetGCPercent(-1)
	app, bench, err := load(page)
	if err != nil {
		page.fail(err.Error())
		return
	}
	if bench > 0 {
		debug.SetGCPercent(page.gcPercent)
		runBench(page, app, bench)
	}
	ebiten.SetWindowTitle("fmriface: faces decoded from fMRI")
	ebiten.SetTPS(ebiten.SyncWithFPS) // one Update per frame: the decode budget is per frame
	// The screen keeps its pixels between frames, and game.Draw draws only
	// when the app changed: an idle page then costs no canvas updates.
	ebiten.SetScreenClearedEveryFrame(false)
	// Files other than the first subject's bundle download when the app
	// asks (a subject chosen with S, a region view, D for offline use).
	app.OnNeed(page.fetch)
	app.OnNeedReal(page.fetchReal) // the real-brain panel's file, when first opened
	app.OnNeedLab(page.fetchLab)   // the lab's files, when the panel is first opened
	app.OnNeedPCA(page.fetchPCA)   // the PCA comparison's files, when first shown
	page.openLink(app)
	page.app = app
	page.mark("appMs")
	page.ready()
	if err := ebiten.RunGame(newGame(app, page)); err != nil {
		page.fail("The app stopped: " + err.Error())
	}
}

// load copies the files from globalThis.fmrifaceData and parses them. The
// loader checked each one's SHA-256 against the index, so the bundles' own
// checksums are not computed again (a second pass over 12 MB in WebAssembly).
func load(p *page) (*app.App, int, error) {
	d := p.global.Get("fmrifaceData")
	if !d.Truthy() {
		return nil, 0, errors.New("no data: open the app through index.html, which downloads the site data first")
	}
	ix, err := sitedata.ParseIndex([]byte(d.Get("index").String()))
	if err != nil {
		return nil, 0, err
	}
	files := siteFiles{d.Get("files")}
	raw, err := files.take(ix.Generator.File)
	if err != nil {
		return nil, 0, err
	}
	p.mark("copiedMs")
	model, err := site.LoadModelVerified(ix.Generator.File, raw)
	if err != nil {
		return nil, 0, err
	}
	p.mark("modelMs")
	subs, err := loadSubjects(files, ix, model.Latent())
	if err != nil {
		return nil, 0, err
	}
	p.mark("subjectsMs")
	app, err := app.NewApp(ix, model, subs, nil, uint64(time.Now().UnixNano()))
	if err != nil {
		return nil, 0, err
	}
	bench := 0
	if b := d.Get("bench"); b.Type() == js.TypeNumber {
		bench = b.Int()
	}
	if err := loadStartPCA(files, ix, app); err != nil {
		return nil, 0, err
	}
	return app, bench, nil
}

// loadStartPCA gives the app the PCA files the loader downloaded before
// the start: only the benchmark's page (?bench=N) does, to time the PCA's
// decode; the app asks for them when it first shows the comparison.
func loadStartPCA(files siteFiles, ix *sitedata.Index, a *app.App) error {
	if ix.PCA == nil || !files.has(ix.PCA.File) {
		return nil
	}
	raw, err := files.take(ix.PCA.File)
	if err != nil {
		return err
	}
	p, err := site.LoadPCAVerified(ix.PCA.File, raw)
	if err != nil {
		return err
	}
	if err := a.AddPCA(p); err != nil {
		return err
	}
	for _, r := range ix.Subjects {
		if r.PCA == nil || !files.has(r.PCA.File) {
			continue
		}
		raw, err := files.take(r.PCA.File)
		if err != nil {
			return err
		}
		s, err := site.LoadPCASubjectVerified(r.PCA.File, raw, p.K)
		if err != nil {
			return err
		}
		if err := a.AddPCASubject(s); err != nil {
			return err
		}
	}
	return nil
}

// siteFiles is globalThis.fmrifaceData.files: the files the loader
// downloaded before the start, by name.
type siteFiles struct{ v js.Value }

func (f siteFiles) has(name string) bool { return f.v.Get(name).Truthy() }

// take copies a file into Go and lets the JavaScript copy go.
func (f siteFiles) take(name string) ([]byte, error) {
	v := f.v.Get(name)
	if !v.Truthy() {
		return nil, fmt.Errorf("%s: not downloaded", name)
	}
	b := make([]byte, v.Get("byteLength").Int())
	js.CopyBytesToGo(b, v)
	f.v.Delete(name)
	return b, nil
}

// loadSubjects parses the subjects downloaded before the start (the
// others arrive through fmrifaceAddSubject), each with its regions file
// where that came too.
func loadSubjects(files siteFiles, ix *sitedata.Index, latent int) ([]*site.Subject, error) {
	var subs []*site.Subject
	for _, r := range ix.Subjects {
		if !files.has(r.File) {
			continue // still downloading: arrives through fmrifaceAddSubject
		}
		raw, err := files.take(r.File)
		if err != nil {
			return nil, err
		}
		s, err := site.LoadSubjectVerified(r.File, raw, latent)
		if err != nil {
			return nil, err
		}
		if r.Regions != nil && files.has(r.Regions.File) {
			raw, err := files.take(r.Regions.File)
			if err != nil {
				return nil, err
			}
			if err := s.AddRegionsVerified(r.Regions.File, raw); err != nil {
				return nil, err
			}
		}
		// The decoders stay encoded: the first face is decoded straight
		// from the 8-bit rows, a block at a time in a small scratch, and
		// idle frames dequantize the matrices after it. Dequantizing "all"
		// here took 0.3 s of cold code writing 18 MB of fresh memory; the
		// first decode from the encoded rows took no longer than from floats
		// (e2e/coldload.mjs, alternated).
		subs = append(subs, s)
	}
	if len(subs) == 0 {
		return nil, errors.New("no subject was downloaded")
	}
	return subs, nil
}

// runBench decodes n faces back to back (decoder × pattern, then generator)
// and reports the time per face measured with performance.now, and the heap
// before and after, to the console, the live region and globalThis.fmrifaceBench.
func runBench(p *page, a *app.App, n int) {
	s := a.Subject() // the first subject: no link opened yet
	// The steady state: the decoder dequantized, as the app's idle frames
	// leave it a few seconds after the start.
	for !s.ROIs[0].Materialize(1 << 30) {
	}
	m := a.Model()
	for !m.Gen.MaterializeFC(1 << 30) {
	}
	dec := app.NewDecoder(m, s.V)
	z := make([]float32, s.L)
	img := make([]byte, 4*m.ImageSize()*m.ImageSize())
	perf := p.global.Get("performance")
	// One warm-up decode sizes every buffer.
	if err := dec.DecodeFace(&s.ROIs[0], s.Pattern(-1, 0), z, img); err != nil {
		p.fail(err.Error())
		return
	}
	p.global.Get("console").Call("log", "fmriface: bench start")
	runtime.GC()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	t0 := perf.Call("now").Float()
	for i := range n {
		if err := dec.DecodeFace(&s.ROIs[0], s.Pattern(-1, i%s.N), z, img); err != nil {
			p.fail(err.Error())
			return
		}
	}
	ms := (perf.Call("now").Float() - t0) / float64(n)
	runtime.ReadMemStats(&after)
	p.global.Get("console").Call("log", "fmriface: bench single done")
	// The app decodes a view's faces as one batch (the decoder matrix read
	// once for all patterns): time per face that way.
	zs := make([]float32, s.N*s.L)
	pattern := func(i int) []float32 { return s.Pattern(-1, i) }
	reps := max(1, n/s.N)
	t1 := perf.Call("now").Float()
	for range reps {
		if err := dec.Latents(&s.ROIs[0], s.N, pattern, zs); err != nil {
			p.fail(err.Error())
			return
		}
		for i := range s.N {
			if err := dec.Image(zs[i*s.L:(i+1)*s.L], img); err != nil {
				p.fail(err.Error())
				return
			}
		}
	}
	batchMs := (perf.Call("now").Float() - t1) / float64(reps*s.N)
	res := p.global.Get("Object").New()
	pcaMsg := ""
	if pca, ps := a.PCA(), a.PCASubjectByID(s.ID); pca != nil && ps != nil {
		single, batch, err := benchPCA(perf, pca, ps, n)
		if err != nil {
			p.fail(err.Error())
			return
		}
		res.Set("msPerFacePCA", single)
		res.Set("msPerFaceBatchPCA", batch)
		res.Set("voxelsPCA", len(ps.ROIs[0].Index))
		res.Set("componentsPCA", pca.K)
		pcaMsg = fmt.Sprintf(" Through PCA (%d components, %d voxels): %.2f ms per face one at a time, %.2f ms in batches.", pca.K, len(ps.ROIs[0].Index), single, batch)
	}
	res.Set("decodes", n)
	res.Set("msPerFace", ms)
	res.Set("msPerFaceBatch", batchMs)
	res.Set("batch", s.N)
	res.Set("preset", m.Cfg.Name)
	res.Set("voxels", len(s.ROIs[0].Index))
	res.Set("heapBefore", before.HeapAlloc)
	res.Set("heapAfter", after.HeapAlloc)
	res.Set("mallocs", after.Mallocs-before.Mallocs)
	res.Set("totalAllocBytes", after.TotalAlloc-before.TotalAlloc)
	if m := perf.Get("memory"); m.Truthy() {
		res.Set("jsHeapUsed", m.Get("usedJSHeapSize"))
	}
	p.global.Set("fmrifaceBench", res)
	p.say(fmt.Sprintf("Benchmark: %d decodes of a %s face (%d voxels): %.2f ms per face one at a time, %.2f ms per face in batches of %d; %d allocations, heap %d → %d bytes over the single decodes.%s",
		n, m.Cfg.Name, len(s.ROIs[0].Index), ms, batchMs, s.N, after.Mallocs-before.Mallocs, before.HeapAlloc, after.HeapAlloc, pcaMsg))
}

// benchPCA times n decodes of PCA subject ps's test patterns through the
// PCA (pattern → PCA latent → face), one at a time and as the app decodes a
// view (one batch of latents, then one batch of faces), in ms per face.
func benchPCA(perf js.Value, pca *site.PCA, ps *site.Subject, n int) (single, batch float64, err error) {
	for !ps.ROIs[0].Materialize(1 << 30) {
	}
	dec := app.NewPCADecoder(pca, ps.V)
	z := make([]float32, ps.L)
	img := make([]byte, 4*pca.ImageSize*pca.ImageSize)
	if err := dec.DecodeFace(&ps.ROIs[0], ps.Pattern(-1, 0), z, img); err != nil {
		return 0, 0, err
	}
	console := js.Global().Get("console")
	console.Call("log", "fmriface: bench pca start")
	t0 := perf.Call("now").Float()
	for i := range n {
		if err := dec.DecodeFace(&ps.ROIs[0], ps.Pattern(-1, i%ps.N), z, img); err != nil {
			return 0, 0, err
		}
	}
	single = (perf.Call("now").Float() - t0) / float64(n)
	console.Call("log", "fmriface: bench pca single done")
	zs := make([]float32, ps.N*ps.L)
	pattern := func(i int) []float32 { return ps.Pattern(-1, i) }
	out := func(int) []byte { return img }
	reps := max(1, n/ps.N)
	t1 := perf.Call("now").Float()
	for range reps {
		if err := dec.Latents(&ps.ROIs[0], ps.N, pattern, zs); err != nil {
			return 0, 0, err
		}
		if err := dec.Images(ps.N, zs, out); err != nil {
			return 0, 0, err
		}
	}
	batch = (perf.Call("now").Float() - t1) / float64(reps*ps.N)
	return single, batch, nil
}
