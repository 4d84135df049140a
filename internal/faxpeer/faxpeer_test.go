package faxpeer_test

import (
	"path/filepath"
	"testing"

	"github.com/potsgate/potsgate/internal/faxpeer"
)

// TestBackToBack: two machines connected directly deliver a two-page fax
// with ECM; a page that differs is caught by SamePages.
func TestBackToBack(t *testing.T) {
	tool := faxpeer.Tool(t)
	img := faxpeer.Image(t, tool, 2)
	if n := faxpeer.Pages(t, img); n != 2 {
		t.Fatalf("image has %d pages, want 2", n)
	}
	rx := filepath.Join(t.TempDir(), "rx.tif")
	o := faxpeer.Options{ECM: true, Frame: 80}
	rs, rr, err := faxpeer.Connect(faxpeer.Send(t, tool, img, o), faxpeer.Receive(t, tool, rx, o), nil)
	if err != nil {
		t.Fatal(err)
	}
	if !rs.OK() || !rr.OK() || rr.PagesRx != 2 || !rr.ECM {
		t.Fatalf("sender %v; receiver %v", rs, rr)
	}
	if err := faxpeer.SamePages(t, img, rx); err != nil {
		t.Fatal(err)
	}
	if err := faxpeer.SamePages(t, faxpeer.Image(t, tool, 3), rx); err == nil {
		t.Fatal("SamePages took 2 pages for 3")
	}
}

// TestNobodyThere: a sender whose line stays silent ends without
// success when its timeout passes.
func TestNobodyThere(t *testing.T) {
	tool := faxpeer.Tool(t)
	m := faxpeer.Send(t, tool, faxpeer.Image(t, tool, 1), faxpeer.Options{Timeout: 5e9})
	x := make([]int16, m.Frame())
	silence := make([]int16, m.Frame())
	for m.Read(x) == nil {
		if m.Write(silence) != nil {
			break
		}
	}
	r, err := m.Wait()
	if err != nil {
		t.Fatal(err)
	}
	if r.OK() || r.Samples != 5*8000 {
		t.Fatalf("%v, want a failure after 5 s", r)
	}
}

// TestT38Terminals: two spandsp T.38 terminals exchanging IFP packets in
// lock step deliver a fax, with and without ECM.
func TestT38Terminals(t *testing.T) {
	tool := faxpeer.Tool(t)
	img := faxpeer.Image(t, tool, 2)
	for _, ecm := range []bool{false, true} {
		rx := filepath.Join(t.TempDir(), "rx.tif")
		o := faxpeer.Options{ECM: ecm}
		n := 0
		rs, rr, err := faxpeer.ConnectT38(faxpeer.T38Send(t, tool, img, o), faxpeer.T38Receive(t, tool, rx, o),
			func(*faxpeer.Machine, []byte) { n++ })
		if err != nil {
			t.Fatal(err)
		}
		if !rs.OK() || !rr.OK() || rr.PagesRx != 2 || rr.ECM != ecm || rr.Rate != 14400 {
			t.Fatalf("ecm %v: sender %v; receiver %v", ecm, rs, rr)
		}
		if err := faxpeer.SamePages(t, img, rx); err != nil {
			t.Fatal(err)
		}
		t.Logf("ecm %v: %v, %d packets", ecm, rr, n)
	}
}
