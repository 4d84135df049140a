package gateway

import (
	"context"
	"fmt"
	"log/slog"
	"math"
	"sync"
	"testing"
	"time"

	"github.com/potsgate/potsgate/hal/sim"
	"github.com/potsgate/potsgate/internal/faxpeer"
	"github.com/potsgate/potsgate/internal/peer"
	"github.com/potsgate/potsgate/media/t38"
	"github.com/potsgate/potsgate/media/tone"
	"github.com/potsgate/potsgate/sip"
	"github.com/potsgate/potsgate/sip/sdp"
)

// fakeRelay stands in for media/faxrelay: each frame it sends an image
// packet numbered by frame, and it checks that the far end's packets
// arrive in order and whole; it reports the end of the fax once it has
// received endAfter of them.
type fakeRelay struct {
	cfg      relayConfig
	send     func(*t38.IFP)
	endAfter int

	mu               sync.Mutex
	sent, got, gaps  int
	next             int
	frames, heardCED int
	ifp              t38.IFP
	data             [2]byte
	fields           [1]t38.Field
}

func (f *fakeRelay) Audio(in, out []int16) {
	f.mu.Lock()
	f.frames++
	if ced(in) {
		f.heardCED++
	}
	f.sent++
	f.data = [2]byte{byte(f.sent >> 8), byte(f.sent)}
	f.mu.Unlock()
	f.fields[0] = t38.Field{Type: t38.T4NonECMData, Data: f.data[:]}
	f.ifp = t38.IFP{IsData: true, DataType: t38.V17_14400, Fields: f.fields[:]}
	f.send(&f.ifp)
	clear(out)
}

func (f *fakeRelay) ReceiveIFP(p *t38.IFP) {
	if !p.IsData || len(p.Fields) != 1 || len(p.Fields[0].Data) != 2 {
		return
	}
	n := int(p.Fields[0].Data[0])<<8 | int(p.Fields[0].Data[1])
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.next != 0 && n != f.next {
		f.gaps++
	}
	f.next = n + 1
	f.got++
}

func (f *fakeRelay) Stats() relayStats {
	f.mu.Lock()
	defer f.mu.Unlock()
	return relayStats{Ended: f.endAfter > 0 && f.got >= f.endAfter, Pages: f.got / 100, Rate: f.cfg.MaxRate, ECM: f.cfg.ECM}
}

func (f *fakeRelay) counts() (sent, got, gaps, ced int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.sent, f.got, f.gaps, f.heardCED
}

// ced: a frame that is mostly 2100 Hz.
func ced(x []int16) bool {
	var e, c, s float64
	for i, v := range x {
		e += float64(v) * float64(v)
		c += float64(v) * math.Cos(2*math.Pi*2100*float64(i)/8000)
		s += float64(v) * math.Sin(2*math.Pi*2100*float64(i)/8000)
	}
	return e > 1e6 && (c*c+s*s)*4/float64(len(x)) > e
}

// relays keeps the fake relays a gateway made.
type relays struct {
	endAfter int
	mu       sync.Mutex
	made     []*fakeRelay
}

func (r *relays) factory(cfg relayConfig, send func(*t38.IFP), _ *slog.Logger) (faxRelay, error) {
	f := &fakeRelay{cfg: cfg, send: send, endAfter: r.endAfter}
	r.mu.Lock()
	r.made = append(r.made, f)
	r.mu.Unlock()
	return f, nil
}

func (r *relays) last() *fakeRelay {
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.made) == 0 {
		return nil
	}
	return r.made[len(r.made)-1]
}

// t38Gateway is faxGateway with a relay factory (nil: none) and a SIP
// configuration to adjust.
func t38Gateway(t *testing.T, ctx context.Context, ini, number string, codecs []sdp.Format, r *relays, sc func(*sip.Config)) (*Gateway, *sim.Phone) {
	t.Helper()
	return t38GatewayWrap(t, ctx, ini, number, codecs, r, sc, nil)
}

// t38GatewayWrap is t38Gateway with wrap called on the gateway before it
// runs (to put a network impairment in front of its sockets).
func t38GatewayWrap(t *testing.T, ctx context.Context, ini, number string, codecs []sdp.Format, r *relays, sc func(*sip.Config), wrap func(*Gateway)) (*Gateway, *sim.Phone) {
	t.Helper()
	reg, _ := NewRegistry()
	res, err := reg.ApplyText(reg.Defaults(), "gw.ini", []byte(ini))
	if err != nil {
		t.Fatal(err)
	}
	us, _ := tone.Country("US")
	ph := sim.NewPhone()
	cfg := sip.Config{ListenAddr: "127.0.0.1:0", Codecs: codecs, DTMFPayloadType: 101, PacketTime: 20 * time.Millisecond}
	if sc != nil {
		sc(&cfg)
	}
	g, err := New(Options{Config: res.Config, Ports: []Port{{Number: number, FXS: ph}}, Tones: us, Media: rtpFactory(t), Paced: true, SIP: cfg})
	if err != nil {
		t.Fatal(err)
	}
	if wrap != nil {
		wrap(g)
	}
	if r != nil {
		g.t38.newRelay = r.factory
	}
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- g.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done })
	return g, ph
}

// t38Pair sets up a call from port 101 of A to port 201 of B and has
// B's phone play CED (a fax machine answering).
func t38Pair(t *testing.T, iniA, iniB string, codecs []sdp.Format, ra, rb *relays, sc func(*sip.Config)) (a, b *Gateway, pa, pb *sim.Phone) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	b, pb = t38Gateway(t, ctx, iniB, "201", codecs, rb, nil)
	a, pa = t38Gateway(t, ctx, iniA+fmt.Sprintf(`DigitMapping = '2xx'
[ PREFIX ]
FORMAT PREFIX_Index = PREFIX_DestinationPrefix, PREFIX_DestAddress;
PREFIX 0 = 2, %s;
[ \PREFIX ]
`, b.SIPAddr()), "101", codecs, ra, sc)
	pb.AutoAnswer(1)
	pa.PickUp()
	pa.Wait(300 * time.Millisecond)
	pa.DialDTMF("201")
	peer.WaitFor(t, 15*time.Second, "port 201 to answer", pb.OffHook)
	time.Sleep(300 * time.Millisecond)
	tone := make([]int16, 8000*3) // 3 s of CED at about -10 dBm0
	for i := range tone {
		tone[i] = int16(3000 * math.Sin(2*math.Pi*2100*float64(i)/8000))
	}
	pb.Say(tone)
	return a, b, pa, pb
}

// TestT38Relay: IsFaxUsed = 1. B hears CED on its port and re-INVITEs
// to T.38; A takes it; the ports' audio goes to the relays, whose
// packets cross in UDPTL whole and in order; when B's relay reports the
// end of the fax, B re-INVITEs back to audio and both leave T.38.
func TestT38Relay(t *testing.T) {
	ra, rb := &relays{endAfter: 300}, &relays{endAfter: 300}
	ini := "IsFaxUsed = 1\nFaxRelayMaxRate = 3\nFaxRelayEnhancedRedundancyDepth = 3\nFaxRelayRedundancyDepth = 1\n"
	a, b, _, _ := t38Pair(t, ini, ini, []sdp.Format{pcmu}, ra, rb, nil)
	peer.WaitFor(t, 15*time.Second, "both on T.38", func() bool {
		sa, _, _, _ := a.FaxStatus(0)
		sb, _, _, _ := b.FaxStatus(0)
		return sa.T38 && sb.T38
	})
	if fs := b.Status().Ports[0].Fax; fs == nil || fs.Transport != "t38" || fs.Signal != "CED" {
		t.Errorf("B's status page: fax %+v", fs)
	}
	if n, _ := b.faxCalls(); n != 1 {
		t.Errorf("B: %d ports on T.38", n)
	}
	fa, fb := ra.last(), rb.last()
	if fb.cfg != (relayConfig{MaxRate: 9600, ECM: true, Redundancy: 1, ControlRedundancy: 3}) {
		t.Errorf("B's relay %+v", fb.cfg)
	}
	peer.WaitFor(t, 20*time.Second, "back to audio", func() bool {
		sa, _, _, _ := a.FaxStatus(0)
		sb, _, _, _ := b.FaxStatus(0)
		return sa.WasT38 && sb.WasT38 && !sa.T38 && !sb.T38
	})
	sa, ca, _, _ := a.FaxStatus(0)
	sb, cb, _, _ := b.FaxStatus(0)
	t.Logf("A: %+v on %s\nB: %+v on %s", sa, ca, sb, cb)
	ta, tb := a.T38Counters(), b.T38Counters()
	t.Logf("A %+v, B %+v", ta, tb)
	if tb.Reinvites != 1 || ta.Accepted != 1 || ta.Reinvites != 0 || tb.BackToAudio+ta.BackToAudio < 2 || ta.Refused+tb.Refused != 0 {
		t.Errorf("counters A %+v, B %+v", ta, tb)
	}
	for name, f := range map[string]*fakeRelay{"A": fa, "B": fb} {
		sent, got, gaps, _ := f.counts()
		t.Logf("%s's relay: sent %d, received %d, %d gaps", name, sent, got, gaps)
		if got < 300 || gaps != 0 {
			t.Errorf("%s's relay received %d with %d gaps", name, got, gaps)
		}
	}
	if _, _, _, heard := fb.counts(); heard == 0 {
		t.Error("B's relay never heard the port's CED")
	}
	if fs := b.Status().Ports[0].Fax; fs == nil || fs.Transport != "g711" || !fs.WasT38 || fs.Pages != 3 || fs.UDPTLReceived < 300 {
		t.Errorf("B's status page after the fax: %+v", fs)
	}
	if ca != "PCMU" || cb != "PCMU" || sb.UDPTL.Received < 300 || sb.UDPTL.Malformed != 0 {
		t.Errorf("after the fax: codecs %s/%s, B's UDPTL %+v", ca, cb, sb.UDPTL)
	}
}

// TestT38Fallback: IsFaxUsed = 3 on B, and A without T.38 (the
// defaults): A refuses B's T.38 re-INVITE (488 with a Warning, counted)
// and B moves the G.729 call to G.711 pass-through instead. With
// IsFaxUsed = 1 the refusal leaves the call on G.729.
func TestT38Fallback(t *testing.T) {
	codecs := []sdp.Format{g729Format, pcmu, pcmaFormatT}
	for _, c := range []struct {
		ini   string
		codec string
		fb    int64
	}{{"IsFaxUsed = 3\n", "PCMA", 1}, {"IsFaxUsed = 1\n", "G729", 0}} {
		t.Run(c.ini[:len(c.ini)-1], func(t *testing.T) {
			a, b, _, _ := t38Pair(t, "", c.ini, codecs, &relays{}, &relays{}, nil)
			peer.WaitFor(t, 15*time.Second, "the refusal", func() bool { return b.T38Counters().Refused == 1 })
			if c.fb > 0 {
				peer.WaitFor(t, 15*time.Second, "G.711", func() bool { _, cb, _, _ := b.FaxStatus(0); return cb == "PCMA" })
			} else {
				time.Sleep(500 * time.Millisecond)
			}
			sa, ca, _, _ := a.FaxStatus(0)
			sb, cb, _, _ := b.FaxStatus(0)
			tb := b.T38Counters()
			t.Logf("A %+v on %s; B %+v on %s; B %+v; A's SIP refusals %d", sa, ca, sb, cb, tb, a.ua.Stats().T38Refused.Load())
			if ca != c.codec || cb != c.codec || tb.Fallbacks != c.fb || sb.T38 || sa.T38 || sb.PassThrough != (c.fb > 0) {
				t.Errorf("codecs %s/%s, %+v, want %s", ca, cb, tb, c.codec)
			}
			if a.ua.Stats().T38Refused.Load() != 1 || a.T38Counters().Refused != 1 {
				t.Errorf("A's refusals: SIP %d, gateway %+v", a.ua.Stats().T38Refused.Load(), a.T38Counters())
			}
		})
	}
}

// TestT38SessionRefresh: a call on T.38 across session refreshes (A
// places it with SIPSessionExpires 2 s, MinSE 1 s): every refresh
// offers the image line again, the relays' packets go on without a
// gap, and the call stays on T.38 for three intervals.
func TestT38SessionRefresh(t *testing.T) {
	for _, update := range []bool{false, true} {
		t.Run(fmt.Sprintf("update=%v", update), func(t *testing.T) {
			ra, rb := &relays{}, &relays{}
			ini := "IsFaxUsed = 1\nMinSE = 1\n"
			a, b, _, _ := t38Pair(t, ini, ini, []sdp.Format{pcmu}, ra, rb, func(c *sip.Config) {
				c.SessionExpires, c.MinSE, c.SessionRefreshByUpdate = 2*time.Second, time.Second, update
			})
			peer.WaitFor(t, 15*time.Second, "both on T.38", func() bool {
				sa, _, _, _ := a.FaxStatus(0)
				sb, _, _, _ := b.FaxStatus(0)
				return sa.T38 && sb.T38
			})
			_, before, _, _ := ra.last().counts()
			time.Sleep(6 * time.Second)
			sa, _, _, _ := a.FaxStatus(0)
			sb, _, _, _ := b.FaxStatus(0)
			for name, f := range map[string]*fakeRelay{"A": ra.last(), "B": rb.last()} {
				sent, got, gaps, _ := f.counts()
				t.Logf("%s's relay: sent %d, received %d, %d gaps", name, sent, got, gaps)
				if gaps != 0 {
					t.Errorf("%s's relay: %d gaps", name, gaps)
				}
			}
			_, after, _, _ := ra.last().counts()
			if !sa.T38 || !sb.T38 || after-before < 500 || len(ra.made) != 1 || len(rb.made) != 1 {
				t.Errorf("A %+v, B %+v, %d packets in 6 s, relays %d/%d", sa, sb, after-before, len(ra.made), len(rb.made))
			}
		})
	}
}

// TestT38Params: the T.38 values of the fax parameters.
func TestT38Params(t *testing.T) {
	reg, _ := NewRegistry()
	for ini, want := range map[string]faxPolicy{
		"IsFaxUsed = 1\n":        {detect: true, t38: true, t38In: true, relay: relayConfig{MaxRate: 14400, ECM: true, ControlRedundancy: 2}},
		"IsFaxUsed = 3\n":        {detect: true, t38: true, fallback: true, t38In: true, relay: relayConfig{MaxRate: 14400, ECM: true, ControlRedundancy: 2}},
		"FaxTransportMode = 1\n": {detect: true, t38In: true, relay: relayConfig{MaxRate: 14400, ECM: true, ControlRedundancy: 2}},
		"IsFaxUsed = 1\nFaxRelayMaxRate = 1\nFaxRelayECMEnable = 0\nFaxRelayRedundancyDepth = 2\nFaxRelayEnhancedRedundancyDepth = 4\n": {detect: true, t38: true, t38In: true,
			relay: relayConfig{MaxRate: 4800, Redundancy: 2, ControlRedundancy: 4}},
	} {
		res, err := reg.ApplyText(reg.Defaults(), "gw.ini", []byte(ini))
		if err != nil {
			t.Fatalf("%q: %v", ini, err)
		}
		got := faxPolicyOf(res.Config)
		got.formats = nil
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("%q: %+v, want %+v", ini, got, want)
		}
	}
	for _, bad := range []string{"FaxRelayRedundancyDepth = 3\n", "FaxRelayEnhancedRedundancyDepth = 5\n", "FaxRelayMaxRate = 6\n", "FaxRelayECMEnable = 2\n", "IsFaxUsed = 4\n"} {
		if _, err := reg.ApplyText(reg.Defaults(), "gw.ini", []byte(bad)); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

// t38Status checks a gateway's view of a fax that went over T.38.
func t38Status(t *testing.T, name string, g *Gateway) FaxStatus {
	t.Helper()
	st, codec, _, _ := g.FaxStatus(0)
	t.Logf("%s: T.38 %v (was %v), %d pages at %d bit/s, ECM %v, %d underflows, UDPTL %+v; codec %s; %+v", name, st.T38, st.WasT38,
		st.Pages, st.Rate, st.ECM, st.Underflows, st.UDPTL, codec, g.T38Counters())
	if !st.T38 && !st.WasT38 {
		t.Errorf("%s: the fax did not go over T.38: %+v", name, st)
	}
	return st
}

// TestFaxT38Path3: issue 12's path 3 over T.38. A spandsp fax on port
// 101 of gateway A sends a page to one on port 201 of gateway B; B hears
// CED on its port and re-INVITEs to T.38 (IsFaxUsed = 1 on both), both
// gateways relay (media/faxrelay) over UDPTL on loopback, in real time,
// with and without ECM at 14400 (V.17) and forced 9600 (V.29) and 4800
// (V.27ter).
func TestFaxT38Path3(t *testing.T) {
	t.Parallel() // real time, little CPU: the fax runs beside the others (scripts/test)
	tool := faxpeer.Tool(t)
	img := faxpeer.Image(t, tool, 1)
	for _, ecm := range []bool{false, true} {
		for _, mode := range faxModes {
			t.Run(fmt.Sprintf("T38/%s/ECM=%v", mode.name, ecm), func(t *testing.T) {
				t.Parallel()
				o := faxpeer.Options{ECM: ecm, Modems: mode.modems}
				rs, rr, rx := faxCall(t, tool, img, "IsFaxUsed = 1\n", []sdp.Format{pcmu}, o, func(a, b *Gateway) {
					t38Status(t, "A", a)
					t38Status(t, "B", b)
					if b.T38Counters().Reinvites != 1 || a.T38Counters().Accepted != 1 {
						t.Errorf("re-INVITEs: A %+v, B %+v; want one from B", a.T38Counters(), b.T38Counters())
					}
				})
				checkFax(t, img, rx, rs, rr, mode.rate, ecm)
			})
		}
	}
}
