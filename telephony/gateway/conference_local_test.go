package gateway

import (
	"testing"
	"time"

	"github.com/potsgate/potsgate/hal"
	"github.com/potsgate/potsgate/hal/sim"
	"github.com/potsgate/potsgate/media/callerid"
	"github.com/potsgate/potsgate/sip"
	"github.com/potsgate/potsgate/sip/sdp"
)

// Consultation and conference with another port of the gateway: B (SIP,
// says 700 Hz) calls 101 (says 1000 Hz), which flashes and dials 102 (says
// 1300 Hz). US tones: ringback 440+480 Hz, busy 480+620 Hz, hold 440 Hz.

const localConfIni = "Enable3WayConference = 1\nEnableCallerID = 1\nDigitMapping = '1xx'\n"

type localConfRig struct {
	*rig
	media *toneMedia
	b     events
}

func newLocalConfRig(t *testing.T) *localConfRig {
	t.Helper()
	media := &toneMedia{freqs: []float64{700}}
	r := &localConfRig{rig: newRig(t, localConfIni, 2, media), media: media}
	r.b = events{t, r.dial(t, "101", 40300)}
	waitFor(t, "101 rings", r.phones[0].Ringing)
	r.phones[0].PickUp()
	r.b.next(sip.EventAnswered)
	return r
}

// consult flashes (B held) and dials 102, which rings with 101's caller
// ID while 101 hears ringback; 102 answers.
func (r *localConfRig) consult(t *testing.T) {
	t.Helper()
	a, c := r.phones[0], r.phones[1]
	a.Flash(300 * time.Millisecond)
	if ev := r.b.next(sip.EventModified); ev.Choice.Direction != sdp.RecvOnly {
		t.Fatalf("B's direction %v after the flash, want recvonly (held)", ev.Choice.Direction)
	}
	a.Wait(300 * time.Millisecond)
	a.DialDTMF("102")
	waitFor(t, "102 rings", c.Ringing)
	if s := r.state(1); s != "consult-calling" {
		t.Fatalf("101 is %s, want consult-calling", s)
	}
	a.Heard()
	rx, _ := callerid.NewReceiver(callerid.Bellcore, callerid.ReceiverOptions{})
	var cid callerid.Message
	waitFor(t, "102 gets caller ID", func() bool {
		h := c.Heard()
		for i := 0; i+hal.FrameSamples <= len(h); i += hal.FrameSamples {
			rx.Process(h[i : i+hal.FrameSamples])
		}
		msg, ok := rx.Next()
		cid = msg
		return ok
	})
	if cid.Number != "101" {
		t.Errorf("caller ID at 102: %q, want 101", cid.Number)
	}
	if h := a.Heard(); !hasBurst(h, 480, 620) {
		t.Errorf("101 does not hear ringback while 102 rings: 480 Hz %.3g", peakPower(h, 480))
	}
	c.PickUp()
	waitFor(t, "101 talks to 102", func() bool { return r.state(1) == "consulting" && r.state(2) == "connected" })
}

// conference: a flash resumes B and mixes the three.
func (r *localConfRig) conference(t *testing.T) {
	t.Helper()
	r.phones[0].Flash(300 * time.Millisecond)
	if ev := r.b.next(sip.EventModified); ev.Choice.Direction != sdp.SendRecv {
		t.Fatalf("B's direction %v in the conference, want sendrecv", ev.Choice.Direction)
	}
	p := r.g.ports[0]
	waitFor(t, "conference mixed", func() bool {
		if r.state(1) != "conference" {
			return false
		}
		p.mu.Lock()
		defer p.mu.Unlock()
		return p.conf.mixing
	})
}

// listen has 101 say 1 kHz and 102 1300 Hz for a second and returns what
// 101, 102 and B heard in its middle half second.
func (r *localConfRig) listen(t *testing.T) (a, c, b []int16) {
	t.Helper()
	for i, f := range []float64{1000, 1300} {
		voice := make([]int16, 8000)
		sine(voice, f, 0)
		r.phones[i].Say(voice)
	}
	leg := r.media.leg(t, 0)
	time.Sleep(250 * time.Millisecond)
	r.phones[0].Heard()
	r.phones[1].Heard()
	leg.take()
	time.Sleep(500 * time.Millisecond)
	return r.phones[0].Heard(), r.phones[1].Heard(), leg.take()
}

// TestLocalConsultation: 101, with B, consults 102 (a port of the gateway):
// they talk while B is held and hears neither; a flash makes the
// conference, where each hears the other two; 102 leaves and 101 talks
// on with B; 101 hangs up and B gets BYE.
func TestLocalConsultation(t *testing.T) {
	r := newLocalConfRig(t)
	r.consult(t)
	a, c, b := r.listen(t)
	heardTones(t, "101 consulting", a, []float64{1300}, []float64{700, 1000})
	heardTones(t, "102 consulted", c, []float64{1000}, []float64{700, 1300})
	if goertzel(b, 1000) > 1e4 || goertzel(b, 1300) > 1e4 {
		t.Errorf("held B hears the consultation: 1 kHz %.0f, 1300 Hz %.0f", goertzel(b, 1000), goertzel(b, 1300))
	}

	r.conference(t)
	a, c, b = r.listen(t)
	heardTones(t, "101 in the conference", a, []float64{700, 1300}, []float64{1000})
	heardTones(t, "102 in the conference", c, []float64{1000, 700}, []float64{1300})
	heardTones(t, "B in the conference", b, []float64{1000, 1300}, []float64{700})

	r.phones[1].HangUp() // C leaves
	p := r.g.ports[0]
	waitFor(t, "101 back with B", func() bool {
		if r.state(1) != "connected" {
			return false
		}
		p.mu.Lock()
		defer p.mu.Unlock()
		return p.call != nil && p.call.ID() == r.b.c.ID() && p.peer == nil && p.conf.held == nil
	})
	waitFor(t, "102 free", r.g.ports[1].idle)
	a, _, b = r.listen(t)
	heardTones(t, "101 after 102 left", a, []float64{700}, []float64{1000, 1300})
	heardTones(t, "B after 102 left", b, []float64{1000}, []float64{700, 1300})

	r.phones[0].HangUp()
	if ev := ended(t, r.b.c, 5*time.Second); ev.Reason != "remote hangup" {
		t.Errorf("B: %d %s, want the gateway's BYE", ev.Code, ev.Reason)
	}
	waitFor(t, "101 free", p.idle)
	if n := r.g.Counters().Established.Load(); n != 2 {
		t.Errorf("established %d, want 2", n)
	}
}

// TestLocalConsultationPhoneHangsUp: 101 hanging up ends both calls, in
// the conference and in the consultation (EnableTransfer is on by
// default, but a local C is not transferred to): B gets BYE, 102 hears
// busy tone.
func TestLocalConsultationPhoneHangsUp(t *testing.T) {
	for _, conf := range []bool{false, true} {
		name := map[bool]string{false: "consultation", true: "conference"}[conf]
		t.Run(name, func(t *testing.T) {
			r := newLocalConfRig(t)
			r.consult(t)
			if conf {
				r.conference(t)
			}
			r.phones[0].HangUp()
			if ev := ended(t, r.b.c, 5*time.Second); ev.Reason != "remote hangup" {
				t.Errorf("B: %d %s, want the gateway's BYE", ev.Code, ev.Reason)
			}
			waitFor(t, "102 hears 101 gone", func() bool { return r.state(2) == "disconnected" })
			r.phones[1].Heard()
			time.Sleep(600 * time.Millisecond)
			if h := r.phones[1].Heard(); !hasBurst(h, 620, 1000) {
				t.Errorf("102 does not hear busy tone after 101 hung up: 620 Hz %.3g", peakPower(h, 620))
			}
			waitFor(t, "101 free", r.g.ports[0].idle)
			if n := r.g.Counters().Transferred.Load(); n != 0 {
				t.Errorf("transferred %d, want 0", n)
			}
		})
	}
}

// TestLocalConsultationCLeaves: 102 hangs up during the consultation:
// 101 hears busy tone, B still held; a flash takes B back.
func TestLocalConsultationCLeaves(t *testing.T) {
	r := newLocalConfRig(t)
	r.consult(t)
	r.phones[1].HangUp()
	waitFor(t, "101 hears 102 gone", func() bool { return r.state(1) == "consult-failed" })
	r.phones[0].Heard()
	time.Sleep(600 * time.Millisecond)
	if h := r.phones[0].Heard(); !hasBurst(h, 620, 1000) {
		t.Errorf("101 does not hear busy tone after 102 left: 620 Hz %.3g", peakPower(h, 620))
	}
	r.phones[0].Flash(300 * time.Millisecond)
	if ev := r.b.next(sip.EventModified); ev.Choice.Direction != sdp.SendRecv {
		t.Fatalf("B's direction %v after the flash, want sendrecv", ev.Choice.Direction)
	}
	waitFor(t, "101 back with B", func() bool { return r.state(1) == "connected" })
	a, _, b := r.listen(t)
	heardTones(t, "101 back with B", a, []float64{700}, []float64{1000})
	heardTones(t, "B back with 101", b, []float64{1000}, []float64{700})
}

// TestPortToPortFrameAllocatesNothing: the audio of a port-to-port call
// (the path the conference mixer shares) allocates nothing per frame.
func TestPortToPortFrameAllocatesNothing(t *testing.T) {
	g := newTestGateway(t, noMedia{}, sim.NewPhone(), sim.NewPhone())
	t.Cleanup(func() { g.Close() })
	a, b := g.ports[0], g.ports[1]
	a.peer, b.peer = b, a
	frame := make([]int16, hal.FrameSamples)
	if n := testing.AllocsPerRun(100, func() {
		a.WriteAudio(frame)
		b.ReadAudio(frame)
	}); n != 0 {
		t.Fatalf("%v allocations per frame", n)
	}
}
