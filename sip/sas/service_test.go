package sas

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/emiago/sipgo/sip"
)

// startService serves s on 127.0.0.1:0 and stops it at the end of the test.
func startService(t *testing.T, cfg Config, opts ...Option) (*Service, string) {
	t.Helper()
	pc, err := net.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	return startServiceOn(t, pc, cfg, opts...)
}

// startServiceOn serves on pc, whose address cfg may already name.
func startServiceOn(t *testing.T, pc net.PacketConn, cfg Config, opts ...Option) (*Service, string) {
	t.Helper()
	cfg.EnableSAS = true
	s, err := New(cfg, opts...)
	if err != nil {
		pc.Close()
		t.Fatal(err)
	}
	errc := make(chan error, 1)
	go func() { errc <- s.Serve(context.Background(), pc) }()
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("close: %v", err)
		}
		if err := <-errc; err != nil {
			t.Errorf("serve: %v", err)
		}
	})
	return s, pc.LocalAddr().String()
}

// rawPeer is a UDP socket that sends hand-written SIP and reads answers.
type rawPeer struct {
	t    *testing.T
	conn *net.UDPConn
	to   *net.UDPAddr
}

func newRawPeer(t *testing.T, to string) *rawPeer {
	t.Helper()
	c, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	ra, err := net.ResolveUDPAddr("udp4", to)
	if err != nil {
		t.Fatal(err)
	}
	return &rawPeer{t: t, conn: c, to: ra}
}

func (p *rawPeer) addr() string { return p.conn.LocalAddr().String() }

// send writes msg with "\n" turned into CRLF and {local} replaced.
func (p *rawPeer) send(msg string) {
	p.t.Helper()
	msg = strings.ReplaceAll(msg, "{local}", p.addr())
	msg = strings.ReplaceAll(strings.TrimLeft(msg, "\n"), "\n", "\r\n")
	if _, err := p.conn.WriteToUDP([]byte(msg), p.to); err != nil {
		p.t.Fatal(err)
	}
}

func (p *rawPeer) sendBytes(b []byte) {
	p.t.Helper()
	if _, err := p.conn.WriteToUDP(b, p.to); err != nil {
		p.t.Fatal(err)
	}
}

// read returns the next message (nil on timeout), skipping 100 Trying.
func (p *rawPeer) read(timeout time.Duration) sip.Message {
	p.t.Helper()
	buf := make([]byte, 65535)
	deadline := time.Now().Add(timeout)
	for {
		_ = p.conn.SetReadDeadline(deadline)
		n, _, err := p.conn.ReadFromUDP(buf)
		if err != nil {
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				return nil
			}
			p.t.Fatal(err)
		}
		m, err := sip.ParseMessage(append([]byte(nil), buf[:n]...))
		if err != nil {
			p.t.Fatalf("unparsable answer: %v\n%s", err, buf[:n])
		}
		if r, ok := m.(*sip.Response); ok && r.StatusCode == 100 {
			continue
		}
		return m
	}
}

func (p *rawPeer) status(timeout time.Duration) int {
	p.t.Helper()
	m := p.read(timeout)
	if m == nil {
		return 0
	}
	r, ok := m.(*sip.Response)
	if !ok {
		p.t.Fatalf("got request %s, want a response", m.(*sip.Request).StartLine())
	}
	return r.StatusCode
}

var seq int

func register(user, sas string, expires int, extra string) string {
	seq++
	return fmt.Sprintf(`
REGISTER sip:%[2]s SIP/2.0
Via: SIP/2.0/UDP {local};branch=z9hG4bK-reg%[4]d
From: <sip:%[1]s@127.0.0.1>;tag=r%[4]d
To: <sip:%[1]s@127.0.0.1>
Call-ID: reg-%[1]s-%[4]d
CSeq: %[4]d REGISTER
Contact: <sip:%[1]s@{local}>
Expires: %[3]d
Max-Forwards: 70
%[5]sContent-Length: 0

`, user, sas, expires, seq, extra)
}

func TestStandaloneRegister(t *testing.T) {
	clock := time.Unix(1000, 0)
	now := func() time.Time { return clock }
	s, addr := startService(t, Config{SASRegistrationTime: 60 * time.Second}, WithClock(now))
	p := newRawPeer(t, addr)
	p.send(register("1001", addr, 3600, ""))
	m := p.read(2 * time.Second)
	res, ok := m.(*sip.Response)
	if !ok || res.StatusCode != 200 {
		t.Fatalf("REGISTER answer %v", m)
	}
	if c := res.Contact(); c == nil || !strings.Contains(res.String(), "expires=60") {
		t.Fatalf("200 OK contact/expires wrong:\n%s", res)
	}
	b := s.Bindings()
	if len(b) != 1 || b[0].AOR != "1001" || b[0].Contact != "sip:1001@"+p.addr() {
		t.Fatalf("bindings %+v", b)
	}
	if s.State() != StateEmergency {
		t.Fatalf("standalone state %v", s.State())
	}
}
