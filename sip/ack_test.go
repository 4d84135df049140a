package sip

import (
	"context"
	"fmt"
	"net"
	"strings"
	"testing"
	"time"
)

// inviteFrom is an INVITE with a PCMU offer from the UDP socket conn.
func inviteFrom(conn net.PacketConn, callID string) string {
	local := conn.LocalAddr().String()
	body := sdpBody("RTP/AVP")
	return fmt.Sprintf("INVITE sip:101@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP %s;branch=z9hG4bK-%s\r\n"+
		"From: <sip:caller@%s>;tag=c1\r\nTo: <sip:101@127.0.0.1>\r\nCall-ID: %s\r\nCSeq: 1 INVITE\r\n"+
		"Contact: <sip:caller@%s>\r\nMax-Forwards: 70\r\nContent-Type: application/sdp\r\nContent-Length: %d\r\n\r\n%s",
		local, callID, local, callID, local, len(body), body)
}

// readSIP reads datagrams until deadline and returns their first lines
// and the messages.
func readSIP(t *testing.T, conn net.PacketConn, until time.Time) (lines, msgs []string) {
	t.Helper()
	buf := make([]byte, 65535)
	for {
		conn.SetReadDeadline(until)
		n, _, err := conn.ReadFrom(buf)
		if err != nil {
			return lines, msgs
		}
		m := string(buf[:n])
		lines = append(lines, strings.SplitN(m, "\r\n", 2)[0])
		msgs = append(msgs, m)
	}
}

func count(lines []string, prefix string) int {
	n := 0
	for _, l := range lines {
		if strings.HasPrefix(l, prefix) {
			n++
		}
	}
	return n
}

// TestAnswerRetransmittedUntilACK: our 200 is sent again, T1 doubling,
// while no ACK comes, and not after the ACK; with no ACK at all the call
// is ended with a BYE after 64*T1 (RFC 3261 13.3.1.4), so a lost 200 or
// ACK does not hold a call (and its port) for ever.
func TestAnswerRetransmittedUntilACK(t *testing.T) {
	for _, ack := range []bool{false, true} {
		t.Run(fmt.Sprintf("ack=%v", ack), func(t *testing.T) {
			h := &answeringHandler{t: t}
			u, err := Listen(Config{ListenAddr: "127.0.0.1:0", Codecs: testCodecs}, h, nil)
			if err != nil {
				t.Fatal(err)
			}
			u.t1, u.t2 = 20*time.Millisecond, 80*time.Millisecond // 64*T1 = 1.28 s; before Serve
			ctx, cancel := context.WithCancel(context.Background())
			served := make(chan struct{})
			go func() { defer close(served); _ = u.Serve(ctx) }()
			t.Cleanup(func() { cancel(); <-served; u.Close() })
			conn, err := net.ListenPacket("udp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			to := net.UDPAddrFromAddrPort(u.Addr())
			id := fmt.Sprintf("ack-%v-%d", ack, time.Now().UnixNano())
			if _, err := conn.WriteTo([]byte(inviteFrom(conn, id)), to); err != nil {
				t.Fatal(err)
			}
			lines, msgs := readSIP(t, conn, time.Now().Add(300*time.Millisecond))
			oks := count(lines, "SIP/2.0 200")
			if oks < 3 {
				t.Fatalf("200 sent %d times in 300 ms without an ACK (T1 = 20 ms), want >= 3: %q", oks, lines)
			}
			if ack {
				var toTag string
				for _, m := range msgs {
					if strings.HasPrefix(m, "SIP/2.0 200") {
						for _, l := range strings.Split(m, "\r\n") {
							if strings.HasPrefix(strings.ToLower(l), "to:") {
								toTag = strings.TrimSpace(l[3:])
							}
						}
					}
				}
				local := conn.LocalAddr().String()
				a := fmt.Sprintf("ACK sip:101@%s SIP/2.0\r\nVia: SIP/2.0/UDP %s;branch=z9hG4bK-ack-%s\r\nFrom: <sip:caller@%s>;tag=c1\r\nTo: %s\r\n"+
					"Call-ID: %s\r\nCSeq: 1 ACK\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n", u.Addr(), local, id, local, toTag, id)
				if _, err := conn.WriteTo([]byte(a), to); err != nil {
					t.Fatal(err)
				}
				readSIP(t, conn, time.Now().Add(50*time.Millisecond)) // one already on its way
				lines, _ = readSIP(t, conn, time.Now().Add(2*time.Second))
				if n := count(lines, "SIP/2.0 200") + count(lines, "BYE "); n != 0 {
					t.Fatalf("after the ACK: %q, want nothing", lines)
				}
				if u.Stats().AckTimeouts.Load() != 0 || h.ended.Load() != 0 {
					t.Fatalf("an acknowledged call ended (ack timeouts %d)", u.Stats().AckTimeouts.Load())
				}
				return
			}
			lines, _ = readSIP(t, conn, time.Now().Add(2*time.Second))
			if count(lines, "BYE ") == 0 {
				t.Fatalf("no BYE within 2 s of a call never acknowledged (64*T1 = 1.28 s): %q", lines)
			}
			if got := u.Stats().AckTimeouts.Load(); got != 1 {
				t.Fatalf("AckTimeouts = %d, want 1", got)
			}
			deadline := time.Now().Add(3 * time.Second)
			for h.ended.Load() != 1 && time.Now().Before(deadline) {
				time.Sleep(10 * time.Millisecond)
			}
			if h.ended.Load() != 1 {
				t.Fatal("the handler never saw the unacknowledged call end")
			}
		})
	}
}
