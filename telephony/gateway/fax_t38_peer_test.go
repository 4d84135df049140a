package gateway

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/potsgate/potsgate/internal/faxpeer"
	"github.com/potsgate/potsgate/internal/peer"
	"github.com/potsgate/potsgate/media/t38"
	"github.com/potsgate/potsgate/sip"
	"github.com/potsgate/potsgate/sip/sdp"
)

// A T.38 endpoint for issue 12's paths 1 and 2: a SIP user agent (ours,
// in the test) whose media is spandsp's T.38 terminal, its IFP packets
// framed in UDPTL (media/t38.Session, redundancy 2/4) on loopback. The
// terminal runs in simulated time; the test paces it at 20 ms a step
// against the gateway's real time.

var peerT38 = t38.Params{Version: 0, MaxBitRate: 14400, RateManagement: t38.TransferredTCF, MaxBuffer: 2000, MaxDatagram: 1400, UDPEC: t38.ECRedundancy}

// t38Peer is the far end: a user agent and the T.38 terminal it runs
// once the call is on T.38.
type t38Peer struct {
	t     *testing.T
	ua    *sip.UA
	udptl net.PacketConn
	rtp   net.PacketConn
	start func() *faxpeer.Machine // the terminal, made when T.38 starts
	calls chan *sip.Call
	// reinvite: the peer moves an incoming call to T.38 itself.
	reinvite bool
	// wrap, when set, stands in front of the UDPTL socket (loss).
	wrap func(net.PacketConn) net.PacketConn

	once   sync.Once
	result chan termResult
	sess   *t38.Session
}

type termResult struct {
	r     faxpeer.Result
	err   error
	stats t38.SessionStats
}

func newT38Peer(t *testing.T, start func() *faxpeer.Machine) *t38Peer {
	p := &t38Peer{t: t, start: start, calls: make(chan *sip.Call, 1), result: make(chan termResult, 1)}
	var err error
	if p.udptl, err = net.ListenPacket("udp", "127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	if p.rtp, err = net.ListenPacket("udp", "127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = p.rtp.Close() })
	p.ua, err = sip.Listen(sip.Config{ListenAddr: "127.0.0.1:0", Codecs: []sdp.Format{pcmu}}, p, nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); _ = p.ua.Serve(ctx) }()
	t.Cleanup(func() { cancel(); <-done; p.ua.Close() })
	return p
}

func (p *t38Peer) port(c net.PacketConn) int { return c.LocalAddr().(*net.UDPAddr).Port }

func (p *t38Peer) IncomingCall(c *sip.Call) {
	go func() {
		if err := c.Answer(p.port(p.rtp)); err != nil {
			return
		}
		p.calls <- c
		if !p.reinvite {
			return
		}
		time.Sleep(500 * time.Millisecond)
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		ch, err := c.ReofferT38(ctx, p.port(p.udptl), peerT38)
		if err != nil {
			p.t.Errorf("peer's T.38 re-INVITE: %v", err)
			return
		}
		p.run(ch.T38.Remote)
	}()
}

func (p *t38Peer) CheckSync(context.Context, bool) error { return nil }

// T38Offered: the gateway moves the call to T.38; the terminal starts
// when the call's EventModified says where to send (follow).
func (p *t38Peer) T38Offered(c *sip.Call, offer sdp.T38) (int, t38.Params, error) {
	return p.port(p.udptl), peerT38, nil
}

// follow starts the terminal when c goes to T.38 (an outgoing call of
// the peer's, moved by the gateway).
func (p *t38Peer) follow(c *sip.Call) {
	go func() {
		for ev := range c.Events() {
			if ev.Kind == sip.EventModified && ev.Choice.T38.Enabled() {
				p.run(ev.Choice.T38.Remote)
			}
		}
	}()
}

// run starts the terminal and its UDPTL session, once.
func (p *t38Peer) run(remote interface{ String() string }) {
	p.once.Do(func() {
		conn := p.udptl
		if p.wrap != nil {
			conn = p.wrap(conn)
		}
		var mu sync.Mutex
		var inbox [][]byte
		sess, err := t38.NewSession(t38.SessionConfig{Conn: conn, Redundancy: 2, ControlRedundancy: 4,
			OnIFP: func(_ uint16, ifp *t38.IFP) {
				b, err := ifp.Marshal()
				if err != nil {
					return
				}
				mu.Lock()
				inbox = append(inbox, b)
				mu.Unlock()
			}})
		if err != nil {
			p.t.Error(err)
			return
		}
		p.sess = sess
		ap, err := netipAddrPort(remote.String())
		if err != nil {
			p.t.Error(err)
			return
		}
		sess.SetRemote(ap)
		m := p.start()
		go func() {
			defer sess.Close()
			// The terminal's step is 160 samples: it takes as many steps as
			// real time asks (a late tick is caught up, not dropped).
			start, steps := time.Now(), 0
			var ifp t38.IFP
			for {
				if due := time.Duration(steps+1) * 20 * time.Millisecond; time.Since(start) < due {
					time.Sleep(due - time.Since(start))
				}
				steps++
				pkts, err := m.ReadIFP()
				for _, b := range pkts {
					if ifp.Unmarshal(b) == nil {
						_ = sess.Send(&ifp)
					}
				}
				if err != nil {
					break
				}
				mu.Lock()
				in := inbox
				inbox = nil
				mu.Unlock()
				if m.WriteIFP(in) != nil {
					break
				}
			}
			m.CloseInput()
			r, err := m.Wait()
			p.result <- termResult{r, err, sess.Stats()}
		}()
	})
}

// pathCall runs one fax between a spandsp audio fax on a port of
// gateway gw (number 101 calling the peer, or 201 called by it) and the
// peer's T.38 terminal, and returns both reports.
func pathT38(t *testing.T, toPeer bool, ecm bool, modems string, ini string, pages int, wrap func(net.PacketConn) net.PacketConn) (sender, receiver faxpeer.Result, img, rx string, gw *Gateway, udptl t38.SessionStats) {
	t.Helper()
	tool := faxpeer.Tool(t)
	img = faxpeer.Image(t, tool, pages)
	rx = filepath.Join(t.TempDir(), "recv.tif")
	o := faxpeer.Options{ECM: ecm, Modems: modems, Timeout: time.Duration(60+40*pages) * time.Second}
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	var p *t38Peer
	var audio *faxpeer.Machine
	if toPeer { // path 1: the fax on the port sends, the terminal receives
		p = newT38Peer(t, func() *faxpeer.Machine { return faxpeer.T38Receive(t, tool, rx, o) })
		p.reinvite = true
		p.wrap = wrap
		var gwWrap func(*Gateway) // the same loss in front of the gateway's UDPTL socket
		if wrap != nil {
			gwWrap = func(g *Gateway) { g.t38.wrapUDPTL = wrap }
		}
		g, ph := t38GatewayWrap(t, ctx, ini+fmt.Sprintf(`DigitMapping = '2xx'
[ PREFIX ]
FORMAT PREFIX_Index = PREFIX_DestinationPrefix, PREFIX_DestAddress;
PREFIX 0 = 2, %s;
[ \PREFIX ]
`, p.ua.Addr()), "101", []sdp.Format{pcmu}, nil, nil, gwWrap)
		gw = g
		ao := o
		ao.Frame = 80
		audio = faxpeer.Send(t, tool, img, ao)
		ph.PickUp()
		ph.Wait(300 * time.Millisecond)
		ph.DialDTMF("201")
		var c *sip.Call
		select {
		case c = <-p.calls:
		case <-time.After(15 * time.Second):
			t.Fatal("the call did not reach the peer")
		}
		ph.Attach(audio)
		defer func() { _ = c.Hangup(context.Background()) }()
		var tr termResult
		select {
		case tr = <-p.result:
		case <-time.After(o.Timeout + 30*time.Second):
			t.Fatal("the T.38 terminal did not finish")
		}
		if tr.err != nil {
			t.Fatal(tr.err)
		}
		peer.WaitFor(t, time.Minute, "the sending fax to finish", audio.Ended)
		ph.HangUp()
		rs, err := audio.Wait()
		if err != nil {
			t.Fatal(err)
		}
		return rs, tr.r, img, rx, gw, tr.stats
	}
	// path 2: the terminal sends, the fax on the port receives
	p = newT38Peer(t, func() *faxpeer.Machine { return faxpeer.T38Send(t, tool, img, o) })
	p.wrap = wrap
	g, ph := t38Gateway(t, ctx, ini, "201", []sdp.Format{pcmu}, nil, nil)
	gw = g
	ao := o
	ao.Frame = 80
	audio = faxpeer.Receive(t, tool, rx, ao)
	ph.AutoAnswer(1)
	ph.Attach(audio)
	c, err := p.ua.Dial(ctx, sip.Dial{To: "201", Host: g.SIPAddr(), From: "peer", LocalPort: p.port(p.rtp)})
	if err != nil {
		t.Fatal(err)
	}
	p.follow(c)
	defer func() { _ = c.Hangup(context.Background()) }()
	var tr termResult
	select {
	case tr = <-p.result:
	case <-time.After(o.Timeout + 30*time.Second):
		t.Fatal("the T.38 terminal did not finish")
	}
	peer.WaitFor(t, time.Minute, "the receiving fax to finish", audio.Ended)
	ph.HangUp()
	rr, err := audio.Wait()
	if err != nil {
		t.Fatal(err)
	}
	if tr.err != nil {
		t.Fatal(tr.err)
	}
	return tr.r, rr, img, rx, gw, tr.stats
}

// TestFaxT38Path1And2: issue 12's paths 1 and 2 through one gateway.
// Path 1: a spandsp fax on port 101 calls a T.38 endpoint (spandsp's T.38
// terminal behind a SIP user agent), which moves the call to T.38 at
// once; the gateway takes the re-INVITE and relays the page. Path 2: the
// T.38 endpoint calls port 201, whose spandsp fax answers; the gateway
// hears its CED and re-INVITEs to T.38. Each with and without ECM at
// 14400, forced 9600 and 4800.
func TestFaxT38Path1And2(t *testing.T) {
	t.Parallel() // real time, little CPU: the fax runs beside the others (scripts/test)
	for _, path := range []int{1, 2} {
		for _, ecm := range []bool{false, true} {
			for _, mode := range faxModes {
				t.Run(fmt.Sprintf("path%d/%s/ECM=%v", path, mode.name, ecm), func(t *testing.T) {
					t.Parallel()
					rs, rr, img, rx, g, us := pathT38(t, path == 1, ecm, mode.modems, "IsFaxUsed = 1\n", 1, nil)
					t.Logf("peer's UDPTL: %+v", us)
					st := t38Status(t, "gateway", g)
					_ = st
					c := g.T38Counters()
					if path == 1 && c.Accepted != 1 || path == 2 && c.Reinvites != 1 {
						t.Errorf("path %d: %+v", path, c)
					}
					checkFax(t, img, rx, rs, rr, mode.rate, ecm)
				})
			}
		}
	}
}

func netipAddrPort(s string) (netip.AddrPort, error) { return netip.ParseAddrPort(s) }

// TestFaxT38Path1Loss: issue 12's path 4 for path 1: a fax on port 101
// sent through the gateway over T.38 to spandsp's T.38 terminal, 2 pages
// at 14400, with 1 % and 3 % of the UDPTL datagrams lost each way (in
// front of the terminal's and the gateway's sockets: see netemRefused).
// FaxRelayRedundancyDepth = 2 must deliver every page.
func TestFaxT38Path1Loss(t *testing.T) {
	t.Parallel() // real time, little CPU: the fax runs beside the others (scripts/test)
	if err := netemRefused(); err != nil {
		t.Logf("the kernel refuses netem (%v): the loss is applied in front of the UDPTL sockets", err)
	}
	for _, loss := range []float64{0.01, 0.03} {
		for _, ecm := range []bool{false, true} {
			t.Run(fmt.Sprintf("loss=%g%%/ECM=%v", 100*loss, ecm), func(t *testing.T) {
				t.Parallel()
				ln := &lossNet{loss: loss}
				rs, rr, img, rx, _, us := pathT38(t, true, ecm, "", "IsFaxUsed = 1\nFaxRelayRedundancyDepth = 2\n", 2, ln.wrap)
				t.Logf("%d of %d datagrams dropped; the terminal's session recovered %d, lost %d", ln.dropped.Load(), ln.seen.Load(), us.Recovered, us.Lost)
				if ln.dropped.Load() == 0 {
					t.Error("no datagram dropped: the loss did not apply")
				}
				checkFax(t, img, rx, rs, rr, 14400, ecm)
			})
		}
	}
}
