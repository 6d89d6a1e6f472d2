package app

import (
	"fmriface/contract/sitedata"
	"fmriface/infer/site"
	"fmriface/neuro/lab"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
)

// Links. The page's address follows the view on screen, as in
// ?subject=sub-02&panel=pairwise&region=temporal&trials=3&face=7, so that a
// course can hand out a link to exactly what it discusses, and a reload
// comes back to the same view. The page starts with the link's subject;
// App.Open shows the rest.

// View is what a link opens.
type View struct {
	Subject string // a subject id; "" for the index's first
	Panel   Panel
	ROI     int  // 0 is all voxels
	Trials  int  // trials averaged per face; 0 for all of them
	Face    int  // the chosen test face, from 0
	Compare bool // the PCA comparison is on (compare=pca)
	// Lab is the lab's settings (neuro/lab's link parameters), on the lab
	// panel only; its Subject "" is the index's first subject.
	Lab lab.Config
}

// Slug names a panel in links: "faces", "pattern", "pairwise", "gender",
// "imagery", "explore", "about", "real", "results".
func (p Panel) Slug() string {
	switch p {
	case PanelPairwise:
		return "pairwise"
	case PanelReal:
		return "real"
	}
	return strings.ToLower(p.String())
}

// View returns the view on screen.
func (a *App) View() View {
	v := View{Subject: a.Subject().ID, Panel: a.panel, ROI: a.roi, Face: a.sel, Compare: a.cmp.on}
	if a.subset >= 0 {
		v.Trials = int(a.Subject().SubsetTrials[a.subset])
	}
	if a.panel == PanelLab {
		v.Lab = a.Lab().Config
	}
	return v
}

// Query encodes the view on screen as link parameters into q (other
// parameters of q are kept), leaving out what a link without them opens
// anyway: the first subject, the faces panel, all voxels, all trials, face 1.
func (a *App) Query(q url.Values) url.Values {
	out := url.Values{}
	for k, v := range q {
		out[k] = slices.Clone(v)
	}
	v := a.View()
	set := func(key, val string, dflt bool) {
		if dflt {
			out.Del(key)
		} else {
			out.Set(key, val)
		}
	}
	set("subject", v.Subject, a.index == nil || len(a.index.Subjects) == 0 || a.index.Subjects[0].ID == v.Subject)
	set("panel", v.Panel.Slug(), v.Panel == PanelFaces)
	set("region", sitedata.ROIName(v.ROI), v.ROI == 0)
	set("trials", strconv.Itoa(v.Trials), v.Trials == 0)
	set("face", strconv.Itoa(v.Face+1), v.Face == 0)
	set("compare", "pca", !v.Compare)
	first := ""
	if a.index != nil && len(a.index.Subjects) > 0 {
		first = a.index.Subjects[0].ID
	}
	if v.Panel == PanelLab {
		// The lab's settings name its subject and region; the other
		// panels' view parameters do not apply.
		for _, k := range []string{"region", "trials", "face", "compare"} {
			out.Del(k)
		}
		return v.Lab.Query(out, first)
	}
	for _, k := range labParams {
		out.Del(k)
	}
	return out
}

// labParams are the lab's own link parameters, which other panels drop.
var labParams = []string{"space", "train", "reps", "noise", "voxels", "decoder", "lambda", "seed"}

// ParseView reads a view from link parameters. A parameter it cannot read
// keeps its default and is named in problems, for the page to report; the
// face is checked against the subject by Open.
func ParseView(q url.Values) (v View, problems []string) {
	bad := func(key, why string) { problems = append(problems, fmt.Sprintf("%s=%q: %s", key, q.Get(key), why)) }
	v.Subject = q.Get("subject")
	if s := q.Get("panel"); s != "" {
		found := false
		for p := range NumPanels {
			if s == p.Slug() || s == strconv.Itoa(int(p)+1) {
				v.Panel, found = p, true
			}
		}
		if !found {
			bad("panel", "not faces, pattern, pairwise, gender, imagery, explore, about, real, results, lab or 1 to 10")
		}
	}
	if v.Panel == PanelLab {
		// The lab reads its own parameters (region among them).
		var labProblems []string
		v.Lab, labProblems = lab.ParseQuery(q, v.Subject)
		return v, append(problems, labProblems...)
	}
	if s := q.Get("region"); s != "" {
		v.ROI = -1
		for k := range sitedata.NumROIs {
			if s == sitedata.ROIName(k) {
				v.ROI = k
			}
		}
		if v.ROI < 0 {
			v.ROI = 0
			bad("region", "not all, occipital, temporal or frontoparietal")
		}
	}
	if s := q.Get("trials"); s != "" && s != "all" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 {
			bad("trials", "not a number of trials or all")
		} else {
			v.Trials = n
		}
	}
	switch s := q.Get("compare"); s {
	case "", "off", "0":
	case "pca", "on", "1":
		v.Compare = true
	default:
		bad("compare", "not pca or off")
	}
	if s := q.Get("face"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 {
			bad("face", "not a face number from 1")
		} else {
			v.Face = n - 1
		}
	}
	return v, problems
}

// Open shows view v on the current subject (or on v's subject, if it is
// loaded) and announces it. What the subject does not have (a number of
// trials, a face) stays as it was, and problems say so.
func (a *App) Open(v View) (problems []string) {
	a.rev++
	if v.Panel == PanelLab {
		return a.openLabLink(v)
	}
	if v.Subject != "" && v.Subject != a.Subject().ID {
		if k := slices.IndexFunc(a.subjects, func(s *site.Subject) bool { return s.ID == v.Subject }); k >= 0 {
			a.selectSubject(k)
		} else {
			problems = append(problems, fmt.Sprintf("subject %s is not loaded", v.Subject))
		}
	}
	s := a.Subject()
	if v.ROI >= 0 && v.ROI < sitedata.NumROIs {
		a.roi = v.ROI
	}
	a.subset = -1
	if v.Trials > 0 {
		if r := slices.Index(s.SubsetTrials, int32(v.Trials)); r >= 0 {
			a.subset = r
		} else {
			problems = append(problems, fmt.Sprintf("%s has no view of %d trials (it has %v); showing all trials", s.ID, v.Trials, s.SubsetTrials))
		}
	}
	if v.Face >= 0 && v.Face < s.N {
		a.sel = v.Face
	} else {
		problems = append(problems, fmt.Sprintf("%s has no face %d (it has %d)", s.ID, v.Face+1, s.N))
	}
	a.cmp.on = v.Compare
	a.replan()
	a.setPanel(v.Panel)
	if a.panel == PanelFaces {
		// setPanel announced the panel only, as it was already open.
		a.say("%s panel. %s", a.panel, a.DescribeFace(a.sel))
	}
	return problems
}
