package fax_test

import (
	"fmt"
	"path/filepath"
	"testing"

	"github.com/potsgate/potsgate/internal/faxpeer"
	"github.com/potsgate/potsgate/media/fax"
)

// modes are the image transfers the fax tests run: the fastest the
// machines agree on, and 9600 and 4800 bit/s forced by offering one modem.
var modes = []struct {
	name   string
	modems string
	rate   int
}{
	{"V.17-14400", "", 14400},
	{"V.29-9600", "v29", 9600},
	{"V.27ter-4800", "v27ter", 4800},
}

// TestSpandspFax sends a three-page fax between two spandsp fax machines
// connected back to back, with our detectors listening to each direction:
// the transfer must succeed with every page identical, and the detectors
// must hear the caller's CNG and V.21 preambles (DCS) and the answerer's
// CED and V.21 preambles (DIS).
func TestSpandspFax(t *testing.T) {
	tool := faxpeer.Tool(t)
	img := faxpeer.Image(t, tool, 3)
	for _, ecm := range []bool{false, true} {
		for _, mode := range modes {
			t.Run(fmt.Sprintf("%s/ECM=%v", mode.name, ecm), func(t *testing.T) {
				t.Parallel()
				rx := filepath.Join(t.TempDir(), "recv.tif")
				o := faxpeer.Options{ECM: ecm, Modems: mode.modems}
				send := faxpeer.Send(t, tool, img, o)
				recv := faxpeer.Receive(t, tool, rx, o)
				// One listener per direction: each relay goroutine touches
				// only its own, and Connect returns after both end.
				ls, lr := &listener{d: fax.New(fax.Config{})}, &listener{d: fax.New(fax.Config{})}
				rs, rr, err := faxpeer.Connect(send, recv, func(from *faxpeer.Machine, x []int16) {
					if from == send {
						ls.hear(x)
					} else {
						lr.hear(x)
					}
				})
				heard := map[*faxpeer.Machine][]hit{send: ls.hits, recv: lr.hits}
				if err != nil {
					t.Fatal(err)
				}
				t.Logf("sender: %v", rs)
				t.Logf("receiver: %v", rr)
				if !rs.OK() || !rr.OK() {
					t.Fatalf("phase E: sender %d (%s), receiver %d (%s)", rs.Code, rs.Text, rr.Code, rr.Text)
				}
				if rr.PagesRx != 3 || rr.Rate != mode.rate || rr.ECM != ecm {
					t.Errorf("received %d pages at %d bit/s, ECM %v; want 3 at %d, ECM %v", rr.PagesRx, rr.Rate, rr.ECM, mode.rate, ecm)
				}
				if err := faxpeer.SamePages(t, img, rx); err != nil {
					t.Error(err)
				}
				for m, want := range map[*faxpeer.Machine]fax.Signal{
					send: fax.SignalCNG | fax.SignalV21Preamble,
					recv: fax.SignalCED | fax.SignalV21Preamble,
				} {
					got := others(heard[m], 0)
					if !got.Has(want) {
						t.Errorf("the %s's audio: heard %v, want %v", m.Name, got, want)
					}
					if got.Has(fax.SignalANSReversal) {
						t.Errorf("the %s's audio: heard phase reversals, which T.30 does not send", m.Name)
					}
					first := map[string]string{}
					for _, s := range []fax.Signal{fax.SignalCNG, fax.SignalCED, fax.SignalV21Preamble} {
						if at := firstAt(heard[m], s); at >= 0 {
							first[s.String()] = fmt.Sprintf("%.2f s", float64(at)/rate)
						}
					}
					t.Logf("%s: first %v; %d preambles", m.Name, first, count(heard[m], fax.SignalV21Preamble))
				}
			})
		}
	}
}

func firstAt(hits []hit, s fax.Signal) int { return first(hits, s) }

// listener runs a detector on one direction and notes what it hears.
type listener struct {
	d    *fax.Detector
	at   int
	hits []hit
}

func (l *listener) hear(x []int16) {
	l.at += len(x)
	if s := l.d.Process(x); s != 0 {
		l.hits = append(l.hits, hit{s, l.at})
	}
}
