package sip

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/potsgate/potsgate/internal/peer"
)

func TestRegisterWithKamailio(t *testing.T) {
	k := peer.StartKamailio(t)
	reg := k.Addr
	u := startUA(t, Config{UserAgent: "potsgate-test"}, &answeringHandler{t: t})
	var mu sync.Mutex
	var states []RegState
	var granted time.Duration
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- u.Register(ctx, Registration{Registrar: reg, User: "1001", Password: "secret1001", Expires: 60 * time.Second, Divider: 3},
			func(s RegState, g time.Duration, err error) {
				mu.Lock()
				states = append(states, s)
				if s == Registered {
					granted = g
				}
				mu.Unlock()
			})
	}()
	// Divider 3 % of 60 s: a refresh every 1.8 s.
	deadline := time.Now().Add(10 * time.Second)
	for {
		mu.Lock()
		n := len(states)
		mu.Unlock()
		if n >= 2 || time.Now().After(deadline) {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	mu.Lock()
	if len(states) < 2 || states[0] != Registered || states[1] != Registered || granted != 60*time.Second {
		t.Fatalf("states %v, granted %v; want two registrations of 60 s", states, granted)
	}
	mu.Unlock()
	if b := k.Bindings(t); !strings.Contains(b, "1001") || !strings.Contains(b, u.Addr().String()) {
		t.Fatalf("kamailio has no binding for 1001 at %s:\n%s", u.Addr(), b)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("unregister: %v", err)
	}
	if b := k.Bindings(t); strings.Contains(b, u.Addr().String()) {
		t.Fatalf("binding left after unregistering:\n%s", b)
	}

	// A wrong password fails clearly, with the registrar's status.
	ctx2, cancel2 := context.WithCancel(context.Background())
	defer cancel2()
	failed := make(chan error, 1)
	go u.Register(ctx2, Registration{Registrar: reg, User: "1002", Password: "wrong", Retry: time.Hour}, func(s RegState, _ time.Duration, err error) {
		if s == RegistrationFailed {
			failed <- err
		}
	})
	select {
	case err := <-failed:
		var re *RegistrationError
		if !errors.As(err, &re) || re.Code != 401 {
			t.Fatalf("wrong password: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("no failure reported for a wrong password")
	}
}
