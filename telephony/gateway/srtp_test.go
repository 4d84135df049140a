package gateway

import (
	"crypto/rand"
	"math"
	"net"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/pion/rtp"

	"github.com/potsgate/potsgate/media/srtp"
	"github.com/potsgate/potsgate/sip"
	"github.com/potsgate/potsgate/sip/sdp"
)

const srtpMandatoryIni = "EnableMediaSecurity = 1\nMediaSecurityBehaviour = 1\nEnableSDESOverInsecureTransport = 1\n"

// srtpRig is a rig whose user agent takes its configuration from the ini
// (SIPConfig), media security included.
func srtpRig(t *testing.T, ini string) *rig {
	t.Helper()
	return newRig(t, ini, 1, rtpFactory(t), func(o *Options) {
		sc, err := SIPConfig(o.Config, "potsgate/test")
		if err != nil {
			t.Fatal(err)
		}
		sc.ListenAddr = "127.0.0.1:0"
		sc.Codecs, sc.DTMFPayloadType = []sdp.Format{pcmu}, 101
		o.SIP = sc
	})
}

// srtpPeer is a SIP agent with its own SRTP policy.
func srtpPeer(t *testing.T, r *rig, sec sdp.Security) *sip.UA {
	t.Helper()
	ua, err := sip.Listen(sip.Config{ListenAddr: "127.0.0.1:0", Codecs: []sdp.Format{pcmu}, DTMFPayloadType: 101,
		MediaSecurity: sec, SDESOverInsecureTransport: true}, refuseAll{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	go ua.Serve(r.ctx)
	t.Cleanup(func() { ua.Close() })
	return ua
}

func srtpSine(f float64, n int) []int16 {
	out := make([]int16, n)
	for i := range out {
		out[i] = int16(8000 * math.Sin(2*math.Pi*f*float64(i)/8000))
	}
	return out
}

// TestSRTPCallThroughGateway: a far end with mandatory SRTP calls port 101
// of a gateway with mandatory SRTP over UDP (keys allowed in clear for the
// test). The tone goes both ways; the status shows the call's media
// encrypted and its signalling not; a forged packet sent to the gateway's
// RTP port is dropped and counted; a re-INVITE with a new key rekeys both
// legs without a packet refused.
func TestSRTPCallThroughGateway(t *testing.T) {
	r := srtpRig(t, srtpMandatoryIni)
	ua := srtpPeer(t, r, sdp.Security{Mode: sdp.SecurityMandatory, Suites: []srtp.Suite{srtp.AES_CM_128_HMAC_SHA1_32}})
	leg, err := rtpFactory(t).Open(nil)
	if err != nil {
		t.Fatal(err)
	}
	defer leg.Close()
	c, err := ua.Dial(r.ctx, sip.Dial{To: "101", Host: r.g.SIPAddr(), From: "555", LocalPort: leg.Port()})
	if err != nil {
		t.Fatal(err)
	}
	ev := events{t, c}
	phone := r.phones[0]
	waitFor(t, "101 rings", phone.Ringing)
	phone.PickUp()
	answered := ev.next(sip.EventAnswered).Choice
	if !answered.SRTP.Enabled() || answered.SRTP.Send.Suite != srtp.AES_CM_128_HMAC_SHA1_32 {
		t.Fatalf("far end's media %+v, want SRTP with its only suite", answered.SRTP)
	}
	if err := leg.Start(answered); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = c.Hangup(r.ctx) }()
	phone.Heard()
	phone.Say(srtpSine(440, 8000*6))

	talk := func(d time.Duration) []int16 {
		tick := time.NewTicker(10 * time.Millisecond)
		defer tick.Stop()
		tone := srtpSine(1000, 80*int(d/(10*time.Millisecond)))
		frame := make([]int16, 80)
		var heard []int16
		for i := 0; i+80 <= len(tone); i += 80 {
			<-tick.C
			leg.WriteFrame(tone[i : i+80])
			leg.ReadFrame(frame)
			heard = append(heard, frame...)
		}
		return heard
	}
	heard := talk(2 * time.Second)
	if h := heard[8000:]; goertzel(h, 440) < 100*goertzel(h, 1000) {
		t.Errorf("the far end does not hear the phone over SRTP: 440 Hz %.3g, 1 kHz %.3g", goertzel(h, 440), goertzel(h, 1000))
	}
	if h := phone.Heard(); len(h) < 8000 || goertzel(h[len(h)-8000:], 1000) < 100*goertzel(h[len(h)-8000:], 440) {
		t.Errorf("the phone does not hear the far end over SRTP")
	}
	st := r.g.Status()
	cs := st.Ports[0].Call
	if cs == nil || !cs.MediaEncrypted || cs.SignallingEncrypted || cs.Transport != "UDP" || cs.SRTPSuite != "AES_CM_128_HMAC_SHA1_32" {
		t.Fatalf("status of the call: %+v", cs)
	}

	// A forged packet (another key) to the gateway's RTP port.
	k, _ := srtp.NewKey(srtp.AES_CM_128_HMAC_SHA1_32, rand.Reader)
	ky := srtp.Crypto{Suite: srtp.AES_CM_128_HMAC_SHA1_32, Keys: []srtp.KeyParam{k}}.Keying()
	forger, _ := srtp.NewContext(ky, ky)
	plain, _ := (&rtp.Packet{Header: rtp.Header{Version: 2, SSRC: 77, SequenceNumber: 9}, Payload: make([]byte, 160)}).Marshal()
	forged, _ := forger.ProtectRTP(nil, plain)
	conn, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.WriteToUDPAddrPort(forged, answered.Remote)
	waitFor(t, "the forged packet counted", func() bool { return r.g.Status().Counters["srtp_auth_failed"] == 1 })
	rec := httptest.NewRecorder()
	NewMetrics(func() *Gateway { return r.g }).Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	if !strings.Contains(rec.Body.String(), "\npotsgate_srtp_auth_failures_total{protocol=\"rtp\"} 1\n") {
		t.Errorf("metrics do not count the forged packet:\n%s", rec.Body.String())
	}

	// Rekey: the far end re-INVITEs with a new key of its own.
	ch, err := c.Rekey(r.ctx)
	if err != nil {
		t.Fatal(err)
	}
	if ch.SRTP.Send == answered.SRTP.Send || ch.SRTP.Receive == answered.SRTP.Receive {
		t.Fatalf("the re-INVITE did not rekey both ways")
	}
	if err := leg.Update(ch); err != nil {
		t.Fatal(err)
	}
	phone.Heard()
	heard = talk(1500 * time.Millisecond)
	if h := heard[4000:]; goertzel(h, 440) < 100*goertzel(h, 1000) {
		t.Errorf("after the rekey the far end does not hear the phone")
	}
	if h := phone.Heard(); len(h) < 4000 || goertzel(h[len(h)-4000:], 1000) < 100*goertzel(h[len(h)-4000:], 440) {
		t.Errorf("after the rekey the phone does not hear the far end")
	}
	if n := r.g.Status().Counters["srtp_auth_failed"]; n != 1 {
		t.Errorf("%d packets refused across the rekey (1 forged)", n-1)
	}
	if st, _ := leg.(*rtpLeg).Stats(); st.SRTPAuthFailed != 0 || !st.Secure {
		t.Errorf("far end: secure %v, auth failures %d", st.Secure, st.SRTPAuthFailed)
	}
}

// TestSRTPMandatoryRefusesPlainOffer: a plain offer to a mandatory gateway
// is refused with 488; the phone never rings.
func TestSRTPMandatoryRefusesPlainOffer(t *testing.T) {
	r := srtpRig(t, srtpMandatoryIni)
	c := r.dial(t, "101", 40400)
	e := ended(t, c, 10*time.Second)
	if e.Code != 488 {
		t.Fatalf("plain offer to a mandatory gateway ended %d %q, want 488", e.Code, e.Reason)
	}
	if r.phones[0].Ringing() {
		t.Fatal("the phone rang for a call refused")
	}
}

// TestSRTPPreferable: a plain offer gets plain RTP; an offer with crypto
// gets SRTP.
func TestSRTPPreferable(t *testing.T) {
	r := srtpRig(t, "EnableMediaSecurity = 1\nEnableSDESOverInsecureTransport = 1\nSRTPofferedSuites = 2\n")
	for _, tc := range []struct {
		name   string
		sec    sdp.Security
		secure bool
	}{{"plain caller", sdp.Security{}, false}, {"SRTP caller", sdp.Security{Mode: sdp.SecurityPreferable}, true}} {
		ua := srtpPeer(t, r, tc.sec)
		c, err := ua.Dial(r.ctx, sip.Dial{To: "101", Host: r.g.SIPAddr(), From: "555", LocalPort: 40410})
		if err != nil {
			t.Fatal(err)
		}
		events{t, c}.next(sip.EventRinging)
		waitFor(t, "101 rings", r.phones[0].Ringing)
		r.phones[0].PickUp()
		ch := events{t, c}.next(sip.EventAnswered).Choice
		if ch.SRTP.Enabled() != tc.secure {
			t.Errorf("%s: SRTP %v, want %v", tc.name, ch.SRTP.Enabled(), tc.secure)
		}
		if tc.secure && ch.SRTP.Send.Suite != srtp.AES_CM_128_HMAC_SHA1_80 {
			t.Errorf("%s: suite %v, SRTPofferedSuites = 2 is AES_CM_128_HMAC_SHA1_80", tc.name, ch.SRTP.Send.Suite)
		}
		waitFor(t, "status", func() bool {
			cs := r.g.Status().Ports[0].Call
			return cs != nil && cs.MediaEncrypted == tc.secure
		})
		_ = c.Hangup(r.ctx)
		r.phones[0].HangUp()
		waitFor(t, "101 idle", func() bool {
			return r.g.ports[0].idle() && r.g.Status().Ports[0].Call == nil && r.g.Status().ActiveCalls == 0
		})
	}
}

// TestSRTPOverUDPGate: without EnableSDESOverInsecureTransport a mandatory
// gateway refuses calls over UDP (no keys in clear); a preferable one
// answers a crypto offer with plain RTP.
func TestSRTPOverUDPGate(t *testing.T) {
	r := srtpRig(t, "EnableMediaSecurity = 1\nMediaSecurityBehaviour = 1\n")
	ua := srtpPeer(t, r, sdp.Security{Mode: sdp.SecurityPreferable})
	c, err := ua.Dial(r.ctx, sip.Dial{To: "101", Host: r.g.SIPAddr(), From: "555", LocalPort: 40420})
	if err != nil {
		t.Fatal(err)
	}
	if e := ended(t, c, 10*time.Second); e.Code != 488 {
		t.Fatalf("mandatory over UDP without the gate: %d %q", e.Code, e.Reason)
	}
	// The phone dials out: the call is refused before any INVITE.
	ph := r.phones[0]
	ph.PickUp()
	ph.Wait(300 * time.Millisecond)
	ph.DialDTMF("555#")
	waitFor(t, "the outgoing call refused", func() bool { return r.g.Counters().Failed.Load() >= 1 || r.g.Counters().NoRoute.Load() >= 1 })
	if ua.Stats().IncomingCalls.Load() != 0 {
		t.Fatal("an INVITE with keys in clear went out")
	}
}

func TestSRTPParams(t *testing.T) {
	for v, want := range map[string]string{
		"0":  "",
		"2":  "AES_CM_128_HMAC_SHA1_80",
		"3":  "AES_CM_128_HMAC_SHA1_80 AES_CM_128_HMAC_SHA1_32",
		"48": "AES_256_CM_HMAC_SHA1_80 AES_256_CM_HMAC_SHA1_32",
		"'AES_CM_128_HMAC_SHA1_32, AES_CM_128_HMAC_SHA1_80'": "AES_CM_128_HMAC_SHA1_32 AES_CM_128_HMAC_SHA1_80",
	} {
		s, err := parseSRTPSuites(v)
		if err != nil {
			t.Errorf("%s: %v", v, err)
			continue
		}
		var names []string
		for _, x := range s {
			names = append(names, x.String())
		}
		if got := strings.Join(names, " "); got != want {
			t.Errorf("%s: %q, want %q", v, got, want)
		}
	}
	for _, bad := range []string{"4", "64", "-1", "AES_CM_192", "'F8_128_HMAC_SHA1_80'"} {
		if _, err := parseSRTPSuites(bad); err == nil {
			t.Errorf("SRTPofferedSuites = %s accepted", bad)
		}
	}
	reg, _ := NewRegistry()
	if _, err := reg.ApplyText(reg.Defaults(), "gw.ini", []byte("SRTPofferedSuites = 4\n")); err == nil || !strings.Contains(err.Error(), "ARIA") {
		t.Errorf("an ARIA-only SRTPofferedSuites: %v", err)
	}
	res, err := reg.ApplyText(reg.Defaults(), "gw.ini", []byte(srtpMandatoryIni+"SRTPofferedSuites = 1\n"))
	if err != nil {
		t.Fatal(err)
	}
	sc, err := SIPConfig(res.Config, "x")
	if err != nil {
		t.Fatal(err)
	}
	if sc.MediaSecurity.Mode != sdp.SecurityMandatory || !sc.SDESOverInsecureTransport || len(sc.MediaSecurity.Suites) != 1 || sc.MediaSecurity.Suites[0] != srtp.AES_CM_128_HMAC_SHA1_32 {
		t.Errorf("SIP config %+v", sc.MediaSecurity)
	}
	res, err = reg.ApplyText(reg.Defaults(), "gw.ini", []byte("EnableMediaSecurity = 1\nMediaSecurityBehaviour = 3\n"))
	if err != nil {
		t.Fatal(err)
	}
	if sc, _ = SIPConfig(res.Config, "x"); sc.MediaSecurity.Mode != sdp.SecurityPreferable {
		t.Errorf("MediaSecurityBehaviour = 3: %v, want preferable", sc.MediaSecurity.Mode)
	}
	if sc, _ = SIPConfig(reg.Defaults(), "x"); sc.MediaSecurity.Mode != sdp.SecurityOff || sc.SDESOverInsecureTransport {
		t.Errorf("defaults: %+v", sc.MediaSecurity)
	}
}

// TestSRTPG729AndDTMF: a G.729 call with RFC 4733 events over SRTP: the
// tone crosses both ways through G.729, a digit the phone presses reaches
// the far end as an event, one the far end sends is played to the phone.
func TestSRTPG729AndDTMF(t *testing.T) {
	g729 := sdp.Format{PayloadType: 18, Name: "G729", ClockRate: 8000, Params: "annexb=no"}
	r := newRig(t, srtpMandatoryIni+"DTMFTransportType = 3\n", 1, rtpFactory(t), func(o *Options) {
		sc, err := SIPConfig(o.Config, "potsgate/test")
		if err != nil {
			t.Fatal(err)
		}
		sc.ListenAddr = "127.0.0.1:0"
		sc.Codecs, sc.DTMFPayloadType = []sdp.Format{g729}, 101
		o.SIP = sc
	})
	ua, err := sip.Listen(sip.Config{ListenAddr: "127.0.0.1:0", Codecs: []sdp.Format{g729}, DTMFPayloadType: 101,
		MediaSecurity: sdp.Security{Mode: sdp.SecurityMandatory}, SDESOverInsecureTransport: true}, refuseAll{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	go ua.Serve(r.ctx)
	t.Cleanup(func() { ua.Close() })
	digits := make(chan byte, 8)
	leg, err := rtpFactory(t).Open(func(d byte) { digits <- d })
	if err != nil {
		t.Fatal(err)
	}
	defer leg.Close()
	c, err := ua.Dial(r.ctx, sip.Dial{To: "101", Host: r.g.SIPAddr(), From: "555", LocalPort: leg.Port()})
	if err != nil {
		t.Fatal(err)
	}
	phone := r.phones[0]
	waitFor(t, "101 rings", phone.Ringing)
	phone.PickUp()
	ch := events{t, c}.next(sip.EventAnswered).Choice
	if !ch.SRTP.Enabled() || ch.Codec.Name != "G729" || !ch.HasDTMF() {
		t.Fatalf("media %+v", ch)
	}
	if err := leg.Start(ch); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = c.Hangup(r.ctx) }()
	phone.Heard()
	phone.Say(srtpSine(440, 8000*2))
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	tone := srtpSine(1000, 8000*4)
	frame := make([]int16, 80)
	var heard []int16
	for i := 0; i+80 <= len(tone); i += 80 {
		<-tick.C
		switch i {
		case 8000 * 2:
			phone.DialDTMF("7")
		case 8000 * 3:
			leg.SendDigit('3')
		}
		leg.WriteFrame(tone[i : i+80])
		leg.ReadFrame(frame)
		heard = append(heard, frame...)
	}
	if h := heard[4000:16000]; goertzel(h, 440) < 30*goertzel(h, 1000) {
		t.Errorf("G.729 over SRTP: the far end does not hear the phone's 440 Hz (%.3g, 1 kHz %.3g)", goertzel(h, 440), goertzel(h, 1000))
	}
	ph := phone.Heard()
	if len(ph) < 16000 || goertzel(ph[4000:16000], 1000) < 30*goertzel(ph[4000:16000], 440) {
		t.Errorf("G.729 over SRTP: the phone does not hear the far end's 1 kHz")
	}
	select {
	case d := <-digits:
		if d != '7' {
			t.Errorf("far end got digit %q, want 7", d)
		}
	case <-time.After(5 * time.Second):
		t.Error("the phone's digit did not reach the far end as an RFC 4733 event over SRTP")
	}
	// The far end's 3 is played to the phone: 697 + 1477 Hz.
	// Measured against the second before any digit, same far-end tone.
	before, last := ph[8000:16000], ph[len(ph)-8000:]
	for _, f := range []float64{697, 1477} {
		if goertzel(last, f) < 20*goertzel(before, f) {
			t.Errorf("the far end's digit was not played to the phone: %.0f Hz %.3g, before the digit %.3g", f, goertzel(last, f), goertzel(before, f))
		}
	}
	if st, _ := leg.(*rtpLeg).Stats(); st.SRTPAuthFailed != 0 || st.DTMFReceived != 1 {
		t.Errorf("far end: auth failures %d, digits %d", st.SRTPAuthFailed, st.DTMFReceived)
	}
}
