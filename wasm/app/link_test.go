package app_test

import (
	"net/url"
	"reflect"
	"strings"
	"testing"

	"fmriface/contract/sitedata"
	"fmriface/site/fixture"
	"fmriface/wasm/app"
)

func TestParseView(t *testing.T) {
	cases := []struct {
		query    string
		want     app.View
		problems []string // substrings, one per problem
	}{
		{"", app.View{}, nil},
		{"subject=sub-02&panel=pairwise&region=temporal&trials=3&face=7",
			app.View{Subject: "sub-02", Panel: app.PanelPairwise, ROI: 2, Trials: 3, Face: 6}, nil},
		{"panel=5&region=all&trials=all", app.View{Panel: app.PanelImagery}, nil},
		{"panel=explore&region=frontoparietal", app.View{Panel: app.PanelExplore, ROI: 3}, nil},
		{"panel=11", app.View{}, []string{`panel="11"`}},
		{"panel=9", app.View{Panel: app.PanelResults}, nil},
		{"panel=results&compare=pca", app.View{Panel: app.PanelResults, Compare: true}, nil},
		{"compare=yes", app.View{}, []string{`compare="yes"`}},
		{"panel=real&face=2", app.View{Panel: app.PanelReal, Face: 1}, nil},
		{"panel=Pairwise", app.View{}, []string{"panel="}},
		{"region=v1&trials=-2&face=0", app.View{}, []string{"region=", "trials=", "face="}},
		{"trials=three&face=x&sw=0", app.View{}, []string{"trials=", "face="}},
	}
	for _, c := range cases {
		q, err := url.ParseQuery(c.query)
		if err != nil {
			t.Fatal(err)
		}
		v, problems := app.ParseView(q)
		if v != c.want {
			t.Errorf("%q: view %+v, want %+v", c.query, v, c.want)
		}
		if len(problems) != len(c.problems) {
			t.Errorf("%q: problems %q, want %d", c.query, problems, len(c.problems))
			continue
		}
		for i, p := range problems {
			if !strings.Contains(p, c.problems[i]) {
				t.Errorf("%q: problem %q does not name %q", c.query, p, c.problems[i])
			}
		}
	}
}

func TestOpenAndQuery(t *testing.T) {
	s := loadSite(t, fixture.Options{Voxels: 300, Subjects: 2, Seed: 12})
	a, _ := newApp(t, s)
	if q := a.Query(url.Values{"sw": {"0"}}); q.Encode() != "sw=0" {
		t.Errorf("the start view's query %q, want only the other parameter", q.Encode())
	}
	trials := int(s.subs[0].SubsetTrials[1])
	v := app.View{Subject: s.subs[0].ID, Panel: app.PanelGender, ROI: 1, Trials: trials, Face: 4}
	if problems := a.Open(v); len(problems) != 0 {
		t.Fatalf("problems %q", problems)
	}
	if v := a.View(); a.Panel() != app.PanelGender || v.ROI != 1 || a.Subset() != 1 || v.Face != 4 {
		t.Fatalf("opened panel %v, ROI %d, subset %d, face %d", a.Panel(), v.ROI, a.Subset(), v.Face)
	}
	if msg, _ := a.Message(); !strings.HasPrefix(msg, "Gender panel") {
		t.Errorf("announcement %q", msg)
	}
	runAll(t, a)
	if !a.Ready() || len(a.DecodedLatent(0)) == 0 {
		t.Error("the opened view was not decoded")
	}
	// What the address then holds opens the same view.
	q := a.Query(url.Values{"sw": {"0"}})
	if q.Get("sw") != "0" || q.Get("subject") != "" {
		t.Errorf("query %q: keeps other parameters, leaves out the first subject", q.Encode())
	}
	back, problems := app.ParseView(q)
	v.Subject = ""
	if len(problems) != 0 || back != v {
		t.Errorf("query %q reads back as %+v (%q), want %+v", q.Encode(), back, problems, v)
	}
	if got := a.View(); !reflect.DeepEqual(got, app.View{Subject: s.subs[0].ID, Panel: app.PanelGender, ROI: 1, Trials: trials, Face: 4}) {
		t.Errorf("View() = %+v", got)
	}

	// What the subject does not have is reported and left out.
	problems = a.Open(app.View{Subject: "sub-99", Panel: app.PanelFaces, Trials: 999, Face: 50})
	if len(problems) != 3 || a.Subset() != -1 || a.View().Face != 4 || a.Panel() != app.PanelFaces {
		t.Errorf("problems %q; subset %d, face %d, panel %v", problems, a.Subset(), a.View().Face, a.Panel())
	}
	if msg, _ := a.Message(); !strings.HasPrefix(msg, "Faces panel. Face 5 of") {
		t.Errorf("announcement %q", msg)
	}
	// A loaded subject named by the link is shown.
	if problems := a.Open(app.View{Subject: s.subs[1].ID, Panel: app.PanelPairwise}); len(problems) != 0 || a.Subject().ID != s.subs[1].ID {
		t.Errorf("open %s: problems %q, subject %s", s.subs[1].ID, problems, a.Subject().ID)
	}
	if q := a.Query(nil); q.Get("subject") != s.subs[1].ID || q.Get("panel") != "pairwise" {
		t.Errorf("query %q", q.Encode())
	}
}

// FuzzLink opens any address's parameters as the page does: the app never
// panics and shows a view it has, and the address it then writes opens that
// same view again without a problem.
func FuzzLink(f *testing.F) {
	for _, q := range []string{
		"",
		"subject=sub-02&panel=pairwise&region=temporal&trials=3&face=7",
		"panel=9&face=0&trials=-1",
		"face=99999999999999999999&region=V1",
		"subject=nobody&panel=explore&sw=0&subject=sub-01",
	} {
		f.Add(q)
	}
	s := loadSite(f, fixture.Options{Voxels: 300, Subjects: 2, Seed: 12})
	f.Fuzz(func(t *testing.T, raw string) {
		q, err := url.ParseQuery(raw)
		if err != nil {
			return // the page then keeps its start view
		}
		v, _ := app.ParseView(q)
		a, _ := newApp(t, s)
		a.Open(v)
		got := a.View()
		if sub := a.Subject(); got.Face < 0 || got.Face >= sub.N || got.ROI < 0 || got.ROI >= sitedata.NumROIs ||
			got.Panel < 0 || got.Panel >= app.NumPanels || got.Trials < 0 {
			t.Fatalf("%q opened %+v, which %s (%d faces) does not have", raw, got, sub.ID, sub.N)
		}
		addr := a.Query(q)
		back, problems := app.ParseView(addr)
		if len(problems) != 0 {
			t.Fatalf("%q: the app wrote %q, which reads with problems %q", raw, addr.Encode(), problems)
		}
		b, _ := newApp(t, s)
		if problems := b.Open(back); len(problems) != 0 || b.View() != got {
			t.Fatalf("%q: the app wrote %q, which opens %+v (%q), not %+v", raw, addr.Encode(), b.View(), problems, got)
		}
	})
}
