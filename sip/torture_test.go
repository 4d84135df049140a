package sip

import (
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestTortureMessages sends malformed and hostile requests (testdata/
// torture, in the spirit of RFC 4475) to a user agent: each gets a 4xx or
// no answer, no call is created, and the agent still answers afterwards.
func TestTortureMessages(t *testing.T) {
	h := &answeringHandler{t: t}
	u := startUA(t, Config{}, h)
	files, err := filepath.Glob("testdata/torture/*.msg")
	if err != nil || len(files) < 10 {
		t.Fatalf("torture set: %v (%d files)", err, len(files))
	}
	conn, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	to := net.UDPAddrFromAddrPort(u.Addr())
	buf := make([]byte, 65535)
	for _, f := range files {
		msg, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := conn.WriteTo(msg, to); err != nil {
			t.Fatal(err)
		}
		conn.SetReadDeadline(time.Now().Add(300 * time.Millisecond))
		n, _, err := conn.ReadFrom(buf)
		if err != nil {
			continue // dropped: fine
		}
		status := strings.SplitN(string(buf[:n]), "\r\n", 2)[0]
		code := strings.Fields(status)
		if len(code) < 2 || !strings.HasPrefix(code[1], "4") && !strings.HasPrefix(code[1], "5") {
			t.Errorf("%s: answered %q, want a 4xx or 5xx (or nothing)", filepath.Base(f), status)
		}
	}
	if h.answered.Load() != 0 || len(u.Calls()) != 0 {
		t.Fatalf("a malformed request made a call: %d answered, %d in the store", h.answered.Load(), len(u.Calls()))
	}
	// Still alive: OPTIONS is answered.
	opts := "OPTIONS sip:101@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP " + conn.LocalAddr().String() + ";branch=z9hG4bK-alive\r\nFrom: <sip:a@127.0.0.1>;tag=9\r\nTo: <sip:101@127.0.0.1>\r\nCall-ID: alive\r\nCSeq: 1 OPTIONS\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n"
	if _, err := conn.WriteTo([]byte(opts), to); err != nil {
		t.Fatal(err)
	}
	conn.SetReadDeadline(time.Now().Add(2 * time.Second))
	n, _, err := conn.ReadFrom(buf)
	if err != nil || !strings.HasPrefix(string(buf[:n]), "SIP/2.0 200") {
		t.Fatalf("the user agent does not answer OPTIONS after the torture set: %v %q", err, buf[:n])
	}
}
