package gateway

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/potsgate/potsgate/internal/faxpeer"
	"github.com/potsgate/potsgate/internal/peer"
	"github.com/potsgate/potsgate/sip"
	"github.com/potsgate/potsgate/sip/sdp"
)

// lossConn drops a share of the datagrams a socket receives (seeded),
// keeping the socket's read deadlines: the network loss of issue 12's
// path 4 where the kernel has no netem.
type lossConn struct {
	net.PacketConn
	loss    float64
	mu      sync.Mutex
	rng     *rand.Rand
	dropped *atomic.Int64
	seen    *atomic.Int64
}

func (c *lossConn) ReadFrom(p []byte) (int, net.Addr, error) {
	for {
		n, a, err := c.PacketConn.ReadFrom(p)
		if err != nil {
			return n, a, err
		}
		c.seen.Add(1)
		c.mu.Lock()
		drop := c.rng.Float64() < c.loss
		c.mu.Unlock()
		if !drop {
			return n, a, nil
		}
		c.dropped.Add(1)
	}
}

// lossNet makes lossConns, one seed per socket, and counts.
type lossNet struct {
	loss          float64
	seed          atomic.Uint64
	dropped, seen atomic.Int64
}

func (l *lossNet) wrap(c net.PacketConn) net.PacketConn {
	return &lossConn{PacketConn: c, loss: l.loss, rng: rand.New(rand.NewPCG(l.seed.Add(1), 12)), dropped: &l.dropped, seen: &l.seen}
}

// faxPair runs a fax from port 101 of gateway A to port 201 of gateway
// B (path 3), wrap putting an impairment in front of sockets of both,
// and sc adjusting A's SIP configuration. It returns both reports, the
// received file and the gateways.
func faxPair(t *testing.T, tool, img, ini string, codecs []sdp.Format, o faxpeer.Options, wrap func(*Gateway), sc func(*sip.Config)) (rs, rr faxpeer.Result, rx string, a, b *Gateway) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	b, pb := t38GatewayWrap(t, ctx, ini, "201", codecs, nil, nil, wrap)
	a, pa := t38GatewayWrap(t, ctx, ini+fmt.Sprintf(`DigitMapping = '2xx'
[ PREFIX ]
FORMAT PREFIX_Index = PREFIX_DestinationPrefix, PREFIX_DestAddress;
PREFIX 0 = 2, %s;
[ \PREFIX ]
`, b.SIPAddr()), "101", codecs, nil, sc, wrap)
	o.Frame = 80
	if o.Timeout == 0 {
		o.Timeout = 150 * time.Second
	}
	rx = filepath.Join(t.TempDir(), "recv.tif")
	send, recv := faxpeer.Send(t, tool, img, o), faxpeer.Receive(t, tool, rx, o)
	pb.AutoAnswer(1)
	pb.Attach(recv)
	pa.PickUp()
	pa.Wait(300 * time.Millisecond)
	pa.DialDTMF("201")
	peer.WaitFor(t, 15*time.Second, "port 201 to answer", pb.OffHook)
	pa.Attach(send)
	peer.WaitFor(t, o.Timeout+10*time.Second, "the receiving fax to finish", recv.Ended)
	pb.HangUp()
	send.CloseInput()
	peer.WaitFor(t, time.Minute, "the sending fax to finish", send.Ended)
	pa.HangUp()
	var err error
	if rs, err = send.Wait(); err != nil {
		t.Fatal(err)
	}
	if rr, err = recv.Wait(); err != nil {
		t.Fatal(err)
	}
	return rs, rr, rx, a, b
}

// netemRefused asks the kernel for a netem qdisc on the loopback of a
// throwaway network namespace and returns its refusal (nil: it has
// netem).
func netemRefused() error {
	ip, err := exec.LookPath("ip")
	if err != nil {
		return err
	}
	ns := fmt.Sprintf("pgnetem%d", os.Getpid()%100000)
	if out, err := exec.Command(ip, "netns", "add", ns).CombinedOutput(); err != nil {
		return fmt.Errorf("ip netns add: %w: %s", err, strings.TrimSpace(string(out)))
	}
	defer exec.Command(ip, "netns", "del", ns).Run()
	if out, err := exec.Command(ip, "netns", "exec", ns, "tc", "qdisc", "add", "dev", "lo", "root", "netem", "loss", "1%").CombinedOutput(); err != nil {
		return fmt.Errorf("tc qdisc add dev lo root netem: %w: %s", err, strings.TrimSpace(string(out)))
	}
	return nil
}

// TestFaxT38Loss: issue 12's path 4 (path 3 with 1 % and 3 % random
// loss). This kernel has no sch_netem, so the loss is applied on
// receipt in front of each gateway's UDPTL sockets for T.38, and of its
// RTP sockets for G.711 (seeded).
// T.38 with FaxRelayRedundancyDepth = 2 (and the default
// FaxRelayEnhancedRedundancyDepth = 2) must deliver every page whole;
// what G.711 pass-through does under the same loss is logged, not
// required.
func TestFaxT38Loss(t *testing.T) {
	t.Parallel() // real time, little CPU: the fax runs beside the others (scripts/test)
	tool := faxpeer.Tool(t)
	img := faxpeer.Image(t, tool, 2)
	if err := netemRefused(); err != nil {
		t.Logf("the kernel refuses netem (%v): the loss is applied in front of the gateways' UDPTL sockets (T.38) or RTP sockets (G.711)", err)
	} else {
		// Both gateways live in this test's process, so one namespace:
		// netem on a veth between them would need one in another.
		t.Log("netem works here, but both gateways run in this process's network namespace: the loss is applied in front of their UDPTL sockets (T.38) or RTP sockets (G.711)")
	}
	for _, loss := range []float64{0.01, 0.03} {
		for _, ecm := range []bool{false, true} {
			for _, tr := range []struct {
				name, ini string
				seed      uint64
			}{
				{"T38", "IsFaxUsed = 1\nFaxRelayRedundancyDepth = 2\n", 0},
				{"T38", "IsFaxUsed = 1\nFaxRelayRedundancyDepth = 2\n", 100},
				{"T38", "IsFaxUsed = 1\nFaxRelayRedundancyDepth = 2\n", 200},
				{"G711", "", 0},
			} {
				t.Run(fmt.Sprintf("%s/loss=%g%%/ECM=%v/seed=%d", tr.name, 100*loss, ecm, tr.seed), func(t *testing.T) {
					t.Parallel()
					ln := &lossNet{loss: loss}
					ln.seed.Store(tr.seed)
					wrap := func(g *Gateway) { g.opts.Media.(*RTPMedia).wrapRTP = ln.wrap }
					if tr.name == "T38" {
						wrap = func(g *Gateway) { g.t38.wrapUDPTL = ln.wrap }
					}
					o := faxpeer.Options{ECM: ecm, Verbose: testing.Verbose()}
					rs, rr, rx, a, b := faxPair(t, tool, img, tr.ini, []sdp.Format{pcmu}, o, wrap, nil)
					t.Logf("%d of %d datagrams dropped (%.2f %%)", ln.dropped.Load(), ln.seen.Load(), 100*float64(ln.dropped.Load())/float64(max(ln.seen.Load(), 1)))
					t.Logf("sender: %v", rs)
					t.Logf("receiver: %v", rr)
					same := faxpeer.SamePages(t, img, rx)
					if tr.name == "G711" {
						t.Logf("G.711 pass-through at %g %% loss: phase E %d (%s), %d pages received, identical: %v", 100*loss, rr.Code, rr.Text, rr.PagesRx, same == nil)
						return
					}
					sa := t38Status(t, "A", a)
					sb := t38Status(t, "B", b)
					t.Logf("UDPTL recovered A %d B %d, lost A %d B %d", sa.UDPTL.Recovered, sb.UDPTL.Recovered, sa.UDPTL.Lost, sb.UDPTL.Lost)
					if !rs.OK() || !rr.OK() || rr.PagesRx != 2 {
						t.Fatalf("phase E: sender %d (%s), receiver %d (%s), %d pages", rs.Code, rs.Text, rr.Code, rr.Text, rr.PagesRx)
					}
					if same != nil {
						t.Error(same)
					}
				})
			}
		}
	}
}

// TestFaxT38LongSessionRefresh: issue 12's path 5. A 20-page fax over
// T.38 between two gateways while A's call refreshes its session every
// 5 s (SIPSessionExpires 10 s, MinSE 10 s; re-INVITEs offering the
// image line): every page arrives whole.
func TestFaxT38LongSessionRefresh(t *testing.T) {
	t.Parallel() // real time, little CPU: the fax runs beside the others (scripts/test)
	tool := faxpeer.Tool(t)
	img := faxpeer.Image(t, tool, 20)
	for _, ecm := range []bool{false, true} {
		t.Run(fmt.Sprintf("ECM=%v", ecm), func(t *testing.T) {
			t.Parallel()
			o := faxpeer.Options{ECM: ecm, Timeout: 600 * time.Second}
			ini := "IsFaxUsed = 1\nMinSE = 10\n"
			rs, rr, rx, a, b := faxPair(t, tool, img, ini, []sdp.Format{pcmu}, o, nil, func(c *sip.Config) {
				c.SessionExpires, c.MinSE = 10*time.Second, 10*time.Second
			})
			t.Logf("sender: %v", rs)
			t.Logf("receiver: %v", rr)
			t38Status(t, "A", a)
			t38Status(t, "B", b)
			if !rs.OK() || !rr.OK() || rr.PagesRx != 20 {
				t.Fatalf("phase E: sender %d (%s), receiver %d (%s), %d pages", rs.Code, rs.Text, rr.Code, rr.Text, rr.PagesRx)
			}
			if err := faxpeer.SamePages(t, img, rx); err != nil {
				t.Error(err)
			}
		})
	}
}

// TestFaxT38TwoPages: path 3 over T.38 with two pages and no loss, the
// reference for TestFaxT38Loss.
func TestFaxT38TwoPages(t *testing.T) {
	t.Parallel() // real time, little CPU: the fax runs beside the others (scripts/test)
	tool := faxpeer.Tool(t)
	img := faxpeer.Image(t, tool, 2)
	for _, ecm := range []bool{false, true} {
		t.Run(fmt.Sprintf("ECM=%v", ecm), func(t *testing.T) {
			t.Parallel()
			o := faxpeer.Options{ECM: ecm, Verbose: true}
			rs, rr, rx, a, b := faxPair(t, tool, img, "IsFaxUsed = 1\n", []sdp.Format{pcmu}, o, nil, nil)
			t.Logf("sender: %v", rs)
			t.Logf("receiver: %v", rr)
			t38Status(t, "A", a)
			t38Status(t, "B", b)
			if !rs.OK() || !rr.OK() || rr.PagesRx != 2 {
				t.Fatalf("phase E: sender %d (%s), receiver %d (%s), %d pages", rs.Code, rs.Text, rr.Code, rr.Text, rr.PagesRx)
			}
			if err := faxpeer.SamePages(t, img, rx); err != nil {
				t.Error(err)
			}
		})
	}
}
