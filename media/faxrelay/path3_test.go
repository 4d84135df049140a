package faxrelay_test

import (
	"math/rand/v2"
	"path/filepath"
	"testing"

	"github.com/potsgate/potsgate/internal/faxpeer"
	"github.com/potsgate/potsgate/media/faxrelay"
)

// twoGateways steps fax a - gateway A - T.38 - gateway B - fax b in lock
// step, 20 ms a step, until both machines have ended.
func twoGateways(t *testing.T, a, b *faxpeer.Machine, cfgA, cfgB faxrelay.Config) (faxpeer.Result, faxpeer.Result, faxrelay.Stats, faxrelay.Stats) {
	return twoGatewaysOver(t, a, b, cfgA, cfgB, nil, nil, 0)
}

// netQueue delays packets by up to jitter 10 ms frames, at random but in
// order, as a network and the UDPTL layer's reordering would.
type netQueue struct {
	rng    *rand.Rand
	jitter int
	last   int
	held   []heldPacket
}

type heldPacket struct {
	due int
	p   []byte
}

func (q *netQueue) put(now int, pkts [][]byte) {
	for _, p := range pkts {
		due := max(now+q.rng.IntN(q.jitter+1), q.last)
		q.last = due
		q.held = append(q.held, heldPacket{due, p})
	}
}

func (q *netQueue) take(now int) [][]byte {
	var out [][]byte
	for len(q.held) > 0 && q.held[0].due <= now {
		out = append(out, q.held[0].p)
		q.held = q.held[1:]
	}
	return out
}

// twoGatewaysOver is twoGateways with each machine's line impaired by
// lineA, lineB (nil: none), both ways.
func twoGatewaysOver(t *testing.T, a, b *faxpeer.Machine, cfgA, cfgB faxrelay.Config, lineA, lineB func([]int16), jitter int) (faxpeer.Result, faxpeer.Result, faxrelay.Stats, faxrelay.Stats) {
	ab := &netQueue{rng: rand.New(rand.NewPCG(21, 22)), jitter: jitter}
	ba := &netQueue{rng: rand.New(rand.NewPCG(23, 24)), jitter: jitter}
	frame := 0
	ca, cb := &collect{t: t}, &collect{t: t}
	ga, err := faxrelay.New(cfgA, ca)
	if err != nil {
		t.Fatal(err)
	}
	gb, err := faxrelay.New(cfgB, cb)
	if err != nil {
		t.Fatal(err)
	}
	saidA, heardA := make([]int16, 160), make([]int16, 160)
	saidB, heardB := make([]int16, 160), make([]int16, 160)
	upA, upB := true, true
	for step := 0; upA || upB; step++ {
		if upA && a.Read(saidA) != nil {
			upA = false
			a.CloseInput()
		}
		if !upA {
			clear(saidA)
		}
		if upB && b.Read(saidB) != nil {
			upB = false
			b.CloseInput()
		}
		if !upB {
			clear(saidB)
		}
		if lineA != nil {
			lineA(saidA)
			lineB(saidB)
		}
		for h := 0; h < 160; h += 80 {
			ga.Audio(saidA[h:h+80], heardA[h:h+80])
			gb.Audio(saidB[h:h+80], heardB[h:h+80])
			pa, pb := ca.take(), cb.take()
			trace(t, step, "A->B", pa)
			trace(t, step, "B->A", pb)
			ab.put(frame, pa)
			ba.put(frame, pb)
			feed(t, gb, ab.take(frame))
			feed(t, ga, ba.take(frame))
			frame++
		}
		if lineA != nil {
			lineA(heardA)
			lineB(heardB)
		}
		if upA && a.Write(heardA) != nil {
			upA = false
		}
		if upB && b.Write(heardB) != nil {
			upB = false
		}
		if step > 400*50 {
			t.Fatal("no end after 400 s")
		}
	}
	ra, _ := a.Wait()
	rb, _ := b.Wait()
	return ra, rb, ga.Stats(), gb.Stats()
}

// TestPath3TwoGateways: fax - gateway A - T.38 - gateway B - fax, two
// gateways back to back (issue 12 path 3, the T.38 half).
func TestPath3TwoGateways(t *testing.T) {
	tool := faxpeer.Tool(t)
	img := faxpeer.Image(t, tool, 2)
	for _, c := range pathCases {
		t.Run(c.String(), func(t *testing.T) {
			rx := filepath.Join(t.TempDir(), "rx.tif")
			o := faxpeer.Options{ECM: c.ecm, Modems: c.modems, Timeout: 200e9, Verbose: testing.Verbose()}
			cfg := faxrelay.Config{ECM: true}
			rs, rr, sa, sb := twoGateways(t, faxpeer.Send(t, tool, img, o), faxpeer.Receive(t, tool, rx, o), cfg, cfg)
			t.Logf("gateway B: %+v", sb)
			check(t, img, rx, rs, rr, sa, c, 2)
			if !sa.Ended || !sb.Ended || sa.Pages != 2 || sb.Pages != 2 {
				t.Fatalf("gateways: A %+v, B %+v", sa, sb)
			}
		})
	}
}

// TestSpoofing: a gateway without ECM, or with a lower FaxRelayMaxRate,
// makes machines that could do more agree on what it allows (DIS edited,
// FCS recomputed), in both directions.
func TestSpoofing(t *testing.T) {
	tool := faxpeer.Tool(t)
	img := faxpeer.Image(t, tool, 1)
	for _, c := range []struct {
		name string
		cfg  faxrelay.Config
		want pathCase
	}{
		{"noECM", faxrelay.Config{}, pathCase{"v17,v29,v27ter", false, 14400}},
		{"max9600", faxrelay.Config{ECM: true, MaxRate: 9600}, pathCase{"v17,v29,v27ter", true, 9600}},
		{"max4800", faxrelay.Config{ECM: true, MaxRate: 4800}, pathCase{"v17,v29,v27ter", true, 4800}},
		{"max2400", faxrelay.Config{ECM: true, MaxRate: 2400}, pathCase{"v17,v29,v27ter", true, 2400}},
	} {
		for _, dir := range []string{"audio-to-t38", "t38-to-audio"} {
			t.Run(c.name+"/"+dir, func(t *testing.T) {
				rx := filepath.Join(t.TempDir(), "rx.tif")
				o := faxpeer.Options{ECM: true, Timeout: 200e9}
				col := &collect{t: t}
				g, err := faxrelay.New(c.cfg, col)
				if err != nil {
					t.Fatal(err)
				}
				var rs, rr faxpeer.Result
				if dir == "audio-to-t38" {
					rs, rr = audioGateway(t, faxpeer.Send(t, tool, img, o), faxpeer.T38Receive(t, tool, rx, o), g, col)
				} else {
					rr, rs = audioGateway(t, faxpeer.Receive(t, tool, rx, o), faxpeer.T38Send(t, tool, img, o), g, col)
				}
				check(t, img, rx, rs, rr, g.Stats(), c.want, 1)
			})
		}
	}
}

// TestPath3LongFax: six pages through two gateways at 14400 bit/s, with
// and without ECM: the per-page state (short training, page count, fill)
// holds over a longer call.
func TestPath3LongFax(t *testing.T) {
	tool := faxpeer.Tool(t)
	img := faxpeer.Image(t, tool, 6)
	for _, ecm := range []bool{false, true} {
		c := pathCase{"v17", ecm, 14400}
		t.Run(c.String(), func(t *testing.T) {
			rx := filepath.Join(t.TempDir(), "rx.tif")
			o := faxpeer.Options{ECM: ecm, Modems: "v17", Timeout: 400e9}
			cfg := faxrelay.Config{ECM: true}
			rs, rr, sa, sb := twoGateways(t, faxpeer.Send(t, tool, img, o), faxpeer.Receive(t, tool, rx, o), cfg, cfg)
			check(t, img, rx, rs, rr, sa, c, 6)
			if sa.Pages != 6 || sb.Pages != 6 || !sa.Ended || !sb.Ended {
				t.Fatalf("gateways: A %+v, B %+v", sa, sb)
			}
		})
	}
}

// TestPath3OverLines: two gateways, each machine on a lossy line (6 dB,
// noise, mu-law), every modem with and without ECM.
func TestPath3OverLines(t *testing.T) {
	tool := faxpeer.Tool(t)
	img := faxpeer.Image(t, tool, 2)
	for _, c := range pathCases {
		t.Run(c.String(), func(t *testing.T) {
			rx := filepath.Join(t.TempDir(), "rx.tif")
			o := faxpeer.Options{ECM: c.ecm, Modems: c.modems, Timeout: 200e9}
			cfg := faxrelay.Config{ECM: true}
			rs, rr, sa, _ := twoGatewaysOver(t, faxpeer.Send(t, tool, img, o), faxpeer.Receive(t, tool, rx, o), cfg, cfg, lossyLine(3), lossyLine(4), 0)
			check(t, img, rx, rs, rr, sa, c, 2)
		})
	}
}

// TestPath3Network: two gateways with up to 150 ms of jitter between
// them and each machine's line echoing the port's output at -12 dB:
// every modem with and without ECM.
func TestPath3Network(t *testing.T) {
	tool := faxpeer.Tool(t)
	img := faxpeer.Image(t, tool, 2)
	for _, c := range pathCases {
		t.Run(c.String(), func(t *testing.T) {
			rx := filepath.Join(t.TempDir(), "rx.tif")
			o := faxpeer.Options{ECM: c.ecm, Modems: c.modems, Timeout: 200e9}
			cfg := faxrelay.Config{ECM: true}
			rs, rr, sa, sb := twoGatewaysOver(t, faxpeer.Send(t, tool, img, o), faxpeer.Receive(t, tool, rx, o), cfg, cfg, echoLine(0.25), echoLine(0.25), 15)
			t.Logf("gateway B: %+v", sb)
			check(t, img, rx, rs, rr, sa, c, 2)
		})
	}
}
