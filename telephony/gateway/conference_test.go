package gateway

import (
	"context"
	"fmt"
	"math"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/potsgate/potsgate/internal/peer"
	"github.com/potsgate/potsgate/sip"
	"github.com/potsgate/potsgate/sip/sdp"
)

// toneLeg is a media leg whose far end says a steady tone and which keeps
// what the far end hears.
type toneLeg struct {
	freq float64
	mu   sync.Mutex
	n    int
	sent []int16 // what the far end heard since the last take
}

func (l *toneLeg) Port() int               { return 40600 }
func (l *toneLeg) Start(sdp.Choice) error  { return nil }
func (l *toneLeg) Update(sdp.Choice) error { return nil }
func (l *toneLeg) SendDigit(byte)          {}
func (l *toneLeg) Close() error            { return nil }
func (l *toneLeg) take() []int16 {
	l.mu.Lock()
	defer l.mu.Unlock()
	s := l.sent
	l.sent = nil
	return s
}
func (l *toneLeg) WriteFrame(src []int16) {
	l.mu.Lock()
	l.sent = append(l.sent, src...)
	l.mu.Unlock()
}
func (l *toneLeg) ReadFrame(dst []int16) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.n = sine(dst, l.freq, l.n)
}
func sine(x []int16, f float64, n int) int { // from sample n on; returns the next n
	for i := range x {
		x[i] = int16(6000 * math.Sin(2*math.Pi*f*float64(n)/8000))
		n++
	}
	return n
}

// toneMedia opens toneLegs in order: the first call's far end says the
// first frequency, and so on.
type toneMedia struct {
	freqs []float64
	mu    sync.Mutex
	legs  []*toneLeg
}

func (m *toneMedia) Open(func(byte)) (MediaLeg, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	l := &toneLeg{}
	if len(m.legs) < len(m.freqs) {
		l.freq = m.freqs[len(m.legs)]
	}
	m.legs = append(m.legs, l)
	return l, nil
}

func (m *toneMedia) leg(t *testing.T, i int) *toneLeg {
	t.Helper()
	m.mu.Lock()
	defer m.mu.Unlock()
	if i >= len(m.legs) {
		t.Fatalf("media leg %d never opened", i)
	}
	return m.legs[i]
}

// answering is a SIP phone (C) whose calls the test answers or refuses.
type answering struct{ calls chan *sip.Call }

func (a answering) IncomingCall(c *sip.Call)            { a.calls <- c }
func (answering) CheckSync(context.Context, bool) error { return nil }

// confRig is a gateway with one phone (port 101) that B calls, and C,
// reached by dialling 2xx. Far ends say B 700 Hz and C 1300 Hz.
type confRig struct {
	*rig
	media *toneMedia
	b     events
	cIn   chan *sip.Call
}

func newConfRig(t *testing.T, ini string) *confRig {
	t.Helper()
	r := newConfGateway(t, ini, "")
	r.b = events{t, r.dial(t, "101", 40300)}
	waitFor(t, "101 rings", r.phones[0].Ringing)
	r.phones[0].PickUp()
	r.b.next(sip.EventAnswered)
	return r
}

// newConfGateway is the gateway and C, before any call; prefixes are
// further PREFIX rows.
func newConfGateway(t *testing.T, ini, prefixes string) *confRig {
	t.Helper()
	cIn := make(chan *sip.Call, 4)
	ua, err := sip.Listen(sip.Config{ListenAddr: "127.0.0.1:0", Codecs: []sdp.Format{pcmu}}, answering{cIn}, nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	go ua.Serve(ctx)
	t.Cleanup(func() { cancel(); ua.Close() })
	media := &toneMedia{freqs: []float64{700, 1300}}
	r := newRig(t, fmt.Sprintf(`DigitMapping = '2xx|3xx'
%s
[ PREFIX ]
FORMAT PREFIX_Index = PREFIX_DestinationPrefix, PREFIX_DestAddress;
PREFIX 0 = 2, %s;
%s
[ \PREFIX ]
`, ini, ua.Addr(), prefixes), 1, media)
	return &confRig{rig: r, media: media, cIn: cIn}
}

func (r *confRig) state() string { return r.g.Status().Ports[0].State }

// consult flashes (B held) and dials 201: C's call is returned ringing.
func (r *confRig) consult(t *testing.T) *sip.Call {
	t.Helper()
	phone := r.phones[0]
	phone.Flash(300 * time.Millisecond)
	if r.b.c == nil { // B is not ours to watch (SIPp)
		waitFor(t, "dial tone after the flash", func() bool { return r.state() == "transfer-dial" })
	} else if ev := r.b.next(sip.EventModified); ev.Choice.Direction != sdp.RecvOnly {
		t.Fatalf("B's direction %v after the flash, want recvonly (held)", ev.Choice.Direction)
	}
	phone.Wait(300 * time.Millisecond)
	phone.DialDTMF("201")
	var c *sip.Call
	select {
	case c = <-r.cIn:
	case <-time.After(5 * time.Second):
		t.Fatalf("C never called; port %s", r.state())
	}
	if c.To() != "201" || c.From() != "101" {
		t.Fatalf("consultation call from %s to %s, want 101 to 201", c.From(), c.To())
	}
	_ = c.Ring()
	waitFor(t, "consultation call ringing", func() bool { return r.state() == "consult-calling" })
	return c
}

// talkToC consults C and has C answer.
func (r *confRig) talkToC(t *testing.T) *sip.Call {
	t.Helper()
	c := r.consult(t)
	if err := c.Answer(40610); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "talking to C", func() bool { return r.state() == "consulting" })
	return c
}

// conference consults C, C answers, and a flash joins the three.
func (r *confRig) conference(t *testing.T) *sip.Call {
	t.Helper()
	c := r.talkToC(t)
	r.phones[0].Flash(300 * time.Millisecond)
	if ev := r.b.next(sip.EventModified); ev.Choice.Direction != sdp.SendRecv {
		t.Fatalf("B's direction %v in the conference, want sendrecv", ev.Choice.Direction)
	}
	p := r.g.ports[0]
	waitFor(t, "conference mixed", func() bool {
		if r.state() != "conference" { // (Status takes p.mu)
			return false
		}
		p.mu.Lock()
		defer p.mu.Unlock()
		return p.conf.mixing
	})
	return c
}

// listen has the phone say 1 kHz for a second and returns what the phone,
// B and C heard in its middle half second.
func (r *confRig) listen(t *testing.T) (phone, b, c []int16) {
	t.Helper()
	ph := r.phones[0]
	voice := make([]int16, 8000)
	sine(voice, 1000, 0)
	ph.Say(voice)
	legs := []*toneLeg{r.media.leg(t, 0), r.media.leg(t, 1)}
	time.Sleep(250 * time.Millisecond)
	ph.Heard()
	legs[0].take()
	legs[1].take()
	time.Sleep(500 * time.Millisecond)
	return ph.Heard(), legs[0].take(), legs[1].take()
}

// heardTones checks what who heard: each of the frequencies in want present,
// each in not absent.
func heardTones(t *testing.T, who string, x []int16, want, not []float64) {
	t.Helper()
	if len(x) < 2000 {
		t.Fatalf("%s heard only %d samples", who, len(x))
	}
	for _, f := range want {
		if p := goertzel(x, f); p < 1e6 {
			t.Errorf("%s does not hear %.0f Hz (power %.0f)", who, f, p)
		}
	}
	for _, f := range not {
		if p := goertzel(x, f); p > 1e4 {
			t.Errorf("%s hears %.0f Hz (power %.0f)", who, f, p)
		}
	}
}

// TestThreeWayConference: 101 in a call with B flashes and dials 201: C
// rings (the phone hears ringback) and answers; the phone talks to C while
// B is held and hears neither. A flash resumes B and mixes the three: the
// phone (1 kHz) hears B (700 Hz) and C (1300 Hz), B hears the phone and C,
// C hears the phone and B, and nobody hears themselves. C leaves: the
// phone and B talk on. The phone hangs up: B gets BYE.
func TestThreeWayConference(t *testing.T) {
	r := newConfRig(t, "Enable3WayConference = 1")
	c := r.consult(t)
	time.Sleep(400 * time.Millisecond)
	if h := r.phones[0].Heard(); len(h) < 1600 || goertzel(h[len(h)-1600:], 480) < 1e4 {
		t.Error("the phone does not hear ringback while C rings")
	}
	if err := c.Answer(40610); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "talking to C", func() bool { return r.state() == "consulting" })
	phone, b, cHeard := r.listen(t)
	heardTones(t, "the phone consulting", phone, []float64{1300}, []float64{700, 1000})
	heardTones(t, "C consulted", cHeard, []float64{1000}, []float64{700, 1300})
	if goertzel(b, 1000) > 1e4 || goertzel(b, 1300) > 1e4 {
		t.Errorf("held B hears the consultation: 1 kHz %.0f, 1300 Hz %.0f", goertzel(b, 1000), goertzel(b, 1300))
	}

	r.phones[0].Flash(300 * time.Millisecond)
	if ev := r.b.next(sip.EventModified); ev.Choice.Direction != sdp.SendRecv {
		t.Fatalf("B's direction %v in the conference, want sendrecv", ev.Choice.Direction)
	}
	waitFor(t, "conference", func() bool { return r.state() == "conference" })
	time.Sleep(100 * time.Millisecond) // the mixing starts once B's re-INVITE is answered
	phone, b, cHeard = r.listen(t)
	heardTones(t, "the phone in the conference", phone, []float64{700, 1300}, []float64{1000})
	heardTones(t, "B in the conference", b, []float64{1000, 1300}, []float64{700})
	heardTones(t, "C in the conference", cHeard, []float64{1000, 700}, []float64{1300})

	_ = c.Hangup(r.ctx) // C leaves
	waitFor(t, "back with B", func() bool {
		p := r.g.ports[0]
		if r.state() != "connected" { // (Status takes p.mu)
			return false
		}
		p.mu.Lock()
		defer p.mu.Unlock()
		return p.call != nil && p.call.ID() == r.b.c.ID() && p.conf.held == nil
	})
	phone, b, _ = r.listen(t)
	heardTones(t, "the phone after C left", phone, []float64{700}, []float64{1000, 1300})
	heardTones(t, "B after C left", b, []float64{1000}, []float64{700, 1300})

	r.phones[0].HangUp()
	if ev := ended(t, r.b.c, 5*time.Second); ev.Reason != "remote hangup" {
		t.Errorf("B: %d %s, want the gateway's BYE", ev.Code, ev.Reason)
	}
	waitFor(t, "port free", func() bool { return r.g.ports[0].idle() })
	if n := r.g.Counters().Established.Load(); n != 2 {
		t.Errorf("established %d, want 2", n)
	}
}

// TestConferenceEnds: the phone hanging up in the conference ends both
// calls; B leaving it leaves the phone talking to C.
func TestConferenceEnds(t *testing.T) {
	r := newConfRig(t, "Enable3WayConference = 1")
	c := r.conference(t)
	r.phones[0].HangUp()
	for who, call := range map[string]*sip.Call{"B": r.b.c, "C": c} {
		if ev := ended(t, call, 5*time.Second); ev.Reason != "remote hangup" {
			t.Errorf("%s: %d %s, want the gateway's BYE", who, ev.Code, ev.Reason)
		}
	}
	waitFor(t, "port free", func() bool { return r.g.ports[0].idle() && r.state() == "idle" })

	r = newConfRig(t, "Enable3WayConference = 1")
	c = r.conference(t)
	_ = r.b.c.Hangup(r.ctx) // B leaves
	waitFor(t, "left with C", func() bool {
		p := r.g.ports[0]
		if r.state() != "connected" { // (Status takes p.mu)
			return false
		}
		p.mu.Lock()
		defer p.mu.Unlock()
		return p.call != nil && p.call.ID() == c.ID() && p.conf.held == nil
	})
	phone, _, cHeard := r.listen(t)
	heardTones(t, "the phone after B left", phone, []float64{1300}, []float64{700, 1000})
	heardTones(t, "C after B left", cHeard, []float64{1000}, []float64{1300})
	_ = c.Hangup(r.ctx)
	waitFor(t, "101 hears C gone", func() bool { return r.state() == "disconnected" })
}

// TestConsultationBusy: C is busy: the phone hears busy tone while B
// stays held; a flash takes B back. Then a flash in a conference drops C
// (Bellcore three-way calling) and the phone talks to B again.
func TestConsultationBusy(t *testing.T) {
	r := newConfRig(t, "Enable3WayConference = 1")
	c := r.consult(t)
	_ = c.Reject(486, "Busy Here")
	waitFor(t, "consultation failed", func() bool { return r.state() == "consult-failed" })
	time.Sleep(300 * time.Millisecond)
	if h := r.phones[0].Heard(); len(h) < 1600 || goertzel(h[len(h)-1600:], 620) < 1e4 {
		t.Error("the phone does not hear busy tone (480+620 Hz) after C refused")
	}
	r.phones[0].Flash(300 * time.Millisecond)
	if ev := r.b.next(sip.EventModified); ev.Choice.Direction != sdp.SendRecv {
		t.Fatalf("B's direction %v after the flash, want sendrecv (taken back)", ev.Choice.Direction)
	}
	waitFor(t, "back with B", func() bool { return r.state() == "connected" })
	phone, b, _ := r.listen(t)
	heardTones(t, "the phone with B back", phone, []float64{700}, []float64{1000, 620})
	heardTones(t, "B taken back", b, []float64{1000}, []float64{700})
	if n := r.g.Counters().Busy.Load(); n != 1 {
		t.Errorf("busy %d, want 1", n)
	}

	r = newConfRig(t, "Enable3WayConference = 1")
	c = r.conference(t)
	r.phones[0].Flash(300 * time.Millisecond) // drop C
	if ev := ended(t, c, 5*time.Second); ev.Reason != "remote hangup" {
		t.Errorf("dropped C: %d %s, want the gateway's BYE", ev.Code, ev.Reason)
	}
	waitFor(t, "back with B", func() bool { return r.state() == "connected" })
	phone, b, _ = r.listen(t)
	heardTones(t, "the phone after dropping C", phone, []float64{700}, []float64{1000, 1300})
	heardTones(t, "B after C was dropped", b, []float64{1000}, []float64{700, 1300})
}

// TestConsultationHangUpWithoutTransfer: without EnableTransfer the phone
// hanging up while talking to C ends both calls.
func TestConsultationHangUpWithoutTransfer(t *testing.T) {
	r := newConfRig(t, "Enable3WayConference = 1\nEnableTransfer = 0")
	c := r.talkToC(t)
	r.phones[0].HangUp()
	for who, call := range map[string]*sip.Call{"B": r.b.c, "C": c} {
		if ev := ended(t, call, 5*time.Second); ev.Reason != "remote hangup" {
			t.Errorf("%s: %d %s, want the gateway's BYE", who, ev.Code, ev.Reason)
		}
	}
	waitFor(t, "port free", func() bool { return r.g.ports[0].idle() })
}

// TestConsultationTransferRefused: with EnableTransfer, the phone hanging
// up while talking to C asks B to take its place (REFER); B refuses
// (this agent answers REFER 405), so the gateway ends both calls. The
// same while C only rings: C is cancelled, B referred to 201, refused,
// and B gets BYE.
func TestConsultationTransferRefused(t *testing.T) {
	r := newConfRig(t, "Enable3WayConference = 1\nEnableTransfer = 1")
	c := r.talkToC(t)
	r.phones[0].HangUp()
	waitFor(t, "port free at once", func() bool { return r.g.ports[0].idle() })
	for who, call := range map[string]*sip.Call{"B": r.b.c, "C": c} {
		if ev := ended(t, call, 5*time.Second); ev.Reason != "remote hangup" {
			t.Errorf("%s: %d %s, want the gateway's BYE", who, ev.Code, ev.Reason)
		}
	}

	r = newConfRig(t, "Enable3WayConference = 1\nEnableTransfer = 1")
	c = r.consult(t)
	r.phones[0].HangUp()
	if ev := ended(t, c, 5*time.Second); ev.Code != 487 {
		t.Errorf("ringing C: %d %s, want 487 (cancelled)", ev.Code, ev.Reason)
	}
	if ev := ended(t, r.b.c, 5*time.Second); ev.Reason != "remote hangup" {
		t.Errorf("B: %d %s, want the gateway's BYE", ev.Code, ev.Reason)
	}
	if n := r.g.Counters().Transferred.Load(); n != 0 {
		t.Errorf("%d transfers counted", n)
	}
}

// uasAttended is B for TestAttendedTransfer: it answers the phone's call,
// is held, gets a REFER whose Refer-To is C (201) with Replaces naming
// the gateway's dialog with C, accepts it, reports the new call answered
// and is left by the gateway.
const uasAttended = `<?xml version="1.0" encoding="ISO-8859-1" ?>
<!DOCTYPE scenario SYSTEM "sipp.dtd">
<scenario name="uas_attended">
  <recv request="INVITE" crlf="true">
    <action><ereg regexp=".*" search_in="hdr" header="From:" assign_to="gwfrom"/></action>
  </recv>
  <send><![CDATA[
      SIP/2.0 200 OK
      [last_Via:]
      [last_From:]
      [last_To:];tag=[pid]SIPpTag01[call_number]
      [last_Call-ID:]
      [last_CSeq:]
      Contact: <sip:[local_ip]:[local_port];transport=[transport]>
      Content-Type: application/sdp
      Content-Length: [len]

      v=0
      o=user1 53655765 2353687637 IN IP[local_ip_type] [local_ip]
      s=-
      c=IN IP[media_ip_type] [media_ip]
      t=0 0
      m=audio [media_port] RTP/AVP 0
      a=rtpmap:0 PCMU/8000
    ]]></send>
  <recv request="ACK" crlf="true"/>
  <recv request="INVITE" timeout="15000">
    <action>
      <ereg regexp="a=sendonly" search_in="body" check_it="true" assign_to="hold"/>
      <log message="held: [$hold]"/>
    </action>
  </recv>
  <send><![CDATA[
      SIP/2.0 200 OK
      [last_Via:]
      [last_From:]
      [last_To:]
      [last_Call-ID:]
      [last_CSeq:]
      Contact: <sip:[local_ip]:[local_port];transport=[transport]>
      Content-Type: application/sdp
      Content-Length: [len]

      v=0
      o=user1 53655765 2353687638 IN IP[local_ip_type] [local_ip]
      s=-
      c=IN IP[media_ip_type] [media_ip]
      t=0 0
      m=audio [media_port] RTP/AVP 0
      a=rtpmap:0 PCMU/8000
      a=recvonly
    ]]></send>
  <recv request="ACK" crlf="true"/>
  <recv request="REFER" timeout="20000">
    <action>
      <ereg regexp="sip:201@[^?>]*[?]Replaces=[^>]*%3Bto-tag%3D[^>%]+%3Bfrom-tag%3D[^>%]+" search_in="hdr" header="Refer-To:" check_it="true" assign_to="target"/>
      <ereg regexp="sip:[^>;]*" search_in="hdr" header="Contact:" check_it="true" assign_to="gwcontact"/>
      <log message="Refer-To [$target]"/>
    </action>
  </recv>
  <send><![CDATA[
      SIP/2.0 202 Accepted
      [last_Via:]
      [last_From:]
      [last_To:]
      [last_Call-ID:]
      [last_CSeq:]
      Contact: <sip:[local_ip]:[local_port];transport=[transport]>
      Content-Length: 0
    ]]></send>
  <send retrans="500"><![CDATA[
      NOTIFY [$gwcontact] SIP/2.0
      Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
      From: <sip:300@[local_ip]:[local_port]>;tag=[pid]SIPpTag01[call_number]
      To: [$gwfrom]
      Call-ID: [call_id]
      CSeq: 1 NOTIFY
      Max-Forwards: 70
      Contact: <sip:[local_ip]:[local_port];transport=[transport]>
      Event: refer
      Subscription-State: terminated;reason=noresource
      Content-Type: message/sipfrag;version=2.0
      Content-Length: [len]

      SIP/2.0 200 OK
    ]]></send>
  <recv response="200"/>
  <recv request="BYE" timeout="10000"/>
  <send><![CDATA[
      SIP/2.0 200 OK
      [last_Via:]
      [last_From:]
      [last_To:]
      [last_Call-ID:]
      [last_CSeq:]
      Content-Length: 0
    ]]></send>
</scenario>
`

// TestAttendedTransfer: the phone calls B (SIPp, 300), flashes, dials C
// (201), talks to C and hangs up: B gets a REFER to C with Replaces for
// the gateway's dialog with C (its Call-ID and tags), accepts and reports
// success; the gateway leaves B by BYE and, as nobody really replaced its
// dialog with C here, C too.
func TestAttendedTransfer(t *testing.T) {
	peer.Require(t, "sipp")
	dir := t.TempDir()
	scen := filepath.Join(dir, "uas_attended.xml")
	if err := os.WriteFile(scen, []byte(uasAttended), 0o644); err != nil {
		t.Fatal(err)
	}
	sippPort := peer.FreeUDPPort(t)
	uas := peer.Start(t, dir, "sipp", "-sf", scen, "-i", "127.0.0.1", "-p", strconv.Itoa(sippPort),
		"-m", "1", "-nostdin", "-cp", strconv.Itoa(peer.FreeUDPPort(t)), "-trace_logs", "-log_file", filepath.Join(dir, "sipp.log"))
	time.Sleep(300 * time.Millisecond) // SIPp has no readiness signal on UDP
	r := newConfGateway(t, "Enable3WayConference = 1\nEnableTransfer = 1", fmt.Sprintf("PREFIX 1 = 3, 127.0.0.1:%d;", sippPort))
	phone := r.phones[0]
	phone.PickUp()
	phone.Wait(300 * time.Millisecond)
	phone.DialDTMF("300")
	waitFor(t, "101 talking to B", func() bool { return r.state() == "connected" })
	c := r.talkToC(t)
	callID := c.ID()
	phone.HangUp()
	if err := uas.Wait(20 * time.Second); err != nil {
		log, _ := os.ReadFile(filepath.Join(dir, "sipp.log"))
		t.Fatalf("B (SIPp): %v\n%s\n%s", err, uas.Output(), log)
	}
	log, _ := os.ReadFile(filepath.Join(dir, "sipp.log"))
	if !strings.Contains(string(log), "Replaces="+url.QueryEscape(callID)+"%3B") {
		t.Errorf("the Replaces of the REFER does not name C's dialog %s:\n%s", callID, log)
	}
	if ev := ended(t, c, 5*time.Second); ev.Reason != "remote hangup" {
		t.Errorf("C: %d %s, want the gateway's BYE", ev.Code, ev.Reason)
	}
	if n := r.g.Counters().Transferred.Load(); n != 1 {
		t.Errorf("transferred %d, want 1", n)
	}
	waitFor(t, "port free", func() bool { return r.g.ports[0].idle() && r.state() == "idle" })
}

// TestForcedLockEndsHeldConsultationCall: with C refused, B (held) is the
// port's only call; a forced lock ends it too.
func TestForcedLockEndsHeldConsultationCall(t *testing.T) {
	r := newConfRig(t, "Enable3WayConference = 1")
	c := r.consult(t)
	_ = c.Reject(486, "Busy Here")
	waitFor(t, "consultation failed", func() bool { return r.state() == "consult-failed" })
	if s := r.g.AdminState(); s != Unlocked {
		t.Fatalf("admin state %v before the lock", s)
	}
	r.g.Lock(false)
	if ev := ended(t, r.b.c, 5*time.Second); ev.Reason != "remote hangup" {
		t.Fatalf("B: %d %s, want the gateway's BYE", ev.Code, ev.Reason)
	}
	waitFor(t, "locked with no call left", func() bool { return r.g.AdminState() == Locked })
}
