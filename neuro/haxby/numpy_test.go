package haxby

import (
	"encoding/json"
	"fmriface/util/pytest"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"gonum.org/v1/gonum/mat"
)

// realData is the shared dataset, relative to this package; tests that need
// it skip when it is absent.
const realData = "../../../shared/real/haxby2001"

func needRealData(t *testing.T) string {
	t.Helper()
	if _, err := os.Stat(filepath.Join(realData, "sub-1", "run-001", BoldFile)); err != nil {
		t.Skipf("real data not present (%v)", err)
	}
	return realData
}

// numpyGLM reads the run itself (gzip NIfTI header and int16 data with the
// standard library and numpy, the motion file with numpy.loadtxt), scales it,
// builds the constant, SPM DCT and motion columns, and fits by
// numpy.linalg.lstsq. Only the 8 HRF-convolved block regressors come from
// Go; the script checks them against its own discrete convolution of the
// canonical HRF, to a tolerance that allows for the different integration.
const numpyGLM = `
import gzip, json, math, struct, sys
import numpy as np
cfg = json.load(open(sys.argv[1]))
raw = gzip.open(cfg["bold"]).read()
e = "<" if struct.unpack("<i", raw[:4])[0] == 348 else ">"
dim = struct.unpack(e + "8h", raw[40:56])
dtype = struct.unpack(e + "h", raw[70:72])[0]
assert dtype == 4, "expected int16"
off = int(struct.unpack(e + "f", raw[108:112])[0])
slope, inter = struct.unpack(e + "2f", raw[112:120])
nx, ny, nz, nt = dim[1], dim[2], dim[3], dim[4]
data = np.frombuffer(raw, dtype=e + "i2", count=nx * ny * nz * nt, offset=off).astype(np.float64)
if slope != 0 and math.isfinite(slope):
    data = data * slope + inter
data = data.reshape(nt, nx * ny * nz)
Y = data[:, cfg["mask"]]
Y = 100 * Y / Y.mean(axis=0)
motion = np.loadtxt(cfg["motion"])
tr, hp, n = cfg["tr"], cfg["high_pass"], nt
K = int(math.floor(2 * n * tr / hp + 1))
i = np.arange(n)
dct = [math.sqrt(2 / n) * np.cos(math.pi * (2 * i + 1) * j / (2 * n)) for j in range(1, K)]
task = np.array(cfg["task"])
X = np.column_stack([task, np.ones(n)] + dct + [motion])
beta = np.linalg.lstsq(X, Y, rcond=None)[0][: task.shape[1]]
go = np.array(cfg["betas"])
# Independent canonical HRF (SPM: gamma(6) - gamma(16)/6, 32 s, unit area) on TR/16.
dt = tr / 16
t = np.arange(0, 32 + dt / 2, dt)
def g(x, h):
    out = np.zeros_like(x)
    pos = x > 0
    out[pos] = np.exp((h - 1) * np.log(x[pos]) - x[pos] - math.lgamma(h))
    return out
hrf = g(t, 6) - g(t, 16) / 6
hrf /= hrf.sum() * dt
fine = np.arange(n * 16) * dt
reg_diff = 0.0
for c, blocks in enumerate(cfg["blocks"]):
    u = np.zeros(len(fine))
    for on, du in blocks:
        u[(fine >= on) & (fine < on + du)] = 1
    r = np.convolve(u, hrf)[: len(fine)] * dt
    reg_diff = max(reg_diff, float(np.abs(r[i * 16 + 8] - task[:, c]).max()))
print(json.dumps({"max_abs_diff": float(np.abs(beta - go).max()), "max_abs_beta": float(np.abs(go).max()),
                  "max_regressor_diff": reg_diff, "voxels": int(Y.shape[1]), "columns": int(X.shape[1])}))
`

// TestGLMBetasMatchNumpy checks the betas of run 1 (in percent signal
// change, of order 1) against numpy's least-squares fit to an absolute
// 1e-6, and the Go block regressors (plateau 1) against numpy's own
// convolution to 0.02.
func TestGLMBetasMatchNumpy(t *testing.T) {
	root := needRealData(t)
	py := pytest.Python(t, "numpy")
	d, err := Load(root, nil)
	if err != nil {
		t.Fatal(err)
	}
	B, des, err := d.FitRun(0)
	if err != nil {
		t.Fatal(err)
	}
	nt, _ := des.Task.Dims()
	task := make([][]float64, nt)
	for i := range task {
		task[i] = des.Task.RawRowView(i)
	}
	betas := make([][]float64, len(Categories))
	for c := range betas {
		betas[c] = B.RawRowView(c)
	}
	blocks := make([][][2]float64, len(Categories))
	for c, name := range Categories {
		for _, e := range d.Runs[0].Events {
			if e.TrialType == name {
				blocks[c] = append(blocks[c], [2]float64{e.Onset, e.Duration})
			}
		}
	}
	run := d.Runs[0].Dir
	cfg := map[string]any{
		"bold": filepath.Join(run, BoldFile), "motion": filepath.Join(run, MotionFile),
		"mask": d.Mask, "tr": d.TR, "high_pass": DefaultGLM.HighPass,
		"task": task, "betas": betas, "blocks": blocks,
	}
	dir := t.TempDir()
	cfgPath := filepath.Join(dir, "cfg.json")
	b, _ := json.Marshal(cfg)
	if err := os.WriteFile(cfgPath, b, 0o644); err != nil {
		t.Fatal(err)
	}
	script := filepath.Join(dir, "glm.py")
	if err := os.WriteFile(script, []byte(numpyGLM), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(py, script, cfgPath).CombinedOutput()
	if err != nil {
		t.Fatalf("numpy: %v\n%s", err, out)
	}
	var res struct {
		MaxAbsDiff       float64 `json:"max_abs_diff"`
		MaxAbsBeta       float64 `json:"max_abs_beta"`
		MaxRegressorDiff float64 `json:"max_regressor_diff"`
		Voxels           int     `json:"voxels"`
		Columns          int     `json:"columns"`
	}
	if err := json.Unmarshal(out, &res); err != nil {
		t.Fatalf("numpy output %q: %v", out, err)
	}
	t.Logf("numpy: %d voxels, %d columns; max |Δβ| %.3g (max |β| %.3g %%); max regressor difference %.3g",
		res.Voxels, res.Columns, res.MaxAbsDiff, res.MaxAbsBeta, res.MaxRegressorDiff)
	_, q := des.Runs[0].Nuisance.Dims()
	if res.Voxels != len(d.Mask) || res.Columns != len(Categories)+q {
		t.Fatalf("numpy fitted %d voxels and %d columns, Go %d and %d", res.Voxels, res.Columns, len(d.Mask), len(Categories)+q)
	}
	if !(res.MaxAbsDiff <= 1e-6) {
		t.Errorf("betas differ from numpy by %g (absolute, %% signal change), want ≤ 1e-6", res.MaxAbsDiff)
	}
	if !(res.MaxRegressorDiff <= 0.02) {
		t.Errorf("block regressors differ from numpy's convolution by %g, want ≤ 0.02", res.MaxRegressorDiff)
	}
	if mat.Norm(B, 1) == 0 || !(res.MaxAbsBeta > 0.1) {
		t.Errorf("betas look empty: Go norm %g, numpy saw max |β| %g", mat.Norm(B, 1), res.MaxAbsBeta)
	}
}
