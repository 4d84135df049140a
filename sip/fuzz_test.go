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

// FuzzUA sends each input as a datagram to a running user agent (with
// remote reset and message waiting on, so their handlers run too), then
// checks the agent still answers OPTIONS: malformed SIP may be refused or
// dropped, never crash or wedge it. The seeds are the torture set in
// testdata/torture.
func FuzzUA(f *testing.F) {
	files, _ := filepath.Glob("testdata/torture/*.msg")
	for _, file := range files {
		if b, err := os.ReadFile(file); err == nil {
			f.Add(b)
		}
	}
	f.Add([]byte("NOTIFY sip:101@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:9;branch=z9hG4bK-n\r\nFrom: <sip:vm@127.0.0.1>;tag=1\r\nTo: <sip:101@127.0.0.1>\r\nCall-ID: n1\r\nCSeq: 1 NOTIFY\r\nEvent: message-summary\r\nContent-Length: 22\r\n\r\nMessages-Waiting: yes\r\n"))
	u := startUA(f, Config{EnableRemoteReset: true, EnableMWI: true}, rejectAllHandler{})
	conn, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { conn.Close() })
	to := net.UDPAddrFromAddrPort(u.Addr())
	buf := make([]byte, 65535)
	n := 0
	f.Fuzz(func(t *testing.T, msg []byte) {
		if _, err := conn.WriteTo(msg, to); err != nil {
			return // too large for a datagram
		}
		n++
		callID := "alive-" + strconv.Itoa(n)
		opts := "OPTIONS sip:101@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP " + conn.LocalAddr().String() + ";branch=z9hG4bK-" + callID +
			"\r\nFrom: <sip:a@127.0.0.1>;tag=9\r\nTo: <sip:101@127.0.0.1>\r\nCall-ID: " + callID + "\r\nCSeq: 1 OPTIONS\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n"
		if _, err := conn.WriteTo([]byte(opts), to); err != nil {
			t.Fatal(err)
		}
		deadline := time.Now().Add(5 * time.Second)
		for {
			_ = conn.SetReadDeadline(deadline)
			k, _, err := conn.ReadFrom(buf)
			if err != nil {
				t.Fatalf("no answer to OPTIONS after %q: %v", msg, err)
			}
			// Answers to the fuzzed message may come first.
			if strings.HasPrefix(string(buf[:k]), "SIP/2.0 200") && strings.Contains(string(buf[:k]), "Call-ID: "+callID) {
				return
			}
		}
	})
}
