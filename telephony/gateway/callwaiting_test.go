package gateway

import (
	"testing"
	"time"

	"github.com/potsgate/potsgate/sip"
	"github.com/potsgate/potsgate/sip/sdp"
)

// events follows one SIP call of a test.
type events struct {
	t *testing.T
	c *sip.Call
}

// next waits for the next event of kind, failing on the call's end.
func (e events) next(kind sip.EventKind) sip.Event {
	e.t.Helper()
	timeout := time.After(10 * time.Second)
	for {
		select {
		case ev, ok := <-e.c.Events():
			if !ok {
				e.t.Fatalf("call ended before %v", kind)
			}
			if ev.Kind == kind {
				return ev
			}
			if ev.Kind == sip.EventEnded {
				e.t.Fatalf("call ended %d %s before %v", ev.Code, ev.Reason, kind)
			}
		case <-timeout:
			e.t.Fatalf("no %v", kind)
		}
	}
}

// newCallWaitingRig is a gateway with call waiting on one port, and a
// second SIP caller.
func newCallWaitingRig(t *testing.T) (*rig, *sip.UA) {
	t.Helper()
	r := newRig(t, "EnableCallWaiting = 1\n", 1, rtpFactory(t))
	second, err := sip.Listen(sip.Config{ListenAddr: "127.0.0.1:0", Codecs: []sdp.Format{pcmu}}, refuseAll{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	go second.Serve(r.ctx)
	t.Cleanup(func() { second.Close() })
	return r, second
}

// TestCallWaiting: 101 talks with A when B calls: B hears ringing, the
// phone gets the call waiting alert. A flash answers B and holds A; the
// next swaps back to A. B hangs up while held; then A hangs up and the
// phone hears busy tone. Without EnableCallWaiting, B gets 486.
func TestCallWaiting(t *testing.T) {
	r, second := newCallWaitingRig(t)
	phone := r.phones[0]

	a := events{t, r.dial(t, "101", 40240)}
	waitFor(t, "101 rings", phone.Ringing)
	phone.PickUp()
	a.next(sip.EventAnswered)
	waitFor(t, "101 in the call", func() bool { return r.g.Status().Ports[0].State == "connected" })

	bc, err := second.Dial(r.ctx, sip.Dial{To: "101", Host: r.g.SIPAddr(), From: "777", LocalPort: 40242})
	if err != nil {
		t.Fatal(err)
	}
	b := events{t, bc}
	b.next(sip.EventRinging)
	if phone.Ringing() {
		t.Fatal("the phone in a call rings instead of getting the call waiting alert")
	}
	phone.Wait(500 * time.Millisecond)
	phone.Flash(300 * time.Millisecond) // answer B, hold A
	if ev := a.next(sip.EventModified); ev.Choice.Direction != sdp.RecvOnly {
		t.Fatalf("A's direction %v when B is answered, want recvonly (held)", ev.Choice.Direction)
	}
	b.next(sip.EventAnswered)
	phone.Wait(500 * time.Millisecond)
	phone.Flash(300 * time.Millisecond) // back to A, hold B
	if ev := b.next(sip.EventModified); ev.Choice.Direction != sdp.RecvOnly {
		t.Fatalf("B's direction %v after the swap, want recvonly", ev.Choice.Direction)
	}
	if ev := a.next(sip.EventModified); ev.Choice.Direction != sdp.SendRecv {
		t.Fatalf("A's direction %v after the swap, want sendrecv", ev.Choice.Direction)
	}
	_ = bc.Hangup(r.ctx) // the held party leaves
	waitFor(t, "B's call gone, A's still up", func() bool {
		st := r.g.Status()
		return st.ActiveCalls == 1 && st.Ports[0].State == "connected"
	})
	_ = a.c.Hangup(r.ctx)
	waitFor(t, "101 hears A gone", func() bool { return r.g.Status().Ports[0].State == "disconnected" })
	if n := r.g.Counters().Established.Load(); n != 2 {
		t.Errorf("established %d, want 2", n)
	}

	// Without call waiting the second caller is busy.
	plain := newRig(t, "", 1, rtpFactory(t))
	c1 := plain.dial(t, "101", 40244)
	waitFor(t, "101 rings", plain.phones[0].Ringing)
	plain.phones[0].PickUp()
	events{t, c1}.next(sip.EventAnswered)
	if ev := ended(t, plain.dial(t, "101", 40246), 5*time.Second); ev.Code != 486 {
		t.Errorf("second call without call waiting ended %d, want 486", ev.Code)
	}
}

// TestCallWaitingHangUpEndsBoth: the phone hangs up with a call waiting:
// the talking caller gets BYE and the waiting one 480.
func TestCallWaitingHangUpEndsBoth(t *testing.T) {
	r, second := newCallWaitingRig(t)
	phone := r.phones[0]
	a := events{t, r.dial(t, "101", 40250)}
	waitFor(t, "101 rings", phone.Ringing)
	phone.PickUp()
	a.next(sip.EventAnswered)
	waitFor(t, "101 in the call", func() bool { return r.g.Status().Ports[0].State == "connected" })
	bc, err := second.Dial(r.ctx, sip.Dial{To: "101", Host: r.g.SIPAddr(), From: "777", LocalPort: 40252})
	if err != nil {
		t.Fatal(err)
	}
	events{t, bc}.next(sip.EventRinging)
	phone.HangUp()
	if ev := ended(t, a.c, 5*time.Second); ev.Reason != "remote hangup" {
		t.Errorf("talking caller: %d %s, want the gateway's BYE", ev.Code, ev.Reason)
	}
	if ev := ended(t, bc, 5*time.Second); ev.Code != 480 {
		t.Errorf("waiting caller: %d %s, want 480", ev.Code, ev.Reason)
	}
	waitFor(t, "port free", func() bool { return r.g.ports[0].idle() })
}
