package gateway

import (
	"testing"
	"time"

	"github.com/potsgate/potsgate/sip"
)

// lockRig is a running gateway with ports 101-103, a SIP caller, and a
// port-to-port call 101->102 plus a SIP call to 103 both up.
type lockRig struct {
	*rig
	sipCall *sip.Call
}

func newLockRig(t *testing.T, ini string) *lockRig {
	t.Helper()
	r := newRig(t, ini, 3, rtpFactory(t))
	g, phones := r.g, r.phones
	a, b, c := phones[0], phones[1], phones[2]
	a.PickUp()
	a.Wait(300 * time.Millisecond)
	a.DialDTMF("102")
	waitFor(t, "102 rings", b.Ringing)
	b.PickUp()
	waitFor(t, "101 and 102 in a call", func() bool { return g.ports[0].inCall() && g.ports[1].inCall() })
	sc := r.dial(t, "103", 40100)
	waitFor(t, "103 rings", c.Ringing)
	c.PickUp()
	for ev := range sc.Events() {
		if ev.Kind == sip.EventAnswered {
			break
		}
		if ev.Kind == sip.EventEnded {
			t.Fatalf("SIP call to 103 ended %d %s", ev.Code, ev.Reason)
		}
	}
	return &lockRig{rig: r, sipCall: sc}
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting: %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// ended waits for the SIP call's end and returns how it ended.
func ended(t *testing.T, c *sip.Call, within time.Duration) sip.Event {
	t.Helper()
	timeout := time.After(within)
	var last sip.Event
	for {
		select {
		case ev, ok := <-c.Events():
			if !ok {
				return last
			}
			last = ev
		case <-timeout:
			t.Fatalf("call still up after %v", within)
		}
	}
}

// TestForcedLockEndsCalls: a forced lock ends the SIP call with BYE and
// cuts the port-to-port call, refuses new calls with 503, and unlocking
// accepts them again.
func TestForcedLockEndsCalls(t *testing.T) {
	r := newLockRig(t, "")
	if s := r.g.AdminState(); s != Unlocked {
		t.Fatalf("admin state %v before the lock", s)
	}
	r.g.Lock(false)
	if ev := ended(t, r.sipCall, 5*time.Second); ev.Reason != "remote hangup" {
		t.Errorf("SIP call ended by %d %q, want the gateway's BYE", ev.Code, ev.Reason)
	}
	waitFor(t, "all ports out of their calls", func() bool {
		return !r.g.ports[0].inCall() && !r.g.ports[1].inCall() && !r.g.ports[2].inCall()
	})
	if s := r.g.AdminState(); s != Locked {
		t.Errorf("admin state %v after a forced lock, want locked", s)
	}
	for _, ph := range r.phones {
		ph.HangUp()
	}
	// on hook for longer than a hook flash (FlashHookPeriod 700 ms)
	waitFor(t, "lines idle", func() bool { return r.g.ports[2].idle() })
	c := r.dial(t, "103", 40102)
	if ev := ended(t, c, 5*time.Second); ev.Code != 503 {
		t.Errorf("call to a locked gateway ended %d, want 503", ev.Code)
	}
	r.g.Unlock()
	if s := r.g.AdminState(); s != Unlocked {
		t.Errorf("admin state %v after unlock", s)
	}
	c = r.dial(t, "103", 40104)
	deadline := time.Now().Add(5 * time.Second)
	for !r.phones[2].Ringing() {
		select {
		case <-c.Done():
			var last sip.Event
			for ev := range c.Events() {
				last = ev
			}
			t.Fatalf("call to 103 after unlock ended %d %s; ports %+v", last.Code, last.Reason, r.g.Status().Ports)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("103 does not ring after unlock; ports %+v", r.g.Status().Ports)
		}
		time.Sleep(10 * time.Millisecond)
	}
	_ = c.Hangup(r.ctx)
}

// TestGracefulLock: calls in progress go on (shutting down) until
// GracefulLockTimeout, then end.
func TestGracefulLock(t *testing.T) {
	r := newLockRig(t, "GracefulLockTimeout = 2\n")
	r.g.Lock(true)
	if s := r.g.AdminState(); s != ShuttingDown {
		t.Errorf("admin state %v during a graceful lock with calls up, want shutting down", s)
	}
	select {
	case <-r.sipCall.Done():
		t.Fatal("the SIP call ended at once on a graceful lock")
	case <-time.After(time.Second):
	}
	if !r.g.ports[0].inCall() {
		t.Fatal("the port-to-port call ended at once on a graceful lock")
	}
	if ev := ended(t, r.sipCall, 5*time.Second); ev.Reason != "remote hangup" {
		t.Errorf("SIP call ended by %d %q at the timeout, want the gateway's BYE", ev.Code, ev.Reason)
	}
	waitFor(t, "locked once the calls are gone", func() bool { return r.g.AdminState() == Locked })
}
