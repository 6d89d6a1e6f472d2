package sim

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"

	"codeberg.org/sbinet/npyio"
	"gonum.org/v1/gonum/mat"

	"fmriface/contract/simtruth"
	"fmriface/neuro/bids"
	"fmriface/neuro/nifti"
	"fmriface/neuro/tsv"
	"fmriface/util/atomicfile"
	"fmriface/util/version"
)

// subjectFile is the ground-truth file <truth>/sub-XX/sub-XX_<suffix>.
func subjectFile(root, sub, suffix string) string { return simtruth.SubjectFile(root, sub, suffix) }

// OpenDataset opens a simulated dataset with its ground-truth derivatives in
// use, so that each Run's ConfoundsPath points at its confounds table. (For
// the real ds001761, use bids.Open: it finds derivatives/fmriprep itself.)
func OpenDataset(root string) (*bids.Dataset, error) {
	ds, err := bids.Open(root)
	if err != nil {
		return nil, err
	}
	dv, err := bids.OpenDerivatives(simtruth.Dir(root))
	if err != nil {
		return nil, err
	}
	ds.UseDerivatives(dv, "")
	return ds, nil
}

func versionString() string { return version.String() }

func sortInts(x []int) { sort.Ints(x) }

// writeTruth writes a subject's ground truth: masks, ROI labels, tuning and
// stimuli.
func writeTruth(root string, cfg Config, pool *Pool, s *subject) error {
	dir := filepath.Dir(subjectFile(root, s.label, "x"))
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	if err := writeMasks(root, cfg, s); err != nil {
		return err
	}
	if err := writeVoxelTuning(root, cfg, s); err != nil {
		return err
	}
	if err := writeTuningWeights(root, pool, s); err != nil {
		return err
	}
	if err := writeTuningMeta(root, pool, s); err != nil {
		return err
	}
	return writeStimuli(root, s)
}

// writeMasks writes the brain and cortex masks, the ROI label image and its
// look-up table.
func writeMasks(root string, cfg Config, s *subject) error {
	g := cfg.grid()
	brain := make([]float64, g.Len())
	cortex := make([]float64, g.Len())
	labels := make([]float64, g.Len())
	for _, n := range s.brain {
		brain[n] = 1
	}
	for _, n := range s.anat.Cortex {
		cortex[n] = 1
		labels[n] = float64(s.anat.Label[n])
	}
	for _, img := range []struct {
		suffix string
		data   []float64
	}{{"desc-brain_mask.nii.gz", brain}, {"desc-cortex_mask.nii.gz", cortex}, {"desc-roi_dseg.nii.gz", labels}} {
		h := nifti.NewHeader(nifti.Uint8, cfg.Grid[0], cfg.Grid[1], cfg.Grid[2])
		h.PixDim[1], h.PixDim[2], h.PixDim[3] = float32(cfg.VoxelMM), float32(cfg.VoxelMM), float32(cfg.VoxelMM)
		aff := g.Affine()
		h.SetSform(aff, nifti.XformScanner)
		if err := h.SetQform(aff, nifti.XformScanner); err != nil {
			return err
		}
		if err := nifti.WriteFile(subjectFile(root, s.label, img.suffix), h, img.data); err != nil {
			return err
		}
	}
	var lut [][]string
	for i, n := range ROINames[1:] {
		lut = append(lut, []string{strconv.Itoa(i + 1), n})
	}
	return tsv.Write(subjectFile(root, s.label, "desc-roi_dseg.tsv"), []string{"index", "name"}, lut)
}

// writeVoxelTuning writes the per-voxel tuning table, one row per cortical
// voxel in grid order.
func writeVoxelTuning(root string, cfg Config, s *subject) error {
	g := cfg.grid()
	t := s.tun
	head := []string{"voxel", "i", "j", "k", "roi", "rf_u", "rf_v", "rf_sigma", "vis_mix", "attr_mix",
		"face_bias", "modulation", "imagery", "press", "hrf_shift", "ar_phi", "physio", "baseline"}
	rows := make([][]string, len(s.anat.Cortex))
	f := tsv.FormatFloat
	for v, n := range s.anat.Cortex {
		i, j, k := g.Coords(n)
		rows[v] = []string{strconv.Itoa(n), strconv.Itoa(i), strconv.Itoa(j), strconv.Itoa(k), ROINames[t.ROI[v]],
			f(t.RFU[v]), f(t.RFV[v]), f(t.RFSigma[v]), f(t.VisMix[v]), f(t.AttrMix[v]),
			f(t.FaceBias[v]), f(t.Modulation[v]), f(t.Imagery[v]), f(t.Press[v]), f(t.HRFShift[v]),
			f(t.ARPhi[v]), f(t.Physio[v]), f(s.s0[s.cortexB[v]])}
	}
	return tsv.Write(subjectFile(root, s.label, "desc-voxels_tuning.tsv"), head, rows)
}

// writeTuningWeights writes the channel and attribute weight matrices (one
// row per cortical voxel) as .npy; a pool without attributes has no
// attribute matrix.
func writeTuningWeights(root string, pool *Pool, s *subject) error {
	t := s.tun
	nAttr := len(pool.AttrNames)
	for _, m := range []struct {
		suffix string
		w      []float32
		cols   int
	}{{"desc-channels_tuning.npy", t.ChanW, NumChannels}, {"desc-attributes_tuning.npy", t.AttrW, nAttr}} {
		if m.cols == 0 {
			continue
		}
		d := mat.NewDense(len(s.anat.Cortex), m.cols, nil)
		for v := range s.anat.Cortex {
			for c := 0; c < m.cols; c++ {
				d.Set(v, c, float64(m.w[v*m.cols+c]))
			}
		}
		var buf bytes.Buffer
		if err := npyio.Write(&buf, d); err != nil {
			return fmt.Errorf("write %s: %w", m.suffix, err)
		}
		if err := atomicfile.WriteFile(subjectFile(root, s.label, m.suffix), buf.Bytes(), 0o644); err != nil {
			return err
		}
	}
	return nil
}

// writeTuningMeta writes desc-tuning.json, which says how to read the tuning
// files and the response model they parametrise.
func writeTuningMeta(root string, pool *Pool, s *subject) error {
	meta := map[string]any{
		"Description": "True response model of the cortical voxels of a virtual subject. Rows of the .npy matrices and of desc-voxels_tuning.tsv follow the cortical voxels in NIfTI order (column voxel = linear index, x fastest).",
		"Units": map[string]string{
			"face_bias": "% signal change at the peak of a 1 s face", "modulation": "% per standard deviation of the voxel's drive",
			"imagery": "fraction of the face response, per second of imagery", "press": "% (one-back button press)",
			"hrf_shift": "s", "rf_u rf_v rf_sigma": "feature cells (image width / 8)", "baseline": "image intensity",
		},
		"Response":        "amplitude = (face_bias + modulation × drive) × trial gain + noise; drive = vis_mix × z(channel weights · receptive-field-pooled z-scored features) + attr_mix × z(attribute weights · z-scored CelebA attributes)",
		"Channels":        ChannelNames(),
		"Attributes":      pool.AttrNames,
		"BankSigmasCells": bankSigmas,
		"NoiseScale":      s.noise,
		"ImageSize":       pool.Size,
	}
	return writeJSON(subjectFile(root, s.label, "desc-tuning.json"), meta)
}

// writeStimuli writes the stimulus mapping and the test and imagery faces.
func writeStimuli(root string, s *subject) error {
	a := s.asg
	if err := simtruth.WriteStimulusMap(root, s.label, a.maps); err != nil {
		return err
	}
	if err := simtruth.WriteTestFaces(root, s.label, a.test); err != nil {
		return err
	}
	return simtruth.WriteImagery(root, s.label, a.imagery)
}

func writeJSON(path string, v any) error {
	data, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return atomicfile.WriteFile(path, append(data, '\n'), 0o644)
}

// writeDescriptions writes the raw and derivative dataset descriptions and a
// README; the raw description is written last of all the dataset's files but
// the summary, so that an interrupted run never looks like a dataset.
func writeDescriptions(out string, cfg Config, command string) error {
	gen := []bids.GeneratedBy{{Name: "fmriface simulate", Version: versionString(),
		Description: "virtual subjects on the real ds001761 protocol (events of the real subjects, CelebA faces, a synthetic brain)"}}
	if err := bids.WriteDescription(simtruth.Dir(out), bids.Description{
		Name: "fmriface-sim ground truth (SIMULATED)", BIDSVersion: "1.8.0", DatasetType: "derivative",
		GeneratedBy: gen, Extra: map[string]any{"Simulated": true},
	}); err != nil {
		return err
	}
	readme := "SIMULATED DATA — virtual subjects, not real brain data.\n\n" +
		"Made by fmriface (`" + command + "`, code version " + versionString() + ") on the real protocol of\n" +
		"OpenNeuro ds001761 (VanRullen & Reddy 2019): every run's events are the real subject's, but the\n" +
		"stimuli are CelebA faces and the BOLD images come from a synthetic brain model. The ground truth\n" +
		"(masks, ROI labels, tuning, stimulus mapping, test and imagery faces, confounds) is in\n" +
		"derivatives/" + simtruth.DerivName + ". See docs/virtual-subjects.md in the fmriface repository.\n"
	if err := atomicfile.WriteFile(filepath.Join(out, "README"), []byte(readme), 0o644); err != nil {
		return err
	}
	if err := writeBIDSMetadata(out, cfg); err != nil {
		return err
	}
	return bids.WriteDescription(out, bids.Description{
		Name:        "fmriface virtual subjects on the ds001761 protocol (SIMULATED, not real brain data)",
		BIDSVersion: "1.8.0", DatasetType: "raw", License: "CC0", GeneratedBy: gen, Authors: simAuthors(),
		Extra: map[string]any{
			"SourceDatasets":   simSourceDatasets(),
			"Acknowledgements": simRoles,
			"HowToAcknowledge": "The BOLD images are simulated by fmriface; for the design and events, cite VanRullen & Reddy (2019), " +
				"Communications Biology 2:193, and OpenNeuro ds001761.",
			"Simulated":    true,
			"Warning":      "SIMULATED virtual subjects: synthetic BOLD images driven by the real ds001761 events; not real brain data",
			"Command":      command,
			"Seed":         cfg.Seed,
			"Config":       cfg,
			"SourceDesign": "OpenNeuro ds001761 v2.0.1 events (CC0)",
			"GroundTruth":  "derivatives/" + simtruth.DerivName,
		},
	})
}

// ROIs is a simulated subject's ROI label image.
type ROIs struct {
	Header *nifti.Header // grid and affine
	Labels []uint8       // per voxel, NIfTI order: ROINone, ROIOccipital, ROITemporal, ROIFrontoparietal
}

// Count returns the number of voxels with each label.
func (r *ROIs) Count() map[string]int {
	c := map[string]int{}
	for _, l := range r.Labels {
		if l != ROINone {
			c[ROINames[l]]++
		}
	}
	return c
}

// ReadROIs reads a simulated subject's ROI label image.
func ReadROIs(root, sub string) (*ROIs, error) {
	path := subjectFile(root, sub, "desc-roi_dseg.nii.gz")
	img, err := nifti.ReadFile(path)
	if err != nil {
		return nil, err
	}
	if len(img.Header.Dim) != 3 {
		return nil, fmt.Errorf("read %s: %d axes, want 3", path, len(img.Header.Dim))
	}
	r := &ROIs{Header: img.Header, Labels: make([]uint8, len(img.Data))}
	for i, v := range img.Data {
		if v != float64(int(v)) || v < 0 || int(v) >= len(ROINames) {
			return nil, fmt.Errorf("read %s: voxel %d has label %v, want 0 to %d", path, i, v, len(ROINames)-1)
		}
		r.Labels[i] = uint8(v)
	}
	return r, nil
}
