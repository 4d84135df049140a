package gateway

import (
	"sync/atomic"
	"testing"
	"time"

	"github.com/potsgate/potsgate/hal"
	"github.com/potsgate/potsgate/hal/sim"
	"github.com/potsgate/potsgate/media/callerid"
	"github.com/potsgate/potsgate/sip"
	"github.com/potsgate/potsgate/sip/sdp"
)

// Call waiting for port-to-port calls: 103 calls 101 while 101 is in a
// call. The US tones: call waiting 440 Hz, ringback 440+480 Hz, busy
// 480+620 Hz, hold 440 Hz.

const localCWIni = "EnableCallWaiting = 1\nEnableCallerID = 1\nDigitMapping = '1xx'\n"

// peakPower is the highest power of f in any 100 ms window of x, for
// tones that sound only part of the time (bursts, cadences).
func peakPower(x []int16, f float64) float64 {
	best := 0.0
	for i := 0; i+800 <= len(x); i += 400 {
		best = max(best, goertzel(x[i:i+800], f))
	}
	return best
}

// hasBurst reports whether x has a 100 ms window where f is loud and
// absent beats it well (a call waiting or hold tone without ringback's or
// busy tone's second frequency, say).
func hasBurst(x []int16, f, absent float64) bool {
	for i := 0; i+800 <= len(x); i += 400 {
		w := x[i : i+800]
		if p := goertzel(w, f); p > 1e5 && p > 20*goertzel(w, absent) {
			return true
		}
	}
	return false
}

// state is the state of the line of port n (1 = 101).
func (r *rig) state(n int) string { return r.g.Status().Ports[n-1].State }

// localCall has phone from dial to and to answer.
func (r *rig) localCall(t *testing.T, from, to int, number string) {
	t.Helper()
	a, b := r.phones[from-1], r.phones[to-1]
	a.PickUp()
	a.Wait(300 * time.Millisecond)
	a.DialDTMF(number)
	waitFor(t, number+" rings", b.Ringing)
	b.PickUp()
	waitFor(t, "both in the call", func() bool { return r.state(from) == "connected" && r.state(to) == "connected" })
}

// waitingCall has 103 call 101, in a call: 101 is alerted (the call
// waiting tone, then the CAS, which the phone acknowledges with DTMF D to
// get the type 2 caller ID) and 103 hears ringback. It returns what 101
// heard.
func (r *rig) waitingCall(t *testing.T) []int16 {
	t.Helper()
	a, c := r.phones[0], r.phones[2]
	var acked atomic.Bool
	a.OnHear(func(frame []int16) { // the CAS: 2130 and 2750 Hz together
		if !acked.Load() && goertzel(frame, 2130) > 1e4 && goertzel(frame, 2750) > 1e4 &&
			goertzel(frame, 2130) > 10*goertzel(frame, 440) {
			acked.Store(true)
			a.DialDTMF("D")
		}
	})
	t.Cleanup(func() { a.OnHear(nil) })
	a.Heard()
	c.PickUp()
	c.Wait(300 * time.Millisecond)
	c.DialDTMF("101")
	waitFor(t, "101 gets the CAS", acked.Load)
	time.Sleep(1500 * time.Millisecond) // the type 2 caller ID, and ringback at 103
	if a.Ringing() {
		t.Fatal("101, in a call, rings instead of getting the call waiting alert")
	}
	if s := r.state(3); s != "calling" {
		t.Fatalf("103 is %s, want calling", s)
	}
	if h := c.Heard(); !hasBurst(h, 480, 620) || peakPower(h, 440) < 1e5 {
		t.Fatalf("103 does not hear ringback: 440 Hz %.3g 480 Hz %.3g", peakPower(h, 440), peakPower(h, 480))
	}
	heard := a.Heard()
	if !hasBurst(heard, 440, 480) {
		t.Fatalf("101 does not hear the call waiting tone (440 Hz alone): 440 Hz %.3g 480 Hz %.3g", peakPower(heard, 440), peakPower(heard, 480))
	}
	rx, _ := callerid.NewReceiver(callerid.Bellcore, callerid.ReceiverOptions{})
	for i := 0; i+hal.FrameSamples <= len(heard); i += hal.FrameSamples {
		rx.Process(heard[i : i+hal.FrameSamples])
	}
	if msg, ok := rx.Next(); !ok || msg.Number != "103" {
		t.Fatalf("type 2 caller ID at 101: %+v %v, want 103", msg, ok)
	}
	return heard
}

// talk has each phone say its tone for a second and returns what each
// heard in the middle of it.
func talk(t *testing.T, phones []*sim.Phone, freqs []float64) [][]int16 {
	t.Helper()
	for i, ph := range phones {
		voice := make([]int16, 8000)
		sine(voice, freqs[i], 0)
		ph.Say(voice)
	}
	time.Sleep(250 * time.Millisecond)
	for _, ph := range phones {
		ph.Heard()
	}
	time.Sleep(500 * time.Millisecond)
	heard := make([][]int16, len(phones))
	for i, ph := range phones {
		heard[i] = ph.Heard()
	}
	return heard
}

// cwPort reads the call waiting links of port n.
func (r *rig) cwPort(n int) (peer, waitingPeer, heldPeer *port) {
	p := r.g.ports[n-1]
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.peer, p.cw.waitingPeer, p.cw.heldPeer
}

// TestLocalCallWaiting: 101 talks with 102 when 103 calls 101: 103 hears
// ringback, 101 the call waiting tone and 103's number. A flash answers
// 103 (they hear each other) and holds 102, which hears the hold tone and
// neither of them; the next flash swaps back. 101 hangs up: 102 and 103
// hear busy tone.
func TestLocalCallWaiting(t *testing.T) {
	r := newRig(t, localCWIni, 3, noMedia{})
	a, b, c := r.phones[0], r.phones[1], r.phones[2]
	p1, p2, p3 := r.g.ports[0], r.g.ports[1], r.g.ports[2]
	r.localCall(t, 1, 2, "102")
	r.waitingCall(t)

	b.Heard()
	a.Flash(300 * time.Millisecond) // answer 103, hold 102
	waitFor(t, "101 talks with 103, 102 held", func() bool {
		peer, waiting, held := r.cwPort(1)
		return peer == p3 && waiting == nil && held == p2 && r.state(3) == "connected"
	})
	time.Sleep(100 * time.Millisecond)
	if h := b.Heard(); !hasBurst(h, 440, 480) {
		t.Errorf("102, held, does not hear the hold tone: 440 Hz %.3g", peakPower(h, 440))
	}
	heard := talk(t, r.phones, []float64{1000, 700, 1300})
	heardTones(t, "101 talking with 103", heard[0], []float64{1300}, []float64{700})
	heardTones(t, "103 talking with 101", heard[2], []float64{1000}, []float64{700})
	heardTones(t, "102 held", heard[1], nil, []float64{1000, 1300})
	if n := r.g.Counters().Established.Load(); n != 2 {
		t.Errorf("established %d, want 2", n)
	}

	time.Sleep(400 * time.Millisecond) // the voices are over
	c.Heard()
	a.Flash(300 * time.Millisecond) // back to 102, hold 103
	waitFor(t, "101 back with 102, 103 held", func() bool {
		peer, _, held := r.cwPort(1)
		return peer == p2 && held == p3
	})
	time.Sleep(100 * time.Millisecond)
	if h := c.Heard(); !hasBurst(h, 440, 480) {
		t.Errorf("103, held, does not hear the hold tone: 440 Hz %.3g", peakPower(h, 440))
	}
	heard = talk(t, r.phones, []float64{1000, 700, 1300})
	heardTones(t, "101 back with 102", heard[0], []float64{700}, []float64{1300})
	heardTones(t, "102 back with 101", heard[1], []float64{1000}, []float64{1300})
	heardTones(t, "103 held", heard[2], nil, []float64{1000, 700})

	time.Sleep(400 * time.Millisecond)
	b.Heard()
	c.Heard()
	a.HangUp()
	waitFor(t, "102 and 103 hear 101 gone", func() bool { return r.state(2) == "disconnected" && r.state(3) == "disconnected" })
	time.Sleep(600 * time.Millisecond)
	for i, h := range [][]int16{b.Heard(), c.Heard()} {
		if !hasBurst(h, 620, 1000) {
			t.Errorf("%d does not hear busy tone after 101 hung up: 620 Hz %.3g", 102+i, peakPower(h, 620))
		}
	}
	b.HangUp()
	c.HangUp()
	waitFor(t, "ports free", func() bool { return p1.idle() && p2.idle() && p3.idle() })
}

// TestLocalCallWaitingCallerGivesUp: 103 hangs up while waiting: 101 stays
// in its call with 102 without a call waiting, and 103 is free.
func TestLocalCallWaitingCallerGivesUp(t *testing.T) {
	r := newRig(t, localCWIni, 3, noMedia{})
	r.localCall(t, 1, 2, "102")
	r.waitingCall(t)
	r.phones[2].HangUp()
	waitFor(t, "the waiting call gone", func() bool {
		_, waiting, _ := r.cwPort(1)
		return waiting == nil && r.g.ports[2].idle()
	})
	if s := r.state(1); s != "connected" {
		t.Fatalf("101 is %s, want connected", s)
	}
	heard := talk(t, r.phones[:2], []float64{1000, 700})
	heardTones(t, "101", heard[0], []float64{700}, nil)
	heardTones(t, "102", heard[1], []float64{1000}, nil)
	if n := r.g.Counters().Established.Load(); n != 1 {
		t.Errorf("established %d, want 1", n)
	}
	// 103 can call again, and is waiting again.
	r.waitingCall(t)
}

// TestLocalCallWaitingHangUpEndsBoth: 101 hangs up with 103 waiting: 102
// and 103 both hear busy tone, as when a local call ends.
func TestLocalCallWaitingHangUpEndsBoth(t *testing.T) {
	r := newRig(t, localCWIni, 3, noMedia{})
	b, c := r.phones[1], r.phones[2]
	r.localCall(t, 1, 2, "102")
	r.waitingCall(t)
	b.Heard()
	c.Heard()
	r.phones[0].HangUp()
	waitFor(t, "102 and 103 hear 101 gone", func() bool { return r.state(2) == "disconnected" && r.state(3) == "disconnected" })
	time.Sleep(600 * time.Millisecond)
	for i, h := range [][]int16{b.Heard(), c.Heard()} {
		if !hasBurst(h, 620, 1000) {
			t.Errorf("%d does not hear busy tone after 101 hung up: 620 Hz %.3g", 102+i, peakPower(h, 620))
		}
	}
	waitFor(t, "101 free", r.g.ports[0].idle)
}

// TestLocalCallWaitingTalkerLeaves: 101 talks with 103 while 102 is held;
// 103 hangs up: 101 is back with 102.
func TestLocalCallWaitingTalkerLeaves(t *testing.T) {
	r := newRig(t, localCWIni, 3, noMedia{})
	r.localCall(t, 1, 2, "102")
	r.waitingCall(t)
	r.phones[0].Flash(300 * time.Millisecond)
	waitFor(t, "101 talks with 103", func() bool { return r.state(3) == "connected" })
	r.phones[2].HangUp()
	waitFor(t, "101 back with 102", func() bool {
		peer, _, held := r.cwPort(1)
		return peer == r.g.ports[1] && held == nil && r.g.ports[2].idle()
	})
	heard := talk(t, r.phones[:2], []float64{1000, 700})
	heardTones(t, "101", heard[0], []float64{700}, nil)
	heardTones(t, "102", heard[1], []float64{1000}, nil)
}

// TestLocalCallWaitingSIPFirst: 101 is in a SIP call when 103 calls: the
// flash holds the SIP caller by re-INVITE and answers 103; the next
// brings the SIP caller back and 103 is held.
func TestLocalCallWaitingSIPFirst(t *testing.T) {
	r := newRig(t, localCWIni, 3, rtpFactory(t))
	a := r.phones[0]
	sc := events{t, r.dial(t, "101", 40260)}
	waitFor(t, "101 rings", a.Ringing)
	a.PickUp()
	sc.next(sip.EventAnswered)
	waitFor(t, "101 in the call", func() bool { return r.state(1) == "connected" })
	r.waitingCall(t)

	a.Flash(300 * time.Millisecond)
	if ev := sc.next(sip.EventModified); ev.Choice.Direction != sdp.RecvOnly {
		t.Fatalf("SIP caller's direction %v when 103 is answered, want recvonly (held)", ev.Choice.Direction)
	}
	waitFor(t, "101 talks with 103", func() bool {
		peer, _, _ := r.cwPort(1)
		return peer == r.g.ports[2] && r.state(3) == "connected"
	})
	heard := talk(t, []*sim.Phone{a, r.phones[2]}, []float64{1000, 1300})
	heardTones(t, "101", heard[0], []float64{1300}, nil)
	heardTones(t, "103", heard[1], []float64{1000}, nil)

	time.Sleep(400 * time.Millisecond)
	a.Flash(300 * time.Millisecond)
	if ev := sc.next(sip.EventModified); ev.Choice.Direction != sdp.SendRecv {
		t.Fatalf("SIP caller's direction %v after the swap, want sendrecv", ev.Choice.Direction)
	}
	waitFor(t, "103 held", func() bool {
		peer, _, held := r.cwPort(1)
		return peer == nil && held == r.g.ports[2]
	})
	a.HangUp()
	if ev := ended(t, sc.c, 5*time.Second); ev.Reason != "remote hangup" {
		t.Errorf("SIP caller: %d %s, want the gateway's BYE", ev.Code, ev.Reason)
	}
	waitFor(t, "103 hears 101 gone", func() bool { return r.state(3) == "disconnected" })
}

// TestForcedLockEndsLocalHeldCall: 101 talks with a SIP caller while 103
// is held by call waiting; a forced lock ends both (103 hears busy tone)
// instead of taking 103 back when the SIP call ends.
func TestForcedLockEndsLocalHeldCall(t *testing.T) {
	r := newRig(t, localCWIni, 3, rtpFactory(t))
	a := r.phones[0]
	sc := events{t, r.dial(t, "101", 40270)}
	waitFor(t, "101 rings", a.Ringing)
	a.PickUp()
	sc.next(sip.EventAnswered)
	waitFor(t, "101 in the call", func() bool { return r.state(1) == "connected" })
	r.waitingCall(t)
	a.Flash(300 * time.Millisecond) // 103 answered
	sc.next(sip.EventModified)
	waitFor(t, "101 talks with 103", func() bool { return r.state(3) == "connected" })
	a.Flash(300 * time.Millisecond) // back to the SIP caller, 103 held
	sc.next(sip.EventModified)
	waitFor(t, "103 held", func() bool { _, _, held := r.cwPort(1); return held == r.g.ports[2] })
	r.g.Lock(false)
	if ev := ended(t, sc.c, 5*time.Second); ev.Reason != "remote hangup" {
		t.Errorf("SIP caller: %d %s, want the gateway's BYE", ev.Code, ev.Reason)
	}
	waitFor(t, "103 hears 101 gone", func() bool { return r.state(3) == "disconnected" })
	waitFor(t, "locked with no call left", func() bool { return r.g.AdminState() == Locked })
}
