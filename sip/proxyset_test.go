package sip

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/potsgate/potsgate/internal/peer"
)

// calledRecorder rejects calls and reports the called user.
type calledRecorder struct{ called chan string }

func (r calledRecorder) IncomingCall(c *Call)                { r.called <- c.To(); _ = c.Reject(486, "Busy Here") }
func (calledRecorder) CheckSync(context.Context, bool) error { return nil }

// TestProxyFailover: the first proxy does not answer keep-alives, so calls
// without a host go to the second; when the first comes back, to it again.
func TestProxyFailover(t *testing.T) {
	second := calledRecorder{called: make(chan string, 2)}
	p2 := startUA(t, Config{}, second)
	deadPort := peer.FreeUDPPort(t)
	dead := fmt.Sprintf("127.0.0.1:%d", deadPort)
	changes := make(chan string, 8)
	u := startUA(t, Config{Proxies: []string{dead, p2.Addr().String()}, KeepAlive: 200 * time.Millisecond,
		OnProxyState: func(addr string, alive bool) { changes <- fmt.Sprint(addr, " ", alive) }}, &answeringHandler{t: t})
	waitState := func(want []bool) {
		t.Helper()
		deadline := time.Now().Add(5 * time.Second)
		for {
			ps := u.Proxies()
			if ps[0].Alive == want[0] && ps[1].Alive == want[1] {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("proxy states %+v, want %v", ps, want)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	waitState([]bool{false, true})
	if got := <-changes; got != dead+" false" {
		t.Fatalf("proxy state change %q, want %q", got, dead+" false")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := u.Dial(ctx, Dial{To: "5551", From: "101", LocalPort: 39400}); err != nil {
		t.Fatal(err)
	}
	select {
	case to := <-second.called:
		if to != "5551" {
			t.Fatalf("second proxy got a call to %q", to)
		}
	case <-ctx.Done():
		t.Fatal("the call did not fail over to the second proxy")
	}
	// The first proxy comes back on its port.
	first := calledRecorder{called: make(chan string, 2)}
	startUA(t, Config{ListenAddr: dead}, first)
	waitState([]bool{true, true})
	if _, err := u.Dial(ctx, Dial{To: "5552", From: "101", LocalPort: 39402}); err != nil {
		t.Fatal(err)
	}
	select {
	case to := <-first.called:
		if to != "5552" {
			t.Fatalf("first proxy got a call to %q", to)
		}
	case <-ctx.Done():
		t.Fatal("calls did not return to the first proxy")
	}
}
