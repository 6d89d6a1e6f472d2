//go:build js && wasm

package main

import (
	"errors"
	"fmt"

	"fmriface/infer/site"
	"fmriface/neuro/lab"
)

// Files that arrive after the start: a subject's bundle or regions file the
// app asked for (app.App.OnNeed) or the realbrain file (OnNeedReal), a failure, and the progress of the
// download under way. The page queues them (page.subjects, page.progress);
// each frame takes them to the app.

// addSubjects parses at most one subject that arrived since the last frame
// (a parse takes a frame or so; one per frame keeps the page responsive).
func (g *game) addSubjects() {
	select {
	case f := <-g.page.subjects:
		if f.real {
			g.addReal(f)
			return
		}
		if f.pca {
			g.addPCA(f)
			return
		}
		if f.lab {
			g.addLab(f)
			return
		}
		if f.failed != "" {
			g.app.NeedFailed(f.id, f.regions, errors.New(f.failed))
			return
		}
		if f.regionsOf != "" {
			g.addRegions(f)
			return
		}
		s, err := site.LoadSubjectVerified(f.name, f.data, g.app.Model().Latent())
		if err == nil {
			err = g.app.AddSubject(s)
		}
		if err != nil {
			g.page.say("A subject could not be loaded: " + err.Error())
		}
	default:
	}
}

// addRegions gives a subject its region decoders (the page sends a
// subject's regions file after the subject's own bundle).
func (g *game) addRegions(f file) {
	s := g.app.SubjectByID(f.regionsOf)
	if s == nil {
		g.page.say(f.name + ": region decoders of " + f.regionsOf + ", which is not loaded")
		return
	}
	if err := s.AddRegionsVerified(f.name, f.data); err != nil {
		g.page.say("The region decoders could not be loaded: " + err.Error())
		return
	}
	g.app.RegionsAdded(s)
}

// addReal gives the app the realbrain file, or its failure.
func (g *game) addReal(f file) {
	if f.failed != "" {
		g.app.RealFailed(errors.New(f.failed))
		return
	}
	r, err := site.LoadRealBrainVerified(f.name, f.data)
	if err == nil {
		err = g.app.AddReal(r)
	}
	if err != nil {
		g.app.RealFailed(err)
	}
}

// addPCA gives the app a PCA file (the PCA bundle, a subject's PCA bundle
// or its PCA regions file), or its failure.
func (g *game) addPCA(f file) {
	a := g.app
	if f.failed != "" {
		a.PCAFailed(f.id, f.regions, errors.New(f.failed))
		return
	}
	var err error
	switch {
	case f.id == "":
		var p *site.PCA
		if p, err = site.LoadPCAVerified(f.name, f.data); err == nil {
			err = a.AddPCA(p)
		}
	case f.regions:
		s := a.PCASubjectByID(f.id)
		if s == nil {
			err = fmt.Errorf("%s: PCA region decoders of %s, whose PCA bundle is not loaded", f.name, f.id)
		} else if err = s.AddRegionsVerified(f.name, f.data); err == nil {
			a.PCARegionsAdded(s)
		}
	default:
		k, ok := a.PCALatent()
		if !ok {
			err = fmt.Errorf("%s: arrived before the PCA bundle", f.name)
			break
		}
		var s *site.Subject
		if s, err = site.LoadPCASubjectVerified(f.name, f.data, k); err == nil {
			err = a.AddPCASubject(s)
		}
	}
	if err != nil {
		a.PCAFailed(f.id, f.regions, err)
	}
}

// downloads takes the latest progress report of the page's download, and
// publishes it for tests (fmrifaceStatus.download: bytes got, total).
func (g *game) downloads() {
	for {
		select {
		case d := <-g.page.progress:
			g.dl = d
			st := g.page.status
			st.Set("downloadGot", d.got)
			st.Set("downloadTotal", d.total)
			// The most of a download seen under way: a test that reads
			// the status now and then still sees that progress was shown.
			if d.got < d.total {
				st.Set("downloadSeen", fmt.Sprintf("%d/%d", d.got, d.total))
			}
		default:
			return
		}
	}
}

// addLab gives the app a lab file (its base file, or with f.regions the PCA
// latents), or its failure.
func (g *game) addLab(f file) {
	a := g.app
	if f.failed != "" {
		a.LabFailed(f.regions, errors.New(f.failed))
		return
	}
	var err error
	if f.regions {
		err = a.AddLabPCA(f.name, f.data)
	} else {
		var d *lab.Data
		if d, err = lab.DecodeBase(f.name, f.data); err == nil {
			err = a.AddLab(d)
		}
	}
	if err != nil {
		a.LabFailed(f.regions, err)
	}
}
