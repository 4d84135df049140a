package sip

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/potsgate/potsgate/internal/peer"
)

// TestSessionRefreshAsCaller: a call we place with a 2 s session is kept
// alive by our refreshes (re-INVITE, or UPDATE when configured): the
// answering agent, which ends unrefreshed sessions, sees refreshes and
// keeps the call for three intervals.
func TestSessionRefreshAsCaller(t *testing.T) {
	for _, byUpdate := range []bool{false, true} {
		t.Run(fmt.Sprintf("update=%v", byUpdate), func(t *testing.T) {
			h := &answeringHandler{t: t}
			callee := startUA(t, Config{MinSE: time.Second}, h)
			caller := startUA(t, Config{MinSE: time.Second, SessionExpires: 2 * time.Second, SessionRefreshByUpdate: byUpdate}, &answeringHandler{t: t})
			c, err := caller.Dial(context.Background(), Dial{To: "101", Host: callee.Addr().String(), From: "x", LocalPort: 39600})
			if err != nil {
				t.Fatal(err)
			}
			waitEvent(t, c, EventAnswered)
			time.Sleep(6 * time.Second) // three session intervals
			select {
			case <-c.Done():
				var last Event
				for ev := range c.Events() {
					last = ev
				}
				t.Fatalf("the call ended (%d %s): its session was not refreshed", last.Code, last.Reason)
			default:
			}
			calls := callee.Calls()
			if len(calls) != 1 {
				t.Fatalf("callee has %d calls", len(calls))
			}
			calls[0].mu.Lock()
			refreshed, interval := calls[0].refreshed, calls[0].sessionInterval
			calls[0].mu.Unlock()
			// one arming at the answer, then one per refresh (every 1 s)
			if refreshed < 5 || interval != 2*time.Second {
				t.Errorf("callee saw %d session timer armings (interval %v), want >= 5 of 2s", refreshed, interval)
			}
			_ = c.Hangup(context.Background())
		})
	}
}

// TestSessionTooSmallRetried: the callee's Min-SE is above what we ask;
// its 422 is answered with a new INVITE at its Min-SE, and the call is set
// up with that interval.
func TestSessionTooSmallRetried(t *testing.T) {
	h := &answeringHandler{t: t}
	callee := startUA(t, Config{MinSE: 3 * time.Second}, h)
	caller := startUA(t, Config{MinSE: time.Second, SessionExpires: 2 * time.Second}, &answeringHandler{t: t})
	c, err := caller.Dial(context.Background(), Dial{To: "101", Host: callee.Addr().String(), From: "x", LocalPort: 39602})
	if err != nil {
		t.Fatal(err)
	}
	waitEvent(t, c, EventAnswered)
	calls := callee.Calls()
	if len(calls) != 1 {
		t.Fatalf("callee has %d calls", len(calls))
	}
	calls[0].mu.Lock()
	interval := calls[0].sessionInterval
	calls[0].mu.Unlock()
	if interval != 3*time.Second {
		t.Errorf("session interval %v after the 422, want the callee's Min-SE 3s", interval)
	}
	_ = c.Hangup(context.Background())
}

// TestSessionTimerAgainstSIPp: SIPp answers our INVITE granting 2 s. When
// it names itself refresher and never refreshes, we end the call with BYE;
// when it names us and refuses our refresh with 481, we end it with BYE.
func TestSessionTimerAgainstSIPp(t *testing.T) {
	peer.Require(t, "sipp")
	for _, name := range []string{"uas_session_timer_uas.xml", "uas_session_timer_refused.xml"} {
		t.Run(name, func(t *testing.T) {
			scen, _ := filepath.Abs("testdata/sipp/" + name)
			port := peer.FreeUDPPort(t)
			sipp := peer.Start(t, t.TempDir(), "sipp", "-sf", scen, "-i", "127.0.0.1", "-p", fmt.Sprint(port),
				"-mi", "127.0.0.1", "-m", "1", "-nostdin", "-cp", fmt.Sprint(peer.FreeUDPPort(t)))
			caller := startUA(t, Config{MinSE: time.Second, SessionExpires: 2 * time.Second}, &answeringHandler{t: t})
			var c *Call
			var err error
			for i := 0; i < 20; i++ { // until SIPp listens
				ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
				defer cancel()
				c, err = caller.Dial(ctx, Dial{To: "200", Host: fmt.Sprintf("127.0.0.1:%d", port), From: "x", LocalPort: 39604})
				if err != nil {
					t.Fatal(err)
				}
				ev := <-c.Events()
				if ev.Kind == EventAnswered {
					break
				}
				for range c.Events() {
				}
				time.Sleep(100 * time.Millisecond)
			}
			start := time.Now()
			var last Event
			for ev := range c.Events() {
				last = ev
			}
			if last.Kind != EventEnded || last.Reason != "local hangup" {
				t.Fatalf("call ended by %+v, want our BYE", last)
			}
			if d := time.Since(start); d > 2*time.Second {
				t.Errorf("BYE after %v, after the 2 s session had run out", d)
			}
			if err := sipp.Wait(10 * time.Second); err != nil {
				t.Fatalf("sipp: %v\n%s", err, sipp.Output())
			}
		})
	}
}

func waitEvent(t *testing.T, c *Call, kind EventKind) {
	t.Helper()
	timeout := time.After(10 * time.Second)
	for {
		select {
		case ev, ok := <-c.Events():
			if !ok {
				t.Fatalf("call ended before %s", kind)
			}
			if ev.Kind == kind {
				return
			}
			if ev.Kind == EventEnded {
				t.Fatalf("call ended (%d %s) before %s", ev.Code, ev.Reason, kind)
			}
		case <-timeout:
			t.Fatalf("no %s", kind)
		}
	}
}
