package sip

import (
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// FuzzParseTarget: any text is a target or a clear error, and a target
// reads back as itself.
func FuzzParseTarget(f *testing.F) {
	for _, s := range []string{"127.0.0.1:5060", "127.0.0.1:5061;transport=tls", "[::1]:5060;transport=TCP", "1.2.3.4:5;x=y;transport=udp",
		"host:5060", ";transport=tls", "1.2.3.4:99999", "1.2.3.4:5060;transport="} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		tg, err := ParseTarget(s, TransportUDP)
		if err != nil {
			if !strings.Contains(err.Error(), "sip:") {
				t.Fatalf("error %q does not say where it comes from", err)
			}
			return
		}
		back, err := ParseTarget(tg.String(), TransportUDP)
		if err != nil || back != tg {
			t.Fatalf("%q -> %v -> %v, %v", s, tg, back, err)
		}
	})
}

// FuzzStream writes each input on a TCP connection to a running user
// agent, then checks it still answers OPTIONS on a new connection: bytes
// on a stream (bad framing, a Content-Length that lies, CRLF pings in odd
// places) may close that connection, never crash or wedge the agent.
func FuzzStream(f *testing.F) {
	files, _ := filepath.Glob("testdata/torture/*.msg")
	for _, file := range files {
		if b, err := os.ReadFile(file); err == nil {
			f.Add(b)
		}
	}
	f.Add([]byte("\r\n\r\n"))
	f.Add([]byte("\r\n\r\n\r\n\r\nOPTIONS sip:x SIP/2.0\r\n"))
	f.Add([]byte("OPTIONS sip:101@127.0.0.1 SIP/2.0\r\nContent-Length: 999999\r\n\r\nabc"))
	u := startUA(f, Config{TCPListenAddr: "127.0.0.1:0"}, rejectAllHandler{})
	addr, _ := u.Listening(TransportTCP)
	n := 0
	f.Fuzz(func(t *testing.T, msg []byte) {
		c, err := net.Dial("tcp", addr.String())
		if err != nil {
			t.Fatal(err)
		}
		_, _ = c.Write(msg)
		c.Close()
		n++
		callID := "alive-" + strconv.Itoa(n)
		probe, err := net.Dial("tcp", addr.String())
		if err != nil {
			t.Fatalf("the user agent stopped accepting after %q: %v", msg, err)
		}
		defer probe.Close()
		opts := "OPTIONS sip:101@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/TCP " + probe.LocalAddr().String() + ";branch=z9hG4bK-" + callID +
			"\r\nFrom: <sip:a@127.0.0.1>;tag=9\r\nTo: <sip:101@127.0.0.1>\r\nCall-ID: " + callID + "\r\nCSeq: 1 OPTIONS\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n"
		if _, err := probe.Write([]byte(opts)); err != nil {
			t.Fatal(err)
		}
		_ = probe.SetReadDeadline(time.Now().Add(5 * time.Second))
		buf := make([]byte, 4096)
		var got []byte
		for !strings.Contains(string(got), "Call-ID: "+callID) {
			k, err := probe.Read(buf)
			if err != nil {
				t.Fatalf("no answer to OPTIONS after %q: %v", msg, err)
			}
			got = append(got, buf[:k]...)
		}
		if !strings.HasPrefix(string(got), "SIP/2.0 200") {
			t.Fatalf("OPTIONS answered %q", got)
		}
	})
}
