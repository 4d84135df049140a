package sip

import (
	"context"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/potsgate/potsgate/internal/peer"
	"github.com/potsgate/potsgate/sip/sdp"
)

var testCodecs = []sdp.Format{{PayloadType: 0, Name: "PCMU", ClockRate: 8000}, {PayloadType: 8, Name: "PCMA", ClockRate: 8000}}

// answeringHandler rings, then answers every call with a UDP socket as
// its media port, and counts what it saw.
type answeringHandler struct {
	t        *testing.T
	delay    time.Duration
	answered atomic.Int64
	ended    atomic.Int64
	checks   chan bool
	mu       sync.Mutex
	choices  []sdp.Choice
}

func (h *answeringHandler) IncomingCall(c *Call) {
	go func() {
		_ = c.Ring()
		time.Sleep(h.delay)
		conn, err := net.ListenPacket("udp", "127.0.0.1:0")
		if err != nil {
			c.Reject(500, "no media port")
			return
		}
		defer conn.Close()
		if err := c.Answer(conn.LocalAddr().(*net.UDPAddr).Port); err != nil {
			return
		}
		h.answered.Add(1)
		h.mu.Lock()
		h.choices = append(h.choices, c.Choice())
		h.mu.Unlock()
		for range c.Events() {
		}
		h.ended.Add(1)
	}()
}

func (h *answeringHandler) CheckSync(_ context.Context, reboot bool) error {
	if h.checks != nil {
		h.checks <- reboot
	}
	return nil
}

func startUA(t testing.TB, cfg Config, h Handler) *UA {
	t.Helper()
	if cfg.ListenAddr == "" {
		cfg.ListenAddr = "127.0.0.1:0"
	}
	if cfg.Codecs == nil {
		cfg.Codecs = testCodecs
	}
	u, err := Listen(cfg, h, nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); _ = u.Serve(ctx) }()
	t.Cleanup(func() { cancel(); <-done; u.Close() })
	return u
}

// sippScenario copies a shared SIPp scenario into dir with the paths it
// refers to fixed.
func sippScenario(t *testing.T, dir, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(peer.SharedDir(t), "peers", "sipp", name))
	if err != nil {
		t.Fatal(err)
	}
	s := strings.ReplaceAll(string(b), "/tmp/peers/sipp/", dir+"/")
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(s), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestSIPpCallsTheUA has SIPp place calls with PCMU SDP and RTP to the
// user agent, which rings and answers them; SIPp hangs up.
func TestSIPpCallsTheUA(t *testing.T) {
	peer.Require(t, "sipp")
	peer.Require(t, "sox")
	h := &answeringHandler{t: t, delay: 50 * time.Millisecond}
	u := startUA(t, Config{DTMFPayloadType: 101}, h)
	dir := t.TempDir()
	scen := sippScenario(t, dir, "uac_pcmu_rtp.xml")
	if out, err := peer.Run(t, time.Minute, dir, "sox", "-n", "-r", "8000", "-c", "1", "-e", "u-law", "-t", "raw", filepath.Join(dir, "tone_pcmu.ul"), "synth", "2", "sine", "1000", "vol", "0.5"); err != nil {
		t.Fatalf("sox: %v\n%s", err, out)
	}
	port := peer.FreeUDPPort(t)
	out, err := peer.Run(t, 2*time.Minute, dir, "sipp", "-sf", scen, "-s", "101", "-i", "127.0.0.1", "-p", fmt.Sprint(port),
		"-mi", "127.0.0.1", "-r", "10", "-m", "20", "-l", "20", "-nostdin", "-trace_stat", "-stf", filepath.Join(dir, "stat.csv"), "-cp", fmt.Sprint(peer.FreeUDPPort(t)),
		u.Addr().String())
	if err != nil {
		t.Fatalf("sipp: %v\n%s", err, out)
	}
	deadline := time.Now().Add(5 * time.Second)
	for h.ended.Load() < 20 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if h.answered.Load() != 20 || h.ended.Load() != 20 {
		t.Fatalf("answered %d, ended %d, want 20 and 20", h.answered.Load(), h.ended.Load())
	}
	h.mu.Lock()
	c := h.choices[0]
	h.mu.Unlock()
	if c.Codec.Name != "PCMU" || c.DTMF.PayloadType != 101 {
		t.Fatalf("negotiated %+v", c)
	}
	if n := len(u.Calls()); n != 0 {
		t.Fatalf("%d calls left in the dialog store", n)
	}
}

// TestCallToSIPpUAS: our user agent calls SIPp's built-in UAS, which
// answers and waits for our BYE.
func TestCallToSIPpUAS(t *testing.T) {
	peer.Require(t, "sipp")
	u := startUA(t, Config{}, &answeringHandler{t: t})
	port := peer.FreeUDPPort(t)
	sipp := peer.Start(t, "", "sipp", "-sn", "uas", "-i", "127.0.0.1", "-p", fmt.Sprint(port), "-m", "1", "-nostdin", "-cp", fmt.Sprint(peer.FreeUDPPort(t)))
	time.Sleep(300 * time.Millisecond) // SIPp has no readiness signal on UDP
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := u.Dial(ctx, Dial{To: "service", Host: fmt.Sprintf("127.0.0.1:%d", port), From: "101", LocalPort: 40000})
	if err != nil {
		t.Fatal(err)
	}
	var kinds []string
	for ev := range c.Events() {
		kinds = append(kinds, ev.Kind.String())
		if ev.Kind == EventAnswered {
			if ev.Choice.Codec.Name != "PCMU" {
				t.Errorf("SIPp answered with %+v", ev.Choice)
			}
			if err := c.Hangup(ctx); err != nil {
				t.Fatalf("hangup: %v", err)
			}
		}
	}
	if strings.Join(kinds, ",") != "ringing,answered,ended" {
		t.Fatalf("events %v", kinds)
	}
	if err := sipp.Wait(10 * time.Second); err != nil {
		t.Fatalf("sipp uas: %v\n%s", err, sipp.Output())
	}
}

// TestCheckSyncIsGated sends the check-sync NOTIFY with sipsak: refused
// with 403 by default and from an untrusted address, honoured when enabled
// for 127.0.0.1.
func TestCheckSyncIsGated(t *testing.T) {
	peer.Require(t, "sipsak")
	notify, err := os.ReadFile(filepath.Join(peer.SharedDir(t), "peers", "sipsak", "notify_checksync.txt"))
	if err != nil {
		t.Fatal(err)
	}
	send := func(u *UA) (string, error) {
		dir := t.TempDir()
		f := filepath.Join(dir, "notify.txt")
		if err := os.WriteFile(f, notify, 0o644); err != nil {
			t.Fatal(err)
		}
		return peer.Run(t, 20*time.Second, dir, "sipsak", "-f", f, "-s", "sip:1001@"+u.Addr().String(), "-l", fmt.Sprint(peer.FreeUDPPort(t)), "-v")
	}
	for _, cfg := range []Config{{}, {EnableRemoteReset: true}} { // off, or on but 127.0.0.1 not trusted
		h := &answeringHandler{t: t, checks: make(chan bool, 1)}
		u := startUA(t, cfg, h)
		out, err := send(u)
		if err == nil || !strings.Contains(out, "403") {
			t.Fatalf("config %+v: sipsak %v\n%s", cfg, err, out)
		}
		select {
		case <-h.checks:
			t.Fatalf("config %+v: a refused check-sync reached the handler", cfg)
		case <-time.After(100 * time.Millisecond):
		}
	}
	h := &answeringHandler{t: t, checks: make(chan bool, 1)}
	u := startUA(t, Config{EnableRemoteReset: true, TrustedHosts: mustAddrs("127.0.0.1")}, h)
	if out, err := send(u); err != nil {
		t.Fatalf("trusted check-sync: %v\n%s", err, out)
	}
	select {
	case reboot := <-h.checks:
		if reboot {
			t.Fatal("reboot=false read as true")
		}
	case <-time.After(5 * time.Second):
		t.Fatal("check-sync did not reach the handler")
	}
}

// TestSIPpWith100rel: SIPp offers 100rel; the 180 comes reliably (Require:
// 100rel, RSeq), SIPp PRACKs it, the call is answered and hung up. With
// PrackRequired, a caller without 100rel gets 421.
func TestSIPpWith100rel(t *testing.T) {
	peer.Require(t, "sipp")
	h := &answeringHandler{t: t, delay: 300 * time.Millisecond}
	u := startUA(t, Config{PrackMode: PrackSupported}, h)
	dir := t.TempDir()
	scen, _ := filepath.Abs("testdata/sipp/uac_100rel.xml")
	out, err := peer.Run(t, time.Minute, dir, "sipp", "-sf", scen, "-s", "101", "-i", "127.0.0.1", "-p", fmt.Sprint(peer.FreeUDPPort(t)),
		"-mi", "127.0.0.1", "-m", "3", "-r", "3", "-nostdin", "-cp", fmt.Sprint(peer.FreeUDPPort(t)), u.Addr().String())
	if err != nil {
		t.Fatalf("sipp with 100rel: %v\n%s", err, out)
	}
	if h.answered.Load() != 3 {
		t.Fatalf("answered %d calls, want 3", h.answered.Load())
	}
	strict := startUA(t, Config{PrackMode: PrackRequired}, &answeringHandler{t: t, delay: 300 * time.Millisecond})
	c, err := u.Dial(context.Background(), Dial{To: "101", Host: strict.Addr().String(), From: "x", LocalPort: 39500})
	if err != nil {
		t.Fatal(err)
	}
	var kinds []string
	for ev := range c.Events() {
		kinds = append(kinds, ev.Kind.String())
		if ev.Kind == EventAnswered {
			_ = c.Hangup(context.Background())
		}
	}
	// u offers 100rel, so the strict agent accepts, and u PRACKs its 180.
	if got := strings.Join(kinds, ","); got != "ringing,answered,ended" {
		t.Fatalf("call between two 100rel agents: %v", got)
	}
	// A caller that does not offer 100rel is refused by the strict agent.
	plain := startUA(t, Config{}, &answeringHandler{t: t})
	c, err = plain.Dial(context.Background(), Dial{To: "101", Host: strict.Addr().String(), From: "y", LocalPort: 39502})
	if err != nil {
		t.Fatal(err)
	}
	var code int
	for ev := range c.Events() {
		code = ev.Code
	}
	if code != 421 {
		t.Fatalf("caller without 100rel: ended %d, want 421", code)
	}
}

// TestSessionTimer: SIPp asks for a 2 s session (RFC 4028) and does not
// refresh it; the agent grants it in the 200 and ends the call with BYE.
// An interval under Min-SE gets 422 with our Min-SE.
func TestSessionTimer(t *testing.T) {
	peer.Require(t, "sipp")
	h := &answeringHandler{t: t}
	u := startUA(t, Config{MinSE: time.Second}, h)
	scen, _ := filepath.Abs("testdata/sipp/uac_session_timer.xml")
	out, err := peer.Run(t, time.Minute, t.TempDir(), "sipp", "-sf", scen, "-s", "101", "-i", "127.0.0.1", "-p", fmt.Sprint(peer.FreeUDPPort(t)),
		"-mi", "127.0.0.1", "-m", "1", "-nostdin", "-cp", fmt.Sprint(peer.FreeUDPPort(t)), u.Addr().String())
	if err != nil {
		t.Fatalf("sipp session timer: %v\n%s", err, out)
	}
	strict := startUA(t, Config{MinSE: 90 * time.Second}, h)
	conn, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	invite := "INVITE sip:101@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP " + conn.LocalAddr().String() + ";branch=z9hG4bK-se\r\nFrom: <sip:a@127.0.0.1>;tag=1\r\nTo: <sip:101@127.0.0.1>\r\nCall-ID: short-se\r\nCSeq: 1 INVITE\r\nMax-Forwards: 70\r\nSession-Expires: 30\r\nContent-Length: 0\r\n\r\n"
	if _, err := conn.WriteTo([]byte(invite), net.UDPAddrFromAddrPort(strict.Addr())); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 4096)
	conn.SetReadDeadline(time.Now().Add(3 * time.Second))
	for {
		n, _, err := conn.ReadFrom(buf)
		if err != nil {
			t.Fatalf("no 422 for Session-Expires 30 under Min-SE 90: %v", err)
		}
		msg := string(buf[:n])
		if strings.HasPrefix(msg, "SIP/2.0 100") {
			continue
		}
		if !strings.HasPrefix(msg, "SIP/2.0 422") || !strings.Contains(msg, "Min-SE: 90") {
			t.Fatalf("answer to a too short session: %q", msg)
		}
		break
	}
}
