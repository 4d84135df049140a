package sas

import (
	"crypto/md5"
	"encoding/hex"
	"fmt"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/emiago/sipgo/sip"
)

func invite(user, sas string, maxfwd int, extra string) string {
	seq++
	return fmt.Sprintf(`
INVITE sip:%[1]s@%[2]s SIP/2.0
Via: SIP/2.0/UDP {local};branch=z9hG4bK-inv%[4]d
From: <sip:1001@127.0.0.1>;tag=i%[4]d
To: <sip:%[1]s@127.0.0.1>
Call-ID: inv-%[4]d
CSeq: 1 INVITE
Contact: <sip:1001@{local}>
Max-Forwards: %[3]d
%[5]sContent-Length: 0

`, user, sas, maxfwd, seq, extra)
}

func TestMaxForwardsAndLoops(t *testing.T) {
	// The gateway is SAS itself: every call to a port loops.
	pc, err := net.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s, addr := startServiceOn(t, pc, Config{SASDefaultGatewayIP: pc.LocalAddr().String()})
	p := newRawPeer(t, addr)

	p.send(invite("101", addr, 0, ""))
	if got := p.status(2 * time.Second); got != 483 {
		t.Fatalf("Max-Forwards 0: %d, want 483", got)
	}
	p.send(invite("101", addr, 70, ""))
	if got := p.status(5 * time.Second); got != 482 {
		t.Fatalf("loop through the gateway: %d, want 482", got)
	}
	if st := s.Stats(); st.Loops != 1 || st.TooManyHops != 1 {
		t.Fatalf("stats %+v", st)
	}
	// a spiral (different Request-URI each time) ends by Max-Forwards
	p.send(invite("102", addr, 3, "Route: <sip:"+addr+";lr>\n"))
	if got := p.status(5 * time.Second); got != 483 && got != 482 {
		t.Fatalf("looping request: %d, want 482 or 483", got)
	}
}

func TestHugeAndMalformed(t *testing.T) {
	s, addr := startService(t, Config{MaxMessageSize: 2048})
	p := newRawPeer(t, addr)

	huge := register("1001", addr, 60, "X-Huge: "+strings.Repeat("a", 20000)+"\n")
	p.send(huge)
	if got := p.status(2 * time.Second); got != 513 {
		t.Fatalf("huge header: %d, want 513", got)
	}
	// a datagram larger than sipgo's read buffer, and a huge Via: dropped
	p.sendBytes([]byte("INVITE sip:1@x SIP/2.0\r\nVia: SIP/2.0/UDP " + strings.Repeat("h", 40000) + "\r\n\r\n"))
	// garbage and a request missing its Call-ID and CSeq
	p.sendBytes([]byte("\x00\x01garbage\r\n\r\n"))
	p.send(fmt.Sprintf("OPTIONS sip:%s SIP/2.0\nVia: SIP/2.0/UDP {local};branch=z9hG4bK-bad1\nFrom: <sip:a@b>;tag=1\nTo: <sip:c@d>\nMax-Forwards: 70\nContent-Length: 0\n\n", addr))
	if got := p.status(2 * time.Second); got != 400 {
		t.Fatalf("missing Call-ID/CSeq: %d, want 400", got)
	}
	// a bad URI scheme
	p.send(strings.Replace(invite("101", addr, 70, ""), "INVITE sip:101@", "INVITE tel:101@", 1))
	if got := p.status(2 * time.Second); got != 416 && got != 400 {
		t.Fatalf("tel: URI: %d, want 416 or 400", got)
	}
	// REGISTER without a To user
	p.send(strings.Replace(register("1001", addr, 60, ""), "To: <sip:1001@127.0.0.1>", "To: <sip:127.0.0.1>", 1))
	if got := p.status(2 * time.Second); got != 400 {
		t.Fatalf("REGISTER without user: %d, want 400", got)
	}
	// still serving
	p.send(register("1001", addr, 60, ""))
	if got := p.status(2 * time.Second); got != 200 {
		t.Fatalf("REGISTER after hostile traffic: %d", got)
	}
	if st := s.Stats(); st.TooLarge < 2 {
		t.Fatalf("stats %+v", st)
	}
}

// digestFor answers a challenge like a phone would.
func digestFor(chal, user, pass, method, uri string) string {
	get := func(k string) string {
		i := strings.Index(chal, k+`="`)
		if i < 0 {
			return ""
		}
		rest := chal[i+len(k)+2:]
		return rest[:strings.IndexByte(rest, '"')]
	}
	h := func(s string) string { x := md5.Sum([]byte(s)); return hex.EncodeToString(x[:]) }
	realm, nonce := get("realm"), get("nonce")
	ha1, ha2 := h(user+":"+realm+":"+pass), h(method+":"+uri)
	resp := h(ha1 + ":" + nonce + ":00000001:abcdef:auth:" + ha2)
	return fmt.Sprintf(`Digest username="%s", realm="%s", nonce="%s", uri="%s", response="%s", algorithm=MD5, qop=auth, nc=00000001, cnonce="abcdef"`,
		user, realm, nonce, uri, resp)
}

func TestDigestAuthentication(t *testing.T) {
	gw := newRawPeer(t, "127.0.0.1:9") // the gateway: a socket that records what it gets
	s, addr := startService(t, Config{Users: map[string]string{"1001": "secret1001"}, SASDefaultGatewayIP: gw.addr()})
	p := newRawPeer(t, addr)

	p.send(register("1001", addr, 60, ""))
	m := p.read(2 * time.Second)
	res, ok := m.(*sip.Response)
	if !ok || res.StatusCode != 401 {
		t.Fatalf("REGISTER without credentials: %v", m)
	}
	chal := res.GetHeader("WWW-Authenticate").Value()

	p.send(register("1001", addr, 60, "Authorization: "+digestFor(chal, "1001", "wrong", "REGISTER", "sip:"+addr)+"\n"))
	if got := p.status(2 * time.Second); got != 403 {
		t.Fatalf("wrong password: %d, want 403", got)
	}
	p.send(register("1001", addr, 60, "Authorization: "+digestFor(chal, "1002", "secret1001", "REGISTER", "sip:"+addr)+"\n"))
	if got := p.status(2 * time.Second); got != 403 {
		t.Fatalf("unknown user: %d, want 403", got)
	}
	forged := strings.Replace(chal, `nonce="`, `nonce="00`, 1)
	p.send(register("1001", addr, 60, "Authorization: "+digestFor(forged, "1001", "secret1001", "REGISTER", "sip:"+addr)+"\n"))
	if got := p.status(2 * time.Second); got != 403 {
		t.Fatalf("forged nonce: %d, want 403", got)
	}
	p.send(register("1001", addr, 60, "Authorization: Digest garbage\n"))
	if got := p.status(2 * time.Second); got != 403 && got != 401 {
		t.Fatalf("garbage credentials: %d", got)
	}
	if len(s.Bindings()) != 0 {
		t.Fatalf("binding recorded without valid credentials: %v", s.Bindings())
	}
	p.send(register("1001", addr, 60, "Authorization: "+digestFor(chal, "1001", "secret1001", "REGISTER", "sip:"+addr)+"\n"))
	if got := p.status(2 * time.Second); got != 200 {
		t.Fatalf("right credentials: %d, want 200", got)
	}

	// calls from a known user need Proxy-Authorization
	p.send(invite("101", addr, 70, ""))
	m = p.read(2 * time.Second)
	res, ok = m.(*sip.Response)
	if !ok || res.StatusCode != 407 {
		t.Fatalf("INVITE without credentials: %v", m)
	}
	pchal := res.GetHeader("Proxy-Authenticate").Value()
	p.send(invite("101", addr, 70, "Proxy-Authorization: "+digestFor(pchal, "1001", "bad", "INVITE", "sip:101@"+addr)+"\n"))
	if got := p.status(2 * time.Second); got != 403 {
		t.Fatalf("INVITE wrong password: %d, want 403", got)
	}
	p.send(invite("101", addr, 70, "Proxy-Authorization: "+digestFor(pchal, "1001", "secret1001", "INVITE", "sip:101@"+addr)+"\n"))
	fwd, ok := gw.read(2 * time.Second).(*sip.Request)
	if !ok || fwd.Method != sip.INVITE || fwd.Recipient.User != "101" {
		t.Fatalf("gateway got %v", fwd)
	}
	if st := s.Stats(); st.AuthFailures < 4 || st.AuthChallenges < 2 || st.ToGateway != 1 {
		t.Fatalf("stats %+v", st)
	}
}

func TestBindingExpiryInService(t *testing.T) {
	clock := time.Unix(5000, 0)
	var mu = make(chan struct{}, 1)
	mu <- struct{}{}
	now := func() time.Time { <-mu; defer func() { mu <- struct{}{} }(); return clock }
	advance := func(d time.Duration) { <-mu; clock = clock.Add(d); mu <- struct{}{} }
	s, addr := startService(t, Config{SASRegistrationTime: 120 * time.Second}, WithClock(now))
	p := newRawPeer(t, addr)
	p.send(register("1001", addr, 30, ""))
	if got := p.status(2 * time.Second); got != 200 {
		t.Fatal(got)
	}
	p2 := newRawPeer(t, addr)
	p2.send(register("1002", addr, 3600, "")) // capped to 120 s
	if got := p2.status(2 * time.Second); got != 200 {
		t.Fatal(got)
	}
	advance(29 * time.Second)
	if n := len(s.Bindings()); n != 2 {
		t.Fatalf("at 29 s: %d bindings", n)
	}
	advance(time.Second)
	if b := bindingUsers(s); len(b) != 1 || b["1002"] == "" {
		t.Fatalf("at 30 s: %v", b)
	}
	// an expired binding no longer routes: the call gets 404 (no gateway)
	p2.send(invite("1001", addr, 70, ""))
	if got := p2.status(2 * time.Second); got != 404 {
		t.Fatalf("call to expired binding: %d, want 404", got)
	}
	advance(90 * time.Second)
	if n := len(s.Bindings()); n != 0 {
		t.Fatalf("at 120 s: %d bindings", n)
	}
	// unregister
	p.send(register("1001", addr, 60, ""))
	p.status(2 * time.Second)
	p.send(register("1001", addr, 0, ""))
	if got := p.status(2 * time.Second); got != 200 || len(s.Bindings()) != 0 {
		t.Fatalf("unregister: %d %v", got, s.Bindings())
	}
}
