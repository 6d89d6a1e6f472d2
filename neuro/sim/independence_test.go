package sim

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// The virtual brain must not know either latent space the analysis compares
// (VAE-GAN or PCA): issue 20. These tests check it, at three levels.

// TestIndependentImports fails if the simulator depends on a package that
// knows a compared latent space: PCA's basis, the trainer (VAE-GAN
// training, decoders), the analysis, the analysis → exporter handoff, the
// site bundles, the face measures (axes fitted in a latent space).
func TestIndependentImports(t *testing.T) {
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("go command not found")
	}
	out, err := exec.Command(goBin, "list", "-deps", ".").Output()
	if err != nil {
		t.Skipf("go list: %v", err)
	}
	deps := map[string]bool{}
	for _, d := range strings.Fields(string(out)) {
		deps[d] = true
	}
	if !deps["fmriface/neuro/sim"] {
		t.Fatalf("go list -deps did not list the package itself: %q", out)
	}
	forbidden := []string{
		"fmriface/face/pca",
		"fmriface/face/metrics",
		"fmriface/trainer",
		"fmriface/contract/handoff",
		"fmriface/infer/site",
		"fmriface/infer/fold",
		"fmriface/neuro/analysis",
		"fmriface/neuro/decoding",
		"fmriface/neuro/score",
		"fmriface/exporter",
		"fmriface/wasm",
	}
	for _, f := range forbidden {
		t.Run(f, func(t *testing.T) {
			for d := range deps {
				if d == f || strings.HasPrefix(d, f+"/") {
					t.Errorf("neuro/sim depends on %s", d)
				}
			}
		})
	}
}

// goFiles parses the non-test Go files of a package folder.
func goFiles(t *testing.T, dir string) []*ast.File {
	t.Helper()
	names, err := filepath.Glob(filepath.Join(dir, "*.go"))
	if err != nil {
		t.Fatal(err)
	}
	var files []*ast.File
	fset := token.NewFileSet()
	for _, n := range names {
		if strings.HasSuffix(n, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, n, nil, parser.SkipObjectResolution)
		if err != nil {
			t.Fatalf("%s: %v", n, err)
		}
		files = append(files, f)
	}
	if len(files) == 0 {
		t.Fatalf("no Go files in %s", dir)
	}
	return files
}

// TestIndependentSymbols checks what the brain v2's face-feature network
// uses from the VAE-GAN's inference packages. Package face/features imports
// infer/nn (which also holds the VAE-GAN's generator and encoder, and
// imports their architecture contract infer/arch) for its layers only:
// convolution, linear, ELU, batch-norm folding and the GEMM workspace carry
// no weights and know no latent space. The simulator itself imports none of
// them, and neither names the VAE-GAN's networks.
func TestIndependentSymbols(t *testing.T) {
	allowed := map[string]map[string]bool{
		"fmriface/infer/nn":   {"Conv2D": true, "Linear": true, "ELU": true, "BNScaleShift": true},
		"fmriface/infer/gemm": {"Workspace": true},
	}
	for _, c := range []struct {
		dir     string
		mayUse  bool // may import the allowed packages
		pkgName string
	}{
		{".", false, "neuro/sim"},
		{filepath.Join("..", "..", "face", "features"), true, "face/features"},
	} {
		t.Run(c.pkgName, func(t *testing.T) {
			for _, f := range goFiles(t, c.dir) {
				local := map[string]string{} // import name → path
				for _, im := range f.Imports {
					p, _ := strconv.Unquote(im.Path.Value)
					if p == "fmriface/infer/arch" {
						t.Errorf("%s imports %s", c.pkgName, p)
					}
					if allowed[p] == nil {
						continue
					}
					if !c.mayUse {
						t.Errorf("%s imports %s", c.pkgName, p)
					}
					name := filepath.Base(p)
					if im.Name != nil {
						name = im.Name.Name
					}
					local[name] = p
				}
				ast.Inspect(f, func(n ast.Node) bool {
					sel, ok := n.(*ast.SelectorExpr)
					if !ok {
						return true
					}
					if id, ok := sel.X.(*ast.Ident); ok {
						if p, ok := local[id.Name]; ok && !allowed[p][sel.Sel.Name] {
							t.Errorf("%s uses %s.%s", c.pkgName, p, sel.Sel.Name)
						}
					}
					return true
				})
			}
		})
	}
}

// TestIndependentFiles fails if the simulator's or the feature network's
// code names a file of the VAE-GAN, of PCA or of anything fitted on their
// latents (string literals; comments may discuss them).
func TestIndependentFiles(t *testing.T) {
	forbidden := []string{"models/default", "model.npz", "pca.npz", "axes.npz", "decoders.npz", "latent", "vaegan", "handoff"}
	allowedLit := map[string]bool{"models/features/model.npz": true}
	for _, dir := range []string{".", filepath.Join("..", "..", "face", "features")} {
		for _, f := range goFiles(t, dir) {
			ast.Inspect(f, func(n ast.Node) bool {
				lit, ok := n.(*ast.BasicLit)
				if !ok || lit.Kind != token.STRING {
					return true
				}
				s, _ := strconv.Unquote(lit.Value)
				if allowedLit[s] {
					return true
				}
				for _, bad := range forbidden {
					if strings.Contains(strings.ToLower(s), bad) {
						t.Errorf("%s: string %q names %q", dir, s, bad)
					}
				}
				return true
			})
		}
	}
}
