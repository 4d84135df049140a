package gateway

import (
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/potsgate/potsgate/hal/sim"
	"github.com/potsgate/potsgate/internal/peer"
	"github.com/potsgate/potsgate/internal/testcert"
	"github.com/potsgate/potsgate/media/tone"
	"github.com/potsgate/potsgate/sip"
	"github.com/potsgate/potsgate/sip/sdp"
)

// loadGateway runs a paced gateway of n auto-answering phones (numbers
// 101 up) that hang up on busy tone, with ini applied.
func loadGateway(t *testing.T, ini string, n int, m TLSMaterial) (*Gateway, []string) {
	t.Helper()
	reg, _ := NewRegistry()
	ini = fmt.Sprintf("RingOnPeriod = 100\nRingOffPeriod = 100\nFlashHookPeriod = 300\nBaseUDPPort = %d\nRTPPortCount = 400\n", 30000+2*int(time.Now().UnixNano()%2000)) + ini
	res, err := reg.ApplyText(reg.Defaults(), "gw.ini", []byte(ini))
	if err != nil {
		t.Fatal(err)
	}
	us, _ := tone.Country("US")
	var ports []Port
	var numbers []string
	for i := range n {
		ph := sim.NewPhone()
		ph.AutoAnswer(1)
		hangUpOnBusyTone(t, ph, us)
		numbers = append(numbers, strconv.Itoa(101+i))
		ports = append(ports, Port{Number: numbers[i], FXS: ph})
	}
	media, err := NewRTPMedia(res.Config, sip.Config{PacketTime: 20 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	g, err := New(Options{Config: res.Config, Ports: ports, Tones: us, Media: media, Paced: true, TLS: m,
		SIP: sip.Config{ListenAddr: "127.0.0.1:0", Codecs: []sdp.Format{pcmu}}})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- g.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done })
	return g, numbers
}

// hangUpOnBusyTone puts the handset down when busy or reorder tone plays,
// as the phone's user would once the caller hung up.
func hangUpOnBusyTone(t *testing.T, ph *sim.Phone, tones tone.Set) {
	t.Helper()
	var listen []tone.Definition
	for _, ty := range []tone.Type{tone.Busy, tone.Reorder} {
		if d, ok := tones.Tone(ty); ok {
			d.Form, d.Cadence = tone.Continuous, [tone.MaxCadence]tone.Step{}
			listen = append(listen, d)
		}
	}
	det, err := tone.NewDetector(-40, listen...)
	if err != nil {
		t.Fatal(err)
	}
	ph.OnHear(func(frame []int16) {
		if _, ok := det.Process(frame); ok {
			ph.HangUp()
			det.Reset()
		}
	})
}

// tlsTunnel accepts TCP on 127.0.0.1 and carries each connection to dst
// over TLS with cfg: the TLS client SIPp (built without OpenSSL in Debian)
// cannot be. It verifies the gateway's certificate like any client.
func tlsTunnel(t *testing.T, dst string, cfg *tls.Config) (addr string, handshakes func() int) {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	n := 0
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			in, err := l.Accept()
			if err != nil {
				return
			}
			out, err := tls.Dial("tcp", dst, cfg)
			if err != nil {
				t.Errorf("tunnel: %v", err)
				in.Close()
				continue
			}
			mu.Lock()
			n++
			mu.Unlock()
			wg.Add(2)
			go func() { defer wg.Done(); _, _ = io.Copy(out, in); out.CloseWrite() }()
			go func() { defer wg.Done(); _, _ = io.Copy(in, out); in.Close() }()
			t.Cleanup(func() { in.Close(); out.Close() })
		}
	}()
	t.Cleanup(func() { l.Close(); wg.Wait() })
	return l.Addr().String(), func() int { mu.Lock(); defer mu.Unlock(); return n }
}

func tail(s string, n int) string {
	if len(s) > n {
		return s[len(s)-n:]
	}
	return s
}

// sippCalls has SIPp place calls over TCP (one connection) to addr.
func sippCalls(t *testing.T, addr string, numbers []string, calls, rate, limit int) (st peer.SIPpCounts) {
	t.Helper()
	peer.Require(t, "sipp")
	dir := t.TempDir()
	scen, err := os.ReadFile("testdata/uac_stream.xml")
	if err != nil {
		t.Fatal(err)
	}
	scenPath := filepath.Join(dir, "uac.xml")
	if err := os.WriteFile(scenPath, []byte(strings.ReplaceAll(string(scen), "PAUSEMS", "300")), 0o644); err != nil {
		t.Fatal(err)
	}
	infPath := filepath.Join(dir, "numbers.csv")
	if err := os.WriteFile(infPath, []byte("SEQUENTIAL\n"+strings.Join(numbers, ";\n")+";\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	stat := filepath.Join(dir, "stat.csv")
	out, err := peer.Run(t, 5*time.Minute, dir, "sipp", "-sf", scenPath, "-inf", infPath, "-t", "t1", "-i", "127.0.0.1",
		"-p", strconv.Itoa(peer.FreeTCPPort(t)), "-mi", "127.0.0.1", "-mp", strconv.Itoa(peer.FreeUDPPort(t)),
		"-r", strconv.Itoa(rate), "-m", strconv.Itoa(calls), "-l", strconv.Itoa(limit),
		"-nostdin", "-trace_stat", "-stf", stat, "-trace_err", "-trace_msg", "-fd", "1", "-cp", strconv.Itoa(peer.FreeUDPPort(t)), addr)
	if err != nil {
		t.Logf("sipp: %v\n%s", err, out)
	}
	defer func() {
		if st.Failed > 0 { // say why
			logs, _ := filepath.Glob(filepath.Join(dir, "*_errors.log"))
			for _, l := range logs {
				b, _ := os.ReadFile(l)
				t.Logf("%s:\n%s", filepath.Base(l), tail(string(b), 6000))
			}
		}
	}()
	st = peer.SIPpStats(t, stat)
	return st
}

// TestSIPpLoadOverTLS: SIPp places 100 calls over TLS (one connection,
// through a TLS tunnel that verifies the gateway's certificate) to a
// gateway with SIPTransportType = 2; every one succeeds.
func TestSIPpLoadOverTLS(t *testing.T) {
	if testing.Short() {
		t.Skip("load test")
	}
	ca := testcert.NewCA(t, "potsgate test CA")
	leaf := ca.Issue(t, testcert.Localhost())
	g, numbers := loadGateway(t, fmt.Sprintf("SIPTransportType = 2\nTLSLocalSIPPort = %d\n", peer.FreeTCPPort(t)), 48,
		TLSMaterial{Roots: testcert.Pool(ca), GetCertificate: func() (*tls.Certificate, error) { return &leaf.TLS, nil }})
	gwTLS, _ := g.SIPListening(sip.TransportTLS)
	tunnel, handshakes := tlsTunnel(t, gwTLS.String(), &tls.Config{RootCAs: testcert.Pool(ca), ServerName: "127.0.0.1", MinVersion: tls.VersionTLS12})
	st := sippCalls(t, tunnel, numbers, 100, 10, 48)
	if st.OK != 100 || st.Failed != 0 {
		t.Fatalf("SIPp over TLS: %d calls succeeded, %d failed; want 100 and 0", st.OK, st.Failed)
	}
	if n := handshakes(); n != 1 {
		t.Fatalf("%d TLS connections for 100 calls; want 1 (connection reuse)", n)
	}
	if n := g.Counters().Established.Load(); n != 100 {
		t.Fatalf("gateway established %d calls, want 100", n)
	}
}

// TestSIPpLoadOverTCP: the same 100 calls over TCP, SIPTransportType = 1.
func TestSIPpLoadOverTCP(t *testing.T) {
	if testing.Short() {
		t.Skip("load test")
	}
	g, numbers := loadGateway(t, fmt.Sprintf("SIPTransportType = 1\nTCPLocalSIPPort = %d\n", peer.FreeTCPPort(t)), 48, TLSMaterial{})
	gwTCP, ok := g.SIPListening(sip.TransportTCP)
	if !ok {
		t.Fatal("no TCP listener")
	}
	st := sippCalls(t, gwTCP.String(), numbers, 100, 10, 48)
	if st.OK != 100 || st.Failed != 0 {
		t.Fatalf("SIPp over TCP: %d calls succeeded, %d failed; want 100 and 0", st.OK, st.Failed)
	}
}
