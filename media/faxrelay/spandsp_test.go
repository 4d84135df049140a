package faxrelay_test

import (
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"

	"github.com/potsgate/potsgate/internal/faxpeer"
	"github.com/potsgate/potsgate/media/faxrelay"
	"github.com/potsgate/potsgate/media/t38"
)

// collect is a Sender keeping the packets, encoded.
type collect struct {
	pkts [][]byte
	t    testing.TB
}

func (c *collect) SendIFP(p *t38.IFP) {
	b, err := p.Marshal()
	if err != nil {
		c.t.Errorf("gateway sent a packet it cannot encode: %v (%v)", err, p)
		return
	}
	c.pkts = append(c.pkts, b)
}

func (c *collect) take() [][]byte {
	p := c.pkts
	c.pkts = nil
	return p
}

// feed hands encoded packets to a gateway.
func feed(t testing.TB, g *faxrelay.Gateway, pkts [][]byte) {
	for _, b := range pkts {
		var p t38.IFP
		if err := p.Unmarshal(b); err != nil {
			t.Errorf("peer sent an undecodable packet %x: %v", b, err)
			continue
		}
		g.ReceiveIFP(&p)
	}
}

// audioGateway steps a fax machine (audio) and a T.38 terminal through
// a gateway in lock step, 20 ms a step, until both have ended.
func audioGateway(t testing.TB, fax, term *faxpeer.Machine, g *faxrelay.Gateway, c *collect) (faxpeer.Result, faxpeer.Result) {
	return recordGateway(t, fax, term, g, c, nil, nil, 0)
}

// frameRec is one 10 ms frame of a call through a gateway: what the fax
// machine sent, the packets received before it and those sent in it.
type frameRec struct {
	in         [80]int16
	recv, sent [][]byte
}

// recordGateway is audioGateway keeping every frame in rec (nil: none).
// line (nil: none) impairs the audio each way, as an analog line would;
// jitter (steps of 20 ms, 0: none) delays the terminal's packets to the
// gateway by up to that many steps, at random but in order.
func recordGateway(t testing.TB, fax, term *faxpeer.Machine, g *faxrelay.Gateway, c *collect, rec *[]frameRec, line func([]int16), jitter int) (faxpeer.Result, faxpeer.Result) {
	rng := rand.New(rand.NewPCG(11, 13))
	type held struct {
		due int
		pkt []byte
	}
	var fifo []held
	lastDue := 0
	said := make([]int16, 160)
	heard := make([]int16, 160)
	faxUp, termUp := true, true
	for step := 0; faxUp || termUp; step++ {
		var lastRecv [][]byte
		if faxUp {
			if err := fax.Read(said); err != nil {
				faxUp = false
				fax.CloseInput()
			}
		}
		if !faxUp {
			clear(said)
		}
		if termUp {
			pkts, err := term.ReadIFP()
			if err != nil {
				termUp = false
				term.CloseInput()
			} else {
				trace(t, step, "<-", pkts)
				if jitter > 0 {
					for _, p := range pkts {
						due := max(step+rng.IntN(jitter+1), lastDue)
						lastDue = due
						fifo = append(fifo, held{due, p})
					}
					pkts = nil
					for len(fifo) > 0 && fifo[0].due <= step {
						pkts = append(pkts, fifo[0].pkt)
						fifo = fifo[1:]
					}
				}
				feed(t, g, pkts)
				lastRecv = pkts
			}
		}
		if line != nil {
			line(said)
		}
		var got [][]byte
		if termUp {
			got = lastRecv
		}
		g.Audio(said[:80], heard[:80])
		if rec != nil {
			f := frameRec{recv: got, sent: c.pkts}
			copy(f.in[:], said[:80])
			*rec = append(*rec, f)
		}
		n := len(c.pkts)
		g.Audio(said[80:], heard[80:])
		if rec != nil {
			f := frameRec{sent: c.pkts[n:]}
			copy(f.in[:], said[80:])
			*rec = append(*rec, f)
		}
		if line != nil {
			line(heard)
		}
		if faxUp && fax.Write(heard) != nil {
			faxUp = false
		}
		out := c.take()
		trace(t, step, "->", out)
		if termUp && term.WriteIFP(out) != nil {
			termUp = false
		}
		if step > 400*50 {
			t.Fatal("no end after 400 s")
		}
	}
	rf, errF := fax.Wait()
	rt, errT := term.Wait()
	if err := errors.Join(errF, errT); err != nil && !errors.Is(err, io.EOF) {
		t.Logf("peers: %v", err)
	}
	return rf, rt
}

// trace logs packets when FAXRELAY_TRACE is set.
func trace(t testing.TB, step int, dir string, pkts [][]byte) {
	if os.Getenv("FAXRELAY_TRACE") == "" {
		return
	}
	for _, b := range pkts {
		var p t38.IFP
		_ = p.Unmarshal(b)
		s := p.String()
		if len(s) > 60 {
			s = s[:60]
		}
		t.Logf("%6d ms %s %s", step*20, dir, s)
	}
}

type pathCase struct {
	modems string // what both machines offer
	ecm    bool
	rate   int
}

func (c pathCase) String() string { return fmt.Sprintf("%s/%d/ecm=%v", c.modems, c.rate, c.ecm) }

var pathCases = []pathCase{
	{"v27ter", false, 4800}, {"v27ter", true, 4800},
	{"v29", false, 9600}, {"v29", true, 9600},
	{"v17", false, 14400}, {"v17", true, 14400},
}

func check(t *testing.T, img, rx string, rs, rr faxpeer.Result, st faxrelay.Stats, c pathCase, pages int) {
	t.Helper()
	t.Logf("sender: %v", rs)
	t.Logf("receiver: %v", rr)
	t.Logf("gateway: %+v", st)
	if !rs.OK() || !rr.OK() {
		t.Fatalf("phase E: sender %v, receiver %v", rs, rr)
	}
	if rr.PagesRx != pages || rr.Rate != c.rate || rr.ECM != c.ecm {
		t.Fatalf("receiver %v, want %d pages at %d bit/s, ECM %v", rr, pages, c.rate, c.ecm)
	}
	if err := faxpeer.SamePages(t, img, rx); err != nil {
		t.Fatal(err)
	}
	if !st.Ended || st.Pages != pages || st.Rate != c.rate || st.ECM != c.ecm {
		t.Fatalf("gateway %+v, want ended after %d pages at %d bit/s, ECM %v", st, pages, c.rate, c.ecm)
	}
}

// TestPath1AudioToT38: spandsp's fax machine sends on the port, the
// gateway relays to a spandsp T.38 terminal receiving (issue 12 path 1).
func TestPath1AudioToT38(t *testing.T) {
	tool := faxpeer.Tool(t)
	img := faxpeer.Image(t, tool, 2)
	for _, c := range pathCases {
		t.Run(c.String(), func(t *testing.T) {
			rx := filepath.Join(t.TempDir(), "rx.tif")
			o := faxpeer.Options{ECM: c.ecm, Modems: c.modems, Timeout: 200e9, Verbose: testing.Verbose()}
			col := &collect{t: t}
			g, err := faxrelay.New(faxrelay.Config{ECM: true}, col)
			if err != nil {
				t.Fatal(err)
			}
			rs, rr := audioGateway(t, faxpeer.Send(t, tool, img, o), faxpeer.T38Receive(t, tool, rx, o), g, col)
			check(t, img, rx, rs, rr, g.Stats(), c, 2)
		})
	}
}

// TestPath2T38ToAudio: a spandsp T.38 terminal sends, the gateway plays
// it to spandsp's fax machine receiving on the port (issue 12 path 2).
func TestPath2T38ToAudio(t *testing.T) {
	tool := faxpeer.Tool(t)
	img := faxpeer.Image(t, tool, 2)
	for _, c := range pathCases {
		t.Run(c.String(), func(t *testing.T) {
			rx := filepath.Join(t.TempDir(), "rx.tif")
			o := faxpeer.Options{ECM: c.ecm, Modems: c.modems, Timeout: 200e9, Verbose: testing.Verbose()}
			col := &collect{t: t}
			g, err := faxrelay.New(faxrelay.Config{ECM: true}, col)
			if err != nil {
				t.Fatal(err)
			}
			rr, rs := audioGateway(t, faxpeer.Receive(t, tool, rx, o), faxpeer.T38Send(t, tool, img, o), g, col)
			check(t, img, rx, rs, rr, g.Stats(), c, 2)
		})
	}
}
