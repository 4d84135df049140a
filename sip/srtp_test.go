package sip

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/potsgate/potsgate/media/srtp"
	"github.com/potsgate/potsgate/sip/sdp"
)

const testKey = "WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz"

// rawInvite sends an INVITE with body over UDP and returns the final
// response whole.
func rawInvite(t *testing.T, to netip.AddrPort, id, body string) string {
	t.Helper()
	conn, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	msg := "INVITE sip:101@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP " + conn.LocalAddr().String() + ";branch=z9hG4bK-" + id +
		"\r\nFrom: <sip:200@127.0.0.1>;tag=a" + id + "\r\nTo: <sip:101@127.0.0.1>\r\nCall-ID: " + id +
		"\r\nCSeq: 1 INVITE\r\nMax-Forwards: 70\r\nContact: <sip:200@" + conn.LocalAddr().String() +
		">\r\nContent-Type: application/sdp\r\nContent-Length: " + strconv.Itoa(len(body)) + "\r\n\r\n" + body
	if _, err := conn.WriteTo([]byte(msg), net.UDPAddrFromAddrPort(to)); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 8192)
	conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	for {
		n, _, err := conn.ReadFrom(buf)
		if err != nil {
			t.Fatalf("no answer: %v", err)
		}
		if s := string(buf[:n]); !strings.HasPrefix(s, "SIP/2.0 1") {
			return s
		}
	}
}

func sdpBody(proto string, crypto ...string) string {
	s := "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 40000 " + proto + " 0\r\n"
	for _, c := range crypto {
		s += "a=crypto:" + c + "\r\n"
	}
	return s
}

// TestMediaSecurityOffers: what each policy does with each kind of offer
// arriving over UDP.
func TestMediaSecurityOffers(t *testing.T) {
	savp := sdpBody("RTP/SAVP", "1 AES_CM_128_HMAC_SHA1_80 inline:"+testKey)
	avpCrypto := sdpBody("RTP/AVP", "1 AES_CM_128_HMAC_SHA1_32 inline:"+testKey)
	plain := sdpBody("RTP/AVP")
	tests := []struct {
		name     string
		mode     sdp.SecurityMode
		insecure bool // SDESOverInsecureTransport
		body     string
		status   string
		crypto   bool   // the 200's SDP carries a=crypto
		warning  string // in the 488's Warning
	}{
		{"mandatory refuses a plain offer", sdp.SecurityMandatory, true, plain, "488", false, "without a=crypto"},
		{"mandatory takes SAVP", sdp.SecurityMandatory, true, savp, "200", true, ""},
		{"mandatory over UDP without the gate refuses", sdp.SecurityMandatory, false, savp, "488", false, "not encrypted"},
		{"preferable falls back on a plain offer", sdp.SecurityPreferable, true, plain, "200", false, ""},
		{"preferable takes crypto on RTP/AVP", sdp.SecurityPreferable, true, avpCrypto, "200", true, ""},
		{"preferable over UDP without the gate: no keys in clear", sdp.SecurityPreferable, false, avpCrypto, "200", false, ""},
		{"preferable over UDP without the gate: SAVP refused", sdp.SecurityPreferable, false, savp, "488", false, "media security is off"},
		{"off refuses SAVP", sdp.SecurityOff, false, savp, "488", false, "media security is off"},
		{"a broken crypto line", sdp.SecurityPreferable, true, sdpBody("RTP/SAVP", "1 AES_CM_128_HMAC_SHA1_80 inline:QUJD"), "488", false, "needs 30"},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			u := startUA(t, Config{MediaSecurity: sdp.Security{Mode: tt.mode}, SDESOverInsecureTransport: tt.insecure}, &answeringHandler{t: t})
			res := rawInvite(t, u.Addr(), fmt.Sprintf("sec%d", i), tt.body)
			if !strings.HasPrefix(res, "SIP/2.0 "+tt.status) {
				t.Fatalf("answered %q, want %s", strings.SplitN(res, "\r\n", 2)[0], tt.status)
			}
			_, body, _ := strings.Cut(res, "\r\n\r\n")
			if got := strings.Contains(body, "a=crypto:"); got != tt.crypto {
				t.Errorf("a=crypto in the answer: %v, want %v\n%s", got, tt.crypto, res)
			}
			if tt.crypto && strings.Contains(res, testKey) {
				t.Error("the answer echoes the offer's key instead of a fresh one")
			}
			if tt.warning != "" && !strings.Contains(res, "Warning: 399") || !strings.Contains(res, tt.warning) {
				t.Errorf("Warning should say %q:\n%s", tt.warning, res)
			}
		})
	}
}

// TestSRTPCallBetweenUAs: a preferable caller and a mandatory callee end up
// with matching keys: what one sends with, the other receives with.
func TestSRTPCallBetweenUAs(t *testing.T) {
	h := holdHandler{calls: make(chan *Call, 1)}
	callee := startUA(t, Config{MediaSecurity: sdp.Security{Mode: sdp.SecurityMandatory, Suites: []srtp.Suite{srtp.AES_CM_128_HMAC_SHA1_32, srtp.AES_CM_128_HMAC_SHA1_80}}, SDESOverInsecureTransport: true}, h)
	caller := startUA(t, Config{MediaSecurity: sdp.Security{Mode: sdp.SecurityMandatory}, SDESOverInsecureTransport: true}, &answeringHandler{t: t})
	out, err := caller.Dial(context.Background(), Dial{To: "101", Host: callee.Addr().String(), From: "x", LocalPort: 39710})
	if err != nil {
		t.Fatal(err)
	}
	waitEvent(t, out, EventAnswered)
	in := <-h.calls
	a, b := out.Choice().SRTP, in.Choice().SRTP
	if !a.Enabled() || a.Send != b.Receive || a.Receive != b.Send || a.Send == a.Receive {
		t.Fatalf("keys do not match: caller %+v callee %+v", a, b)
	}
	// The callee's suite order wins: _32 is first in its list.
	if a.Send.Suite != srtp.AES_CM_128_HMAC_SHA1_32 || a.Profile != sdp.ProfileSAVP {
		t.Errorf("suite %v on %s", a.Send.Suite, a.Profile)
	}
	if out.SignalingSecure() || !out.MediaSecure() || out.Transport() != TransportUDP {
		t.Errorf("caller: signalling secure %v (%s), media secure %v", out.SignalingSecure(), out.Transport(), out.MediaSecure())
	}
	// Hold keeps the keys on the holder's side; the held side, seeing its
	// far end's key unchanged, keeps its own.
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	ch, err := out.Hold(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if ch.SRTP != a {
		t.Errorf("hold changed the keys")
	}
	if got := nextModified(t, in); got.SRTP != b {
		t.Errorf("held side's keys changed")
	}
	_ = out.Hangup(ctx)
}

// TestReInviteRekeys: a re-INVITE bringing a new key gets a new key of
// ours in the answer; the call's choice carries both.
func TestReInviteRekeys(t *testing.T) {
	h := holdHandler{calls: make(chan *Call, 1)}
	callee := startUA(t, Config{MediaSecurity: sdp.Security{Mode: sdp.SecurityMandatory}, SDESOverInsecureTransport: true}, h)
	caller := startUA(t, Config{MediaSecurity: sdp.Security{Mode: sdp.SecurityMandatory}, SDESOverInsecureTransport: true}, &answeringHandler{t: t})
	out, err := caller.Dial(context.Background(), Dial{To: "101", Host: callee.Addr().String(), From: "x", LocalPort: 39720})
	if err != nil {
		t.Fatal(err)
	}
	waitEvent(t, out, EventAnswered)
	in := <-h.calls
	before := in.Choice().SRTP
	// The caller rekeys: a re-offer with a fresh key of the same suite.
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := out.Rekey(ctx); err != nil {
		t.Fatal(err)
	}
	after := nextModified(t, in).SRTP
	if after.Receive == before.Receive || after.Send == before.Send || after.Send.IsZero() {
		t.Fatalf("re-INVITE with a new key did not rekey both ways")
	}
	if cur := out.Choice().SRTP; cur.Send != after.Receive || cur.Receive != after.Send {
		t.Fatalf("caller and callee disagree after the rekey")
	}
	_ = out.Hangup(ctx)
}

// TestMandatoryDialRefusedOverUDP: a mandatory call over UDP without the
// gate is not placed at all.
func TestMandatoryDialRefusedOverUDP(t *testing.T) {
	callee := startUA(t, Config{}, &answeringHandler{t: t})
	caller := startUA(t, Config{MediaSecurity: sdp.Security{Mode: sdp.SecurityMandatory}}, &answeringHandler{t: t})
	_, err := caller.Dial(context.Background(), Dial{To: "101", Host: callee.Addr().String(), From: "x", LocalPort: 39730})
	if !errors.Is(err, ErrInsecureSignalling) {
		t.Fatalf("Dial: %v, want ErrInsecureSignalling", err)
	}
	if n := callee.Stats().IncomingCalls.Load(); n != 0 {
		t.Fatalf("an INVITE went out (%d calls)", n)
	}
}

// TestPlainAnswerToMandatoryOfferEndsCall: a far end that answers our
// RTP/SAVP offer with plain RTP gets a BYE; the call ends with 488.
func TestPlainAnswerToMandatoryOfferEndsCall(t *testing.T) {
	peerConn, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer peerConn.Close()
	gotBye := make(chan struct{})
	go func() {
		buf := make([]byte, 8192)
		for {
			n, from, err := peerConn.ReadFrom(buf)
			if err != nil {
				return
			}
			msg := string(buf[:n])
			hdr, _, _ := strings.Cut(msg, "\r\n\r\n")
			lines := strings.Split(hdr, "\r\n")
			var keep []string
			for _, l := range lines[1:] {
				name, _, _ := strings.Cut(l, ":")
				switch strings.ToLower(name) {
				case "via", "from", "call-id", "cseq":
					keep = append(keep, l)
				case "to":
					keep = append(keep, l+";tag=plainpeer")
				}
			}
			switch {
			case strings.HasPrefix(msg, "INVITE"):
				body := sdpBody("RTP/AVP")
				res := "SIP/2.0 200 OK\r\n" + strings.Join(keep, "\r\n") + "\r\nContact: <sip:101@" + peerConn.LocalAddr().String() +
					">\r\nContent-Type: application/sdp\r\nContent-Length: " + strconv.Itoa(len(body)) + "\r\n\r\n" + body
				peerConn.WriteTo([]byte(res), from)
			case strings.HasPrefix(msg, "BYE"):
				peerConn.WriteTo([]byte("SIP/2.0 200 OK\r\n"+strings.Join(keep, "\r\n")+"\r\nContent-Length: 0\r\n\r\n"), from)
				close(gotBye)
				return
			}
		}
	}()
	caller := startUA(t, Config{MediaSecurity: sdp.Security{Mode: sdp.SecurityMandatory}, SDESOverInsecureTransport: true}, &answeringHandler{t: t})
	out, err := caller.Dial(context.Background(), Dial{To: "101", Host: peerConn.LocalAddr().String(), From: "x", LocalPort: 39740})
	if err != nil {
		t.Fatal(err)
	}
	for ev := range out.Events() {
		if ev.Kind == EventAnswered {
			t.Fatal("a plain answer to a mandatory offer was taken")
		}
		if ev.Kind == EventEnded {
			if ev.Code != 488 || !strings.Contains(ev.Reason, "mandatory") {
				t.Errorf("ended %d %q", ev.Code, ev.Reason)
			}
		}
	}
	select {
	case <-gotBye:
	case <-time.After(5 * time.Second):
		t.Fatal("no BYE to the plain answer")
	}
}
