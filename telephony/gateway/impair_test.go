package gateway

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"math"
	"math/rand"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pion/rtp"
	"github.com/zaf/g711"

	"github.com/potsgate/potsgate/hal/sim"
	"github.com/potsgate/potsgate/internal/peer"
)

// TestMediaUnderImpairment: SIPp, in a network namespace of the test's
// own, calls the gateway over a veth pair whose far end delays packets by
// 30 ms +- 20 ms (netem jitter, which also reorders) and loses 1 %, then
// 5 %, of them. Where the kernel has no netem (it says so in the log) the
// same impairment, uniform jitter and random loss, is applied in front of
// the gateway's RTP socket instead. A 1 kHz tone is streamed for 8 s; the
// phone records what it hears: our adaptive jitter buffer and loss
// concealment. The same packets, as they reached the gateway, are played
// through a plain fixed 60 ms buffer that plays silence for what is
// missing. The test reports the jitter buffer's delay, late and lost
// counts, and the tone's SNR (phase fitted each 20 ms) of both; ours must
// beat the plain buffer.
func TestMediaUnderImpairment(t *testing.T) {
	if testing.Short() {
		t.Skip("impairment test")
	}
	ip := peer.Require(t, "ip")
	peer.Require(t, "tc")
	sipp := peer.Require(t, "sipp")
	if os.Geteuid() != 0 {
		t.Skip("network namespaces need root; skipped")
	}
	inet := newImpairedNet(t, ip)
	for _, loss := range []float64{0.01, 0.05} {
		t.Run(fmt.Sprintf("loss %.0f%%", 100*loss), func(t *testing.T) {
			imp := impairment{seed: int64(100 * loss)}
			where := "netem on the veth pair"
			if err := inet.netem("delay", "30ms", "20ms", "loss", fmt.Sprintf("%.0f%%", 100*loss)); err != nil {
				t.Logf("the kernel refuses netem (%v): the impairment is applied in front of the gateway's RTP socket instead", err)
				imp.loss, imp.delay, imp.jitter = loss, 30*time.Millisecond, 20*time.Millisecond
				where = "in front of the gateway's RTP socket"
			}
			ours, plain, st := impairedCall(t, inet, sipp, &imp)
			t.Logf("30 ms +- 20 ms, loss %.0f %% (%s): jitter buffer delay %v, %d packets lost, %d late, %d concealed; tone SNR: adaptive buffer + PLC %.1f dB, plain fixed 60 ms buffer %.1f dB",
				100*loss, where, st.MaxJitterDelay, st.Lost, st.Late, st.Concealed, ours, plain)
			if st.Lost == 0 {
				t.Errorf("no packet lost with loss %.0f %%: the impairment did not apply", 100*loss)
			}
			if ours <= plain {
				t.Errorf("adaptive buffer + PLC %.1f dB, not better than the plain fixed buffer's %.1f dB", ours, plain)
			}
		})
	}
}

// impairedNet is a network namespace with SIPp's end of a veth pair; the
// gateway's end is in the test's namespace.
type impairedNet struct {
	ip, ns, dev, peerDev string
	gwAddr, sippAddr     string
}

func newImpairedNet(t *testing.T, ip string) *impairedNet {
	t.Helper()
	id := os.Getpid() % 100000
	sub := os.Getpid() % 250
	n := &impairedNet{ip: ip, ns: fmt.Sprintf("pgimp%d", id), dev: fmt.Sprintf("pgia%d", id), peerDev: fmt.Sprintf("pgib%d", id),
		gwAddr: fmt.Sprintf("10.200.%d.1", sub), sippAddr: fmt.Sprintf("10.200.%d.2", sub)}
	if out, err := exec.Command(ip, "netns", "add", n.ns).CombinedOutput(); err != nil {
		t.Skipf("the kernel refuses a network namespace (ip netns add: %v: %s); skipped", err, out)
	}
	t.Cleanup(func() {
		_ = exec.Command(ip, "link", "del", n.dev).Run()
		if out, err := exec.Command(ip, "netns", "del", n.ns).CombinedOutput(); err != nil {
			t.Errorf("ip netns del %s: %v: %s", n.ns, err, out)
		}
	})
	for _, args := range [][]string{
		{"link", "add", n.dev, "type", "veth", "peer", "name", n.peerDev},
		{"link", "set", n.peerDev, "netns", n.ns},
		{"addr", "add", n.gwAddr + "/30", "dev", n.dev},
		{"link", "set", n.dev, "up"},
		{"netns", "exec", n.ns, "ip", "addr", "add", n.sippAddr + "/30", "dev", n.peerDev},
		{"netns", "exec", n.ns, "ip", "link", "set", n.peerDev, "up"},
		{"netns", "exec", n.ns, "ip", "link", "set", "lo", "up"},
	} {
		if out, err := exec.Command(ip, args...).CombinedOutput(); err != nil {
			t.Fatalf("ip %s: %v: %s", strings.Join(args, " "), err, out)
		}
	}
	return n
}

// netem sets the impairment of what leaves SIPp's namespace.
func (n *impairedNet) netem(args ...string) error {
	_ = exec.Command(n.ip, "netns", "exec", n.ns, "tc", "qdisc", "del", "dev", n.peerDev, "root").Run()
	cmd := append([]string{"netns", "exec", n.ns, "tc", "qdisc", "add", "dev", n.peerDev, "root", "netem"}, args...)
	if out, err := exec.Command(n.ip, cmd...).CombinedOutput(); err != nil {
		return fmt.Errorf("tc qdisc add ... netem: %w: %s", err, strings.TrimSpace(string(out)))
	}
	return nil
}

// impairment stands in front of an RTP socket: it drops a share of the
// packets and delivers the others after delay +- jitter (uniform, so they
// may arrive out of order), and keeps what it delivered, when, for the
// plain buffer. Seeded: each run loses the same packets.
type impairment struct {
	seed          int64
	loss          float64
	delay, jitter time.Duration
	mu            sync.Mutex
	trace         []arrival
	conn          *impairedConn
}

type arrival struct {
	at  time.Time
	pkt []byte
}

func (im *impairment) wrap(c net.PacketConn) net.PacketConn {
	ic := &impairedConn{PacketConn: c, im: im, rng: rand.New(rand.NewSource(im.seed)), out: make(chan delivery, 4096), done: make(chan struct{})}
	im.conn = ic
	go ic.pump()
	return ic
}

type delivery struct {
	pkt  []byte
	from net.Addr
}

type impairedConn struct {
	net.PacketConn
	im     *impairment
	rng    *rand.Rand
	out    chan delivery
	mu     sync.Mutex
	closed bool
	timers []*time.Timer
	done   chan struct{} // pump ended
}

// pump reads the socket and schedules each packet kept.
func (c *impairedConn) pump() {
	defer close(c.done)
	buf := make([]byte, 1500)
	for {
		n, from, err := c.PacketConn.ReadFrom(buf)
		if err != nil {
			return
		}
		if c.rng.Float64() < c.im.loss {
			continue
		}
		d := c.im.delay
		if c.im.jitter > 0 {
			d += time.Duration((2*c.rng.Float64() - 1) * float64(c.im.jitter))
		}
		pkt := bytes.Clone(buf[:n])
		c.mu.Lock()
		if !c.closed {
			c.timers = append(c.timers, time.AfterFunc(d, func() { c.deliver(delivery{pkt, from}) }))
		}
		c.mu.Unlock()
	}
}

func (c *impairedConn) deliver(d delivery) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return
	}
	c.im.mu.Lock()
	c.im.trace = append(c.im.trace, arrival{time.Now(), d.pkt})
	c.im.mu.Unlock()
	select {
	case c.out <- d:
	default: // the session stopped reading
	}
}

func (c *impairedConn) ReadFrom(p []byte) (int, net.Addr, error) {
	select {
	case d := <-c.out:
		return copy(p, d.pkt), d.from, nil
	case <-c.done:
		return 0, nil, net.ErrClosed
	}
}

func (c *impairedConn) Close() error {
	c.mu.Lock()
	c.closed = true
	for _, t := range c.timers {
		t.Stop()
	}
	c.mu.Unlock()
	err := c.PacketConn.Close()
	<-c.done
	return err
}

// impairedCall runs one call from SIPp in the namespace to a gateway on
// the veth pair and returns the tone's SNR as the phone heard it, as a
// plain fixed buffer would have played the captured packets, and the
// gateway's RTP counters.
func impairedCall(t *testing.T, n *impairedNet, sipp string, imp *impairment) (ours, plain float64, st RTPCounters) {
	t.Helper()
	reg, err := NewRegistry()
	if err != nil {
		t.Fatal(err)
	}
	sipPort := peer.FreeUDPPort(t)
	rtpBase := 20000 + 2*int(time.Now().UnixNano()%5000)
	ini := fmt.Sprintf("LocalSIPPort = %d\nSIPBindAddress = '%s'\nBaseUDPPort = %d\nRTPPortCount = 20\nIsEchoCancellerEnabled = 0\n", sipPort, n.gwAddr, rtpBase)
	res, err := reg.ApplyText(reg.Defaults(), "impair.ini", []byte(ini))
	if err != nil {
		t.Fatal(err)
	}
	cfg := res.Config
	tones, err := Tones(cfg, "us", "")
	if err != nil {
		t.Fatal(err)
	}
	sipCfg, err := SIPConfig(cfg, "impair")
	if err != nil {
		t.Fatal(err)
	}
	media, err := NewRTPMedia(cfg, sipCfg)
	if err != nil {
		t.Fatal(err)
	}
	media.wrapRTP = imp.wrap
	ph := sim.NewPhone()
	ph.AutoAnswer(1)
	g, err := New(Options{Config: cfg, Ports: []Port{{Number: "101", FXS: ph}}, Tones: tones, SIP: sipCfg, Media: media, Paced: true})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- g.Run(ctx) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("gateway: %v", err)
		}
	}()

	dir := t.TempDir()

	const toneLen = 8 * time.Second
	toneFile := filepath.Join(dir, "tone.ul")
	if err := os.WriteFile(toneFile, ulawTone(toneLen, 1000), 0o644); err != nil {
		t.Fatal(err)
	}
	scen, err := os.ReadFile("testdata/uac_impair.xml")
	if err != nil {
		t.Fatal(err)
	}
	s := strings.ReplaceAll(string(scen), "TONEFILE", toneFile)
	s = strings.ReplaceAll(s, "PAUSEMS", strconv.Itoa(int(toneLen.Milliseconds())+500))
	scenPath, infPath := filepath.Join(dir, "uac.xml"), filepath.Join(dir, "numbers.csv")
	if err := os.WriteFile(scenPath, []byte(s), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(infPath, []byte("SEQUENTIAL\n101;\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	ph.Heard() // what it heard so far is the idle line
	stat := filepath.Join(dir, "stat.csv")
	// Sample the buffer's delay while the call runs: it is reported for
	// open sessions only.
	stop := make(chan struct{})
	sampled := make(chan RTPCounters)
	go func() {
		var last RTPCounters
		for {
			select {
			case <-stop:
				sampled <- last
				return
			case <-time.After(200 * time.Millisecond):
				c := media.RTPCounters()
				if c.Active > 0 {
					last.MaxJitterDelay = max(last.MaxJitterDelay, c.MaxJitterDelay)
				}
			}
		}
	}()
	out, err := peer.Run(t, 2*time.Minute, dir, n.ip, "netns", "exec", n.ns, sipp, "-sf", scenPath, "-inf", infPath,
		"-i", n.sippAddr, "-p", "5070", "-mi", n.sippAddr, "-m", "1", "-l", "1", "-nostdin", "-trace_stat", "-stf", stat, "-fd", "1",
		n.gwAddr+":"+strconv.Itoa(sipPort))
	close(stop)
	delay := (<-sampled).MaxJitterDelay
	if err != nil {
		t.Logf("sipp: %v\n%s", err, out)
	}
	if r := peer.SIPpStats(t, stat); r.OK != 1 {
		t.Fatalf("SIPp: the call did not succeed (%d ok, %d failed)", r.OK, r.Failed)
	}
	heard := ph.Heard()
	st = media.RTPCounters()
	st.MaxJitterDelay = delay

	// Ours: from the tone's first loud sample, skip 0.5 s, take 7 s.
	start := -1
	for i, v := range heard {
		if v > 4000 || v < -4000 {
			start = i
			break
		}
	}
	const skip, span = 4000, 7 * 8000
	if start < 0 || start+skip+span > len(heard) {
		t.Fatalf("the phone did not hear 7.5 s of the tone (%d samples heard, tone from %d)", len(heard), start)
	}
	ours = toneSNR(heard[start+skip:start+skip+span], 1000)

	// Plain: the packets as they reached the gateway through a fixed buffer.
	imp.mu.Lock()
	trace := imp.trace
	imp.mu.Unlock()
	played := fixedBuffer(t, trace, 60*time.Millisecond)
	if skip+span > len(played) {
		t.Fatalf("the capture holds %d samples of the tone, want %d", len(played), skip+span)
	}
	plain = toneSNR(played[skip:skip+span], 1000)
	return ours, plain, st
}

// fixedBuffer plays the RTP packets that reached the gateway through a
// plain fixed buffer of delay d: packet s plays at the first packet's
// arrival + d + its place in the stream, if it has arrived by then;
// silence otherwise.
func fixedBuffer(t *testing.T, trace []arrival, d time.Duration) []int16 {
	t.Helper()
	type pkt struct {
		at      float64
		seq     int
		payload []byte
	}
	var pkts []pkt
	for _, a := range trace {
		var p rtp.Packet
		if err := p.Unmarshal(a.pkt); err != nil || p.PayloadType != 0 {
			continue // RTCP muxed, or a telephone event
		}
		pkts = append(pkts, pkt{float64(a.at.UnixNano()) / 1e9, int(p.SequenceNumber), p.Payload})
	}
	if len(pkts) == 0 {
		t.Fatal("no RTP captured")
	}
	first := pkts[0]
	slots := map[int][]byte{}
	last := 0
	for _, p := range pkts {
		off := (p.seq - first.seq + 65536) % 65536 // packets after the first
		if off > 30000 {
			continue // from before the first: too late anyway
		}
		playAt := first.at + d.Seconds() + float64(off)*0.020
		if p.at <= playAt {
			slots[off] = p.payload
		}
		last = max(last, off)
	}
	var out []int16
	for off := 0; off <= last; off++ {
		if p, ok := slots[off]; ok {
			pcm := g711.DecodeUlaw(p)
			for i := 0; i+1 < len(pcm); i += 2 {
				out = append(out, int16(uint16(pcm[i])|uint16(pcm[i+1])<<8))
			}
		} else {
			out = append(out, make([]int16, 160)...)
		}
	}
	return out
}

// toneSNR is the SNR, in dB, of x against a sine at f Hz of the sent
// tone's amplitude whose phase is fitted in each 20 ms block (the buffers
// may shift the stream in time): a block played as silence is all noise.
func toneSNR(x []int16, f float64) float64 {
	const block = 160 // 20 ms: 20 periods of 1 kHz, so cos and sin are orthogonal
	const amp = 16384
	var sig, noise float64
	for b := 0; b+block <= len(x); b += block {
		var c, s float64
		for i := range block {
			w := 2 * math.Pi * f * float64(i) / 8000
			c += float64(x[b+i]) * math.Cos(w)
			s += float64(x[b+i]) * math.Sin(w)
		}
		phase := math.Atan2(s, c)
		for i := range block {
			ref := amp * math.Cos(2*math.Pi*f*float64(i)/8000-phase)
			e := float64(x[b+i]) - ref
			sig += ref * ref
			noise += e * e
		}
	}
	return 10 * math.Log10(sig/noise)
}

// ulawTone is d of a sine at f Hz, half of full scale, as G.711 mu-law.
func ulawTone(d time.Duration, f float64) []byte {
	n := int(d.Seconds() * 8000)
	lpcm := make([]byte, 2*n)
	for i := range n {
		v := int16(16384 * math.Sin(2*math.Pi*f*float64(i)/8000))
		binary.LittleEndian.PutUint16(lpcm[2*i:], uint16(v))
	}
	return g711.EncodeUlaw(lpcm)
}
