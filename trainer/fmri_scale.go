package main

import (
	"bufio"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"time"

	"fmriface/neuro/analysis"
	"fmriface/util/atomicfile"
	"fmriface/util/version"
)

// Limits of issue 23 for each step of the pipeline at the real scale, on
// the 2-core, 24 GB machine.
const (
	scaleMaxSeconds = 30 * 60
	scaleMaxRSSGB   = 16
)

// scaleSteps are the measured steps of scripts/scale.sh, in order; the
// first four are the issue's.
var scaleSteps = []string{"simulate", "fit", "eval", "export", "export-full"}

// scaleStep is one step's measurement: GNU time's wall-clock seconds and
// peak resident memory, and the machine's 1-minute load average sampled
// while it ran (the machine is shared).
type scaleStep struct {
	Command      string  `json:"command"`
	Seconds      float64 `json:"seconds"`
	PeakRSSGB    float64 `json:"peak_rss_gb"`
	CPUPercent   int     `json:"cpu_percent"`
	CPUSeconds   float64 `json:"cpu_seconds"` // user + system: the work, whatever the load`
	LoadAvgMean  float64 `json:"load_avg_mean"`
	LoadAvgMax   float64 `json:"load_avg_max"`
	LoadSamples  int     `json:"load_samples"`
	WithinLimits bool    `json:"within_limits"`
	// Ended is "exit 0", or how the step ended otherwise (GNU time's
	// "Command terminated by signal 9": the kernel's OOM killer).
	Ended string `json:"ended"`
}

// scaleBundles are one export's bytes of a subject's bundles (the bundle
// format, docs/bundle-format.md).
type scaleBundles struct {
	Voxels        int      `json:"voxels"`
	Subject       int64    `json:"subject_bytes"`      // the "all" decoder, patterns, latents: downloaded first
	Regions       int64    `json:"regions_bytes"`      // the three ROI decoders
	PCASubject    int64    `json:"pca_subject_bytes"`  // the PCA baseline's
	PCARegions    int64    `json:"pca_regions_bytes"`  //
	Decoders      int64    `json:"decoder_bytes"`      // Subject + Regions: the VAE-GAN decoders of one subject
	Pass          bool     `json:"fidelity_bars_pass"` // the exporter's bars (quantized vs float)
	PairwiseQuant *float64 `json:"pairwise_quantized,omitempty"`
}

// scaleReport is reports/scale/scale.json.
type scaleReport struct {
	Note         string                        `json:"note"`
	Subject      string                        `json:"subject"`
	Simulated    bool                          `json:"simulated"`
	Grid         [3]int                        `json:"grid"`
	Runs         int                           `json:"runs"`
	Scans        int                           `json:"scans"`
	VoxelsInMask int                           `json:"voxels_in_mask"`
	Selected     map[string]int                `json:"voxels_selected"`
	Budget       int                           `json:"site_voxel_budget"`
	Steps        map[string]scaleStep          `json:"steps"`
	Limits       map[string]float64            `json:"limits"`
	WithinLimits bool                          `json:"within_limits"`
	NotMeasured  []string                      `json:"not_measured,omitempty"` // steps or files not there (yet)
	Bundles      map[string]scaleBundles       `json:"bundles"`                // "full" selection, "budget"
	DecoderBytes int64                         `json:"decoder_bytes"`
	Pairwise     map[string]map[string]float64 `json:"pairwise"` // model → "full" / "budget"
	Browser      map[string]float64            `json:"browser,omitempty"`
	Machine      string                        `json:"machine"`
	CodeVersion  string                        `json:"code_version"`
	Written      string                        `json:"written"`
}

// fmriScaleReport gathers the measurements of scripts/scale.sh into
// reports/scale/scale.json.
func fmriScaleReport(_ context.Context, args []string) error {
	fs := flag.NewFlagSet("fmri scale-report", flag.ExitOnError)
	work := fs.String("work", "out/scale", "scripts/scale.sh's work folder (step logs, fit, site data)")
	out := fs.String("out", "reports/scale/scale.json", "report to write")
	fs.Parse(args)
	rep := &scaleReport{Note: "one virtual subject (simulated, not real brain data) at the real ds001761 scale, measured by scripts/scale.sh",
		Steps: map[string]scaleStep{}, Bundles: map[string]scaleBundles{}, Pairwise: map[string]map[string]float64{},
		Limits: map[string]float64{"seconds": scaleMaxSeconds, "peak_rss_gb": scaleMaxRSSGB}, WithinLimits: true,
		Machine: machine(), CodeVersion: version.String(), Written: time.Now().UTC().Format(time.RFC3339)}
	for _, s := range scaleSteps {
		st, err := readScaleStep(*work, s)
		if err != nil {
			if os.IsNotExist(err) {
				rep.NotMeasured = append(rep.NotMeasured, s)
				if s != "export-full" {
					rep.WithinLimits = false
				}
				continue
			}
			return err
		}
		rep.Steps[s] = st
		if s != "export-full" {
			rep.WithinLimits = rep.WithinLimits && st.WithinLimits
		}
	}
	fitDir := filepath.Join(*work, "fmri")
	paths, err := filepath.Glob(filepath.Join(fitDir, "sub-*", analysis.ResultFileName))
	if err != nil || len(paths) > 1 {
		return fmt.Errorf("%s: want one subject's %s, found %d", fitDir, analysis.ResultFileName, len(paths))
	}
	res := &analysis.SubjectResult{}
	if len(paths) == 1 {
		if res, err = analysis.ReadResult(paths[0]); err != nil {
			return err
		}
	} else {
		// No fit (yet): the mask and the runs from the dataset itself, as
		// the fit reads them.
		rep.NotMeasured = append(rep.NotMeasured, "fmri/sub-XX/"+analysis.ResultFileName)
		if err := datasetSize(filepath.Join(*work, "virtual"), res); err != nil {
			return err
		}
	}
	rep.Subject, rep.Simulated, rep.Runs, rep.Scans, rep.VoxelsInMask = res.Subject, res.Simulated, res.NRuns, res.NScans, res.NMask
	rep.Selected = map[string]int{}
	for _, m := range res.Models {
		rep.Selected[m.Name] = m.NVoxels["all"]
		if n := m.BudgetVoxels["all"]; n > 0 {
			rep.Budget = max(rep.Budget, n)
		}
	}
	if rep.Grid, err = scaleGrid(*work); err != nil {
		return err
	}
	if err := rep.readEval(filepath.Join(fitDir, "eval.json")); err != nil {
		if !os.IsNotExist(err) {
			return err
		}
		rep.NotMeasured = append(rep.NotMeasured, "eval.json")
	}
	for name, dir := range map[string]string{"budget": "site-data", "full": "site-data-full"} {
		b, err := readBundles(filepath.Join(*work, dir, "export-report.json"), res.Subject)
		if err != nil {
			if os.IsNotExist(err) {
				rep.NotMeasured = append(rep.NotMeasured, dir+"/export-report.json")
				continue
			}
			return err
		}
		b.Voxels = rep.Selected["vaegan"]
		if name == "budget" {
			b.Voxels = min(rep.Budget, b.Voxels)
		}
		rep.Bundles[name] = b
	}
	rep.DecoderBytes = rep.Bundles["budget"].Decoders
	if b, ok := rep.Bundles["full"]; ok {
		rep.DecoderBytes = b.Decoders
	}
	if rep.Browser, err = readBench(filepath.Join(*work, "browser.log")); err != nil && !os.IsNotExist(err) {
		return err
	}
	js, err := json.MarshalIndent(rep, "", "  ")
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(*out), 0o755); err != nil {
		return err
	}
	if err := atomicfile.WriteFile(*out, append(js, '\n'), 0o644); err != nil {
		return err
	}
	fmt.Println(string(js))
	return nil
}

// datasetSize reads the subject, runs, scans and mask of the one subject of
// a simulated dataset (ReadSubject without its series).
func datasetSize(root string, res *analysis.SubjectResult) error {
	ds, sim, err := openFMRIDataset(root)
	if err != nil {
		return err
	}
	subs := ds.Subjects()
	if len(subs) != 1 {
		return fmt.Errorf("%s: want one subject, found %d", root, len(subs))
	}
	d, err := analysis.ReadSubject(ds, subs[0], analysis.ReadOptions{Stream: true})
	if err != nil {
		return err
	}
	res.Subject, res.Simulated, res.NRuns, res.NScans, res.NMask = "sub-"+d.Subject, sim, len(d.Runs), d.NScans, len(d.Voxels)
	return nil
}

// readScaleStep reads a step's GNU time report (NAME.time), its command
// (the first line of NAME.log) and its load samples (NAME.load).
func readScaleStep(work, name string) (scaleStep, error) {
	var st scaleStep
	path := filepath.Join(work, name+".time")
	b, err := os.ReadFile(path)
	if err != nil {
		return st, err
	}
	var haveT, haveM bool
	st.Ended = "exit 0"
	for _, line := range strings.Split(string(b), "\n") {
		if t := strings.TrimSpace(line); strings.HasPrefix(t, "Command terminated by signal") {
			st.Ended = t
		}
		k, v, ok := strings.Cut(strings.TrimSpace(line), ": ")
		if !ok {
			continue
		}
		switch {
		case strings.HasPrefix(k, "Elapsed (wall clock) time"):
			if st.Seconds, err = clockSeconds(v); err != nil {
				return st, fmt.Errorf("%s: %w", path, err)
			}
			haveT = true
		case k == "Maximum resident set size (kbytes)":
			kb, err := strconv.ParseFloat(v, 64)
			if err != nil {
				return st, fmt.Errorf("%s: resident set size %q", path, v)
			}
			st.PeakRSSGB = math.Round(kb*1024/1e9*1000) / 1000
			haveM = true
		case k == "User time (seconds)" || k == "System time (seconds)":
			x, err := strconv.ParseFloat(v, 64)
			if err != nil {
				return st, fmt.Errorf("%s: %s %q", path, k, v)
			}
			st.CPUSeconds = math.Round((st.CPUSeconds+x)*10) / 10
		case k == "Percent of CPU this job got":
			st.CPUPercent, _ = strconv.Atoi(strings.TrimSuffix(v, "%"))
		case k == "Exit status" && v != "0":
			return st, fmt.Errorf("%s: the step failed (exit status %s)", path, v)
		}
	}
	if !haveT || !haveM {
		return st, fmt.Errorf("%s: not a GNU time -v report (no elapsed time or peak memory)", path)
	}
	if lb, err := os.ReadFile(filepath.Join(work, name+".log")); err == nil {
		first, _, _ := strings.Cut(string(lb), "\n")
		st.Command = strings.TrimPrefix(first, "scale.sh: "+name+": ")
	}
	if f, err := os.Open(filepath.Join(work, name+".load")); err == nil {
		sc := bufio.NewScanner(f)
		var sum float64
		for sc.Scan() {
			if x, err := strconv.ParseFloat(strings.TrimSpace(sc.Text()), 64); err == nil {
				sum += x
				st.LoadAvgMax = max(st.LoadAvgMax, x)
				st.LoadSamples++
			}
		}
		f.Close()
		if st.LoadSamples > 0 {
			st.LoadAvgMean = math.Round(sum/float64(st.LoadSamples)*100) / 100
		}
	}
	st.WithinLimits = st.Seconds <= scaleMaxSeconds && st.PeakRSSGB <= scaleMaxRSSGB && st.Ended == "exit 0"
	return st, nil
}

// clockSeconds parses GNU time's "h:mm:ss" or "m:ss.ss".
func clockSeconds(s string) (float64, error) {
	parts := strings.Split(strings.TrimSpace(s), ":")
	var t float64
	for _, p := range parts {
		x, err := strconv.ParseFloat(p, 64)
		if err != nil || len(parts) > 3 {
			return 0, fmt.Errorf("elapsed time %q", s)
		}
		t = t*60 + x
	}
	return t, nil
}

// scaleGrid reads the simulation's grid from its dataset description.
func scaleGrid(work string) ([3]int, error) {
	path := filepath.Join(work, "virtual", "dataset_description.json")
	b, err := os.ReadFile(path)
	if err != nil {
		return [3]int{}, err
	}
	var d struct{ Config struct{ Grid [3]int } }
	if err := json.Unmarshal(b, &d); err != nil {
		return [3]int{}, fmt.Errorf("read %s: %w", path, err)
	}
	return d.Config.Grid, nil
}

// readEval takes the pairwise accuracy (all voxels) of each model at the
// full selection and at the budget from trainer fmri eval's JSON.
func (rep *scaleReport) readEval(path string) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	var ev analysis.Evaluation
	if err := json.Unmarshal(b, &ev); err != nil {
		return fmt.Errorf("read %s: %w", path, err)
	}
	for _, s := range ev.Subjects {
		for model, rois := range s.Models {
			p := map[string]float64{}
			if m := rois["all"]; m.Pairwise != nil {
				p["full"] = *m.Pairwise
			}
			if ex := s.Extras[model]; ex != nil {
				if m := ex.Budget["all"]; m.Pairwise != nil {
					p["budget"] = *m.Pairwise
				}
			}
			rep.Pairwise[model] = p
		}
	}
	if len(rep.Pairwise) == 0 {
		return fmt.Errorf("%s: no pairwise accuracies", path)
	}
	return nil
}

// readBundles sums the subject's bundle bytes from the exporter's report.
func readBundles(path, subject string) (scaleBundles, error) {
	var out scaleBundles
	b, err := os.ReadFile(path)
	if err != nil {
		return out, err
	}
	var rep struct {
		Pass  bool `json:"pass"`
		Files []struct {
			File  string `json:"file"`
			Bytes int64  `json:"bytes"`
		} `json:"files"`
		Subjects []struct {
			ID            string             `json:"id"`
			PairwiseQuant map[string]float64 `json:"pairwise_quant"`
		} `json:"subjects"`
	}
	if err := json.Unmarshal(b, &rep); err != nil {
		return out, fmt.Errorf("read %s: %w", path, err)
	}
	out.Pass = rep.Pass
	for _, f := range rep.Files {
		rest, ok := strings.CutPrefix(f.File, subject+".")
		if !ok {
			continue
		}
		kind, _, _ := strings.Cut(rest, ".")
		switch kind {
		case "regions":
			out.Regions += f.Bytes
		case "pca":
			out.PCASubject += f.Bytes
		case "pca-regions":
			out.PCARegions += f.Bytes
		default: // the subject bundle: sub-XX.<hash>.fmb
			out.Subject += f.Bytes
		}
	}
	if out.Subject == 0 {
		return out, fmt.Errorf("%s: no bundle of %s", path, subject)
	}
	out.Decoders = out.Subject + out.Regions
	for _, s := range rep.Subjects {
		if s.ID == subject {
			if v, ok := s.PairwiseQuant["all"]; ok {
				out.PairwiseQuant = &v
			}
		}
	}
	return out, nil
}

// readBench reads scripts/scale.sh's browser benchmarks (go test -bench
// output, native and WebAssembly under Node): ms per decoded face and per
// load of the site data, keyed by benchmark and platform.
func readBench(path string) (map[string]float64, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	out := map[string]float64{}
	platform := "native" // scripts/scale.sh heads each run with "## native" or "## wasm"
	for _, line := range strings.Split(string(b), "\n") {
		if p, ok := strings.CutPrefix(line, "## "); ok {
			platform = strings.TrimSpace(p)
		}
		f := strings.Fields(line)
		if len(f) < 4 || !strings.HasPrefix(f[0], "Benchmark") {
			continue
		}
		for i := 2; i+1 < len(f); i++ {
			if f[i+1] == "ns/op" {
				ns, err := strconv.ParseFloat(f[i], 64)
				if err == nil {
					name := strings.TrimPrefix(f[0], "Benchmark")
					// The GOMAXPROCS suffix ("-2"), which WebAssembly's
					// names lack: "single-pca" keeps its "-pca".
					if j := strings.LastIndex(name, "-"); j > 0 {
						if _, err := strconv.Atoi(name[j+1:]); err == nil {
							name = name[:j]
						}
					}
					out[platform+" "+name+" ms"] = math.Round(ns/1e6*100) / 100
				}
			}
		}
	}
	return out, nil
}

// machine describes this machine: CPU model, cores, memory.
func machine() string {
	cpu := "unknown CPU"
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, line := range strings.Split(string(b), "\n") {
			if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
				cpu = strings.TrimSpace(v)
				break
			}
		}
	}
	mem := ""
	if b, err := os.ReadFile("/proc/meminfo"); err == nil {
		f := strings.Fields(string(b))
		if len(f) > 1 && f[0] == "MemTotal:" {
			if kb, err := strconv.ParseFloat(f[1], 64); err == nil {
				mem = fmt.Sprintf(", %.0f GB memory", kb/1024/1024)
			}
		}
	}
	return fmt.Sprintf("%s, %d cores%s, %s/%s", cpu, runtime.NumCPU(), mem, runtime.GOOS, runtime.GOARCH)
}
