package sip

import (
	"context"
	"net"
	"net/netip"
	"strconv"
	"strings"
	"testing"
	"time"
)

type mwiHandler struct {
	rejectAllHandler
	got chan string
}

type rejectAllHandler struct{}

func (rejectAllHandler) IncomingCall(c *Call)                  { _ = c.Reject(486, "Busy Here") }
func (rejectAllHandler) CheckSync(context.Context, bool) error { return nil }

func (h mwiHandler) MessageWaiting(user string, waiting bool) {
	h.got <- user + " " + strconv.FormatBool(waiting)
}

// sendRaw sends one request over UDP and returns the status line of the
// final answer.
func sendRaw(t *testing.T, to netip.AddrPort, msg string) string {
	t.Helper()
	conn, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	msg = strings.ReplaceAll(msg, "VIA", conn.LocalAddr().String())
	if _, err := conn.WriteTo([]byte(msg), net.UDPAddrFromAddrPort(to)); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 4096)
	conn.SetReadDeadline(time.Now().Add(3 * time.Second))
	for {
		n, _, err := conn.ReadFrom(buf)
		if err != nil {
			t.Fatalf("no answer: %v", err)
		}
		line, _, _ := strings.Cut(string(buf[:n]), "\r\n")
		if !strings.HasPrefix(line, "SIP/2.0 1") {
			return line
		}
	}
}

// TestMessageSummary: a message-summary NOTIFY reaches the handler from a
// trusted host only, and only with a Messages-Waiting line.
func TestMessageSummary(t *testing.T) {
	notify := func(id, body string) string {
		return "NOTIFY sip:102@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP VIA;branch=z9hG4bK-" + id + "\r\nFrom: <sip:vm@127.0.0.1>;tag=1\r\nTo: <sip:102@127.0.0.1>\r\nCall-ID: " + id + "\r\nCSeq: 1 NOTIFY\r\nMax-Forwards: 70\r\nEvent: message-summary\r\nContent-Type: application/simple-message-summary\r\nContent-Length: " + strconv.Itoa(len(body)) + "\r\n\r\n" + body
	}
	h := mwiHandler{got: make(chan string, 4)}
	local := []netip.Addr{netip.MustParseAddr("127.0.0.1")}
	trusted := startUA(t, Config{EnableMWI: true, TrustedHosts: local}, h)
	if got := sendRaw(t, trusted.Addr(), notify("mwi-1", "Messages-Waiting: yes\r\nVoice-Message: 1/0\r\n")); got != "SIP/2.0 200 OK" {
		t.Fatalf("answer %q", got)
	}
	if got := <-h.got; got != "102 true" {
		t.Errorf("handler got %q", got)
	}
	if got := sendRaw(t, trusted.Addr(), notify("mwi-2", "Voice-Message: 1/0\r\n")); !strings.HasPrefix(got, "SIP/2.0 400") {
		t.Errorf("a summary without Messages-Waiting answered %q", got)
	}
	stranger := startUA(t, Config{EnableMWI: true, TrustedHosts: []netip.Addr{netip.MustParseAddr("192.0.2.1")}}, h)
	if got := sendRaw(t, stranger.Addr(), notify("mwi-3", "Messages-Waiting: yes\r\n")); !strings.HasPrefix(got, "SIP/2.0 403") {
		t.Errorf("a summary from an untrusted host answered %q", got)
	}
	off := startUA(t, Config{TrustedHosts: local}, h)
	if got := sendRaw(t, off.Addr(), notify("mwi-4", "Messages-Waiting: yes\r\n")); !strings.HasPrefix(got, "SIP/2.0 489") {
		t.Errorf("a summary with MWI off answered %q", got)
	}
	select {
	case got := <-h.got:
		t.Errorf("handler called for a refused NOTIFY: %q", got)
	default:
	}
}
