package app

import (
	"fmt"
	"slices"
	"strings"
)

// Downloads on demand. The page starts the app with the first subject's
// bundle only; every other file (a subject's bundle, a subject's regions file)
// is asked for through App.OnNeed when a view first needs it, or all at once
// for offline use (KeyDownloadAll), and arrives through AddSubject or
// RegionsAdded. A visit that stays with one subject then downloads that
// subject only.

// need is one file the app may ask its host for (see App.OnNeed).
type need struct {
	id      string
	regions bool
	pca     bool // a PCA file (compare.go); id "" is the PCA bundle
}

// ask calls onNeed for a file not yet asked for.
func (a *App) ask(id string, regions bool) {
	k := need{id: id, regions: regions}
	if a.requested[k] {
		return
	}
	if a.requested == nil {
		a.requested = map[need]bool{}
	}
	a.requested[k] = true
	if a.onNeed != nil {
		a.onNeed(id, regions)
	}
}

// NeedFailed tells the app that a file it asked for could not be
// downloaded: it may ask again (the next key that needs it), and a subject
// change that waited for it is dropped.
func (a *App) NeedFailed(id string, regions bool, err error) {
	a.rev++
	delete(a.requested, need{id: id, regions: regions})
	if !regions && a.pendingSub == id {
		a.pendingSub = ""
	}
	what := "Subject " + id
	if regions {
		what = "The region decoders of " + id
	}
	a.say("%s could not be downloaded: %v. Choosing it again retries.", what, err)
}

// PendingSubject is the subject the app waits for (S chose it and it is
// still downloading), or "".
func (a *App) PendingSubject() string { return a.pendingSub }

// AwaitingRegions reports whether the current view waits for its region's
// decoder to download (it decodes when RegionsAdded is called).
func (a *App) AwaitingRegions() bool { return a.awaitRegions }

// stepSubject answers S (d = 1) and Shift+S (d = −1): the next subject in
// the index's order after the current one (or after the one being waited
// for). A subject not yet downloaded is asked for, and the view stays until
// it arrives.
func (a *App) stepSubject(d int) {
	ids := a.subjectIDs()
	from := a.Subject().ID
	if a.pendingSub != "" {
		from = a.pendingSub
	}
	k := max(0, slices.Index(ids, from))
	id := ids[(k+d+len(ids))%len(ids)]
	for i, s := range a.subjects {
		if s.ID == id {
			a.pendingSub = ""
			a.selectSubject(i)
			a.saySubject()
			return
		}
	}
	a.pendingSub = id
	a.ask(id, false)
	a.say("Downloading subject %s (%s); the view changes when it arrives.", id, megabytes(a.subjectBytes(id, false)))
}

// SubjectPosition returns the current subject's place (from 1) among all the
// subjects of the index, downloaded or not, and their number.
func (a *App) SubjectPosition() (k, n int) {
	ids := a.subjectIDs()
	return slices.Index(ids, a.Subject().ID) + 1, len(ids)
}

// subjectIDs lists the subjects in the index's order, then any loaded
// subject the index does not list (a test may add one).
func (a *App) subjectIDs() []string {
	var ids []string
	if a.index != nil {
		for _, r := range a.index.Subjects {
			ids = append(ids, r.ID)
		}
	}
	for _, s := range a.subjects {
		if !slices.Contains(ids, s.ID) {
			ids = append(ids, s.ID)
		}
	}
	return ids
}

// subjectBytes is the size index.json gives a subject's bundle or regions
// file (0 if it lists none).
func (a *App) subjectBytes(id string, regions bool) int64 {
	if a.index == nil {
		return 0
	}
	for _, r := range a.index.Subjects {
		switch {
		case r.ID != id:
		case !regions:
			return r.Bytes
		case r.Regions != nil:
			return r.Regions.Bytes
		}
	}
	return 0
}

// megabytes formats a download size for a message.
func megabytes(n int64) string {
	if n < 1e6 {
		return fmt.Sprintf("%.0f kB", float64(n)/1e3)
	}
	return fmt.Sprintf("%.1f MB", float64(n)/1e6)
}

// downloadAll answers D: every file not yet here is asked for, so that the
// whole demo works offline afterwards (the page keeps what it downloads):
// the subjects, their regions files and the real-brain panel's file.
func (a *App) downloadAll() {
	if a.index == nil {
		return
	}
	var n int64
	if r := a.index.Real; r != nil && a.real.data == nil {
		if !a.real.asked {
			n += r.Bytes
		}
		a.askReal()
	}
	for _, r := range a.index.Subjects {
		s := a.SubjectByID(r.ID)
		if s == nil {
			if !a.requested[need{id: r.ID}] {
				n += r.Bytes
			}
			a.ask(r.ID, false)
		}
		if r.Regions != nil && (s == nil || s.RegionsPending()) {
			if !a.requested[need{id: r.ID, regions: true}] {
				n += r.Regions.Bytes
			}
			a.ask(r.ID, true)
		}
	}
	n += a.downloadAllPCA()
	if l := a.index.Lab; l != nil && a.lab.data == nil {
		if !a.lab.asked {
			n += l.Bytes
		}
		a.askLab()
	}
	what, are := "Every subject", "is"
	switch {
	case a.index.Real != nil && a.index.PCA != nil:
		what, are = "Every subject, the real brain data and the PCA comparison", "are"
	case a.index.Real != nil:
		what, are = "Every subject and the real brain data", "are"
	case a.index.PCA != nil:
		what, are = "Every subject and the PCA comparison", "are"
	}
	if n == 0 && a.allLoaded() {
		a.say("%s %s downloaded: the demo works offline.", what, are)
		return
	}
	a.say("Downloading %s for offline use (%s more).", strings.ToLower(what[:1])+what[1:], megabytes(n))
}

// allLoaded reports whether every file of the index is here.
func (a *App) allLoaded() bool {
	if a.index == nil {
		return true
	}
	if a.index.Real != nil && a.real.data == nil {
		return false
	}
	if a.index.Lab != nil && a.lab.data == nil {
		return false
	}
	for _, r := range a.index.Subjects {
		s := a.SubjectByID(r.ID)
		if s == nil || (r.Regions != nil && s.RegionsPending()) {
			return false
		}
		if r.PCA != nil {
			ps := a.PCASubjectByID(r.ID)
			if a.cmp.pca == nil || ps == nil || (r.PCA.Regions != nil && ps.RegionsPending()) {
				return false
			}
		}
	}
	return true
}

// downloadAllPCA is downloadAll's part for the PCA files: it asks for every
// one not yet here, the PCA bundle first, and returns the bytes not asked
// for before.
func (a *App) downloadAllPCA() int64 {
	if a.index.PCA == nil {
		return 0
	}
	var n int64
	ask := func(id string, regions bool, bytes int64) {
		if !a.requested[need{id: id, regions: regions, pca: true}] {
			n += bytes
		}
		a.askPCA(id, regions)
	}
	if a.cmp.pca == nil {
		ask("", false, a.index.PCA.Bytes)
	}
	for _, r := range a.index.Subjects {
		if r.PCA == nil {
			continue
		}
		ps := a.PCASubjectByID(r.ID)
		if ps == nil {
			ask(r.ID, false, r.PCA.Bytes)
		}
		if r.PCA.Regions != nil && (ps == nil || ps.RegionsPending()) {
			ask(r.ID, true, r.PCA.Regions.Bytes)
		}
	}
	return n
}
