package sip

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/potsgate/potsgate/internal/peer"
)

// startKamailio runs the shared kamailio recipe (registrar with digest,
// users 1001/secret1001 and 1002/secret1002) on a free port.
func startKamailio(t *testing.T) (addr, ctl string) {
	t.Helper()
	peer.Require(t, "kamailio")
	src := filepath.Join(peer.SharedDir(t), "peers", "kamailio")
	dir := t.TempDir()
	run := filepath.Join(dir, "run")
	if err := os.MkdirAll(filepath.Join(dir, "db"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(run, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"subscriber", "version"} {
		b, err := os.ReadFile(filepath.Join(src, "db", f))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, "db", f), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	port := peer.FreeUDPPort(t)
	cfg, err := os.ReadFile(filepath.Join(src, "kamailio.cfg"))
	if err != nil {
		t.Fatal(err)
	}
	text := strings.ReplaceAll(string(cfg), "/tmp/peers/kamailio", dir)
	text = strings.ReplaceAll(text, "127.0.0.1:5070", fmt.Sprintf("127.0.0.1:%d", port))
	if err := os.WriteFile(filepath.Join(dir, "kamailio.cfg"), []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	peer.Start(t, dir, "kamailio", "-f", filepath.Join(dir, "kamailio.cfg"), "-Y", run, "-P", filepath.Join(run, "kamailio.pid"), "-E", "-DD")
	ctl = "unix:" + filepath.Join(run, "kamailio_ctl")
	deadline := time.Now().Add(10 * time.Second)
	for {
		if _, err := os.Stat(filepath.Join(run, "kamailio_ctl")); err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("kamailio did not start")
		}
		time.Sleep(50 * time.Millisecond)
	}
	return fmt.Sprintf("127.0.0.1:%d", port), ctl
}

func bindings(t *testing.T, ctl string) string {
	t.Helper()
	out, err := peer.Run(t, 10*time.Second, "", "kamcmd", "-s", ctl, "ul.dump")
	if err != nil {
		t.Fatalf("kamcmd: %v\n%s", err, out)
	}
	return out
}

func TestRegisterWithKamailio(t *testing.T) {
	reg, ctl := startKamailio(t)
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
	if b := bindings(t, ctl); !strings.Contains(b, "1001") || !strings.Contains(b, u.Addr().String()) {
		t.Fatalf("kamailio has no binding for 1001 at %s:\n%s", u.Addr(), b)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("unregister: %v", err)
	}
	if b := bindings(t, ctl); strings.Contains(b, u.Addr().String()) {
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
