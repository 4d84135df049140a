package sas

import (
	"context"
	"net"
	"runtime"
	"testing"
	"time"
)

// upstream returns a standalone SAS used as a proxy that answers OPTIONS
// and REGISTER.
func upstream(t *testing.T) (*Service, string) {
	t.Helper()
	return startService(t, Config{})
}

func TestModes(t *testing.T) {
	up, upAddr := upstream(t)
	gw := newRawPeer(t, "127.0.0.1:9")
	base := Config{SASProxySet: []string{upAddr}, SASDefaultGatewayIP: gw.addr(), SASEmergencyNumbers: []string{"911"},
		KeepAliveInterval: 200 * time.Millisecond, KeepAliveTimeout: time.Second}

	t.Run("standard relays", func(t *testing.T) {
		s, addr := startService(t, base)
		waitProbe(t, s)
		p := newRawPeer(t, addr)
		p.send(register("2001", addr, 60, ""))
		if got := p.status(2 * time.Second); got != 200 {
			t.Fatal(got)
		}
		if st := s.Stats(); st.RegisterRelayed != 1 || st.RegisterLocal != 0 || len(s.Bindings()) != 1 {
			t.Fatalf("%+v", st)
		}
		if bindingUsers(up)["2001"] == "" {
			t.Fatalf("upstream has no binding: %v", up.Bindings())
		}
		// emergency numbers go to the gateway even in normal state
		p.send(invite("911", addr, 70, ""))
		if r := gw.read(2 * time.Second); r == nil {
			t.Fatal("911 did not reach the gateway")
		}
	})
	t.Run("ignore register", func(t *testing.T) {
		cfg := base
		cfg.SASSurvivabilityMode = ModeIgnoreRegister
		s, addr := startService(t, cfg)
		waitProbe(t, s)
		p := newRawPeer(t, addr)
		p.send(register("2002", addr, 60, ""))
		if got := p.status(300 * time.Millisecond); got != 0 {
			t.Fatalf("answered %d", got)
		}
		if st := s.Stats(); st.RegisterIgnored != 1 || len(s.Bindings()) != 0 {
			t.Fatalf("%+v", st)
		}
	})
	t.Run("auto-answer register", func(t *testing.T) {
		cfg := base
		cfg.SASSurvivabilityMode = ModeAutoAnswerRegister
		s, addr := startService(t, cfg)
		waitProbe(t, s)
		p := newRawPeer(t, addr)
		p.send(register("2003", addr, 60, ""))
		if got := p.status(2 * time.Second); got != 200 {
			t.Fatal(got)
		}
		if st := s.Stats(); st.RegisterLocal != 1 || st.RegisterRelayed != 0 || st.State != StateNormal {
			t.Fatalf("%+v", st)
		}
	})
	t.Run("always emergency", func(t *testing.T) {
		cfg := base
		cfg.SASSurvivabilityMode = ModeAlwaysEmergency
		s, addr := startService(t, cfg)
		time.Sleep(300 * time.Millisecond)
		if st := s.Stats(); st.State != StateEmergency || st.Probes != 0 {
			t.Fatalf("%+v", st)
		}
		p := newRawPeer(t, addr)
		p.send(register("2004", addr, 60, ""))
		if got := p.status(2 * time.Second); got != 200 || s.Stats().RegisterLocal != 1 {
			t.Fatal(got)
		}
	})
	t.Run("redundant", func(t *testing.T) {
		cfg := base
		cfg.SASRedundant = true
		s, addr := startService(t, cfg)
		waitProbe(t, s)
		phone := newRawPeer(t, addr)
		phone.send(register("2005", addr, 60, ""))
		if got := phone.status(2 * time.Second); got != 200 || s.Stats().RegisterLocal != 1 {
			t.Fatal(got)
		}
		// a known number is routed locally even though the proxy is up
		caller := newRawPeer(t, addr)
		caller.send(invite("2005", addr, 70, ""))
		if r := phone.read(2 * time.Second); r == nil {
			t.Fatal("call did not reach the registered phone")
		}
		// an unknown one goes to the proxy (which answers 404: it has no binding)
		caller.send(invite("7777", addr, 70, ""))
		if got := caller.status(2 * time.Second); got != 404 || s.Stats().ToProxy != 1 {
			t.Fatalf("%d %+v", got, s.Stats())
		}
	})
}

func waitProbe(t *testing.T, s *Service) {
	t.Helper()
	deadline := time.Now().Add(2 * time.Second)
	for s.Stats().ProbesAnswered == 0 || s.State() != StateNormal {
		if time.Now().After(deadline) {
			t.Fatalf("no answered probe: %+v", s.Stats())
		}
		time.Sleep(10 * time.Millisecond)
	}
	time.Sleep(50 * time.Millisecond)
}

func TestServeCloseNoLeak(t *testing.T) {
	before := runtime.NumGoroutine()
	for i := 0; i < 3; i++ {
		s, err := New(Config{EnableSAS: true, SASProxySet: []string{"127.0.0.1:9"}, KeepAliveInterval: 50 * time.Millisecond})
		if err != nil {
			t.Fatal(err)
		}
		pc, err := net.ListenPacket("udp4", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		errc := make(chan error, 1)
		go func() { errc <- s.Serve(ctx, pc) }()
		time.Sleep(100 * time.Millisecond)
		if i == 0 {
			cancel()
			if err := <-errc; err != context.Canceled {
				t.Fatalf("serve after cancel: %v", err)
			}
		} else {
			s.Close()
			s.Close()
			if err := <-errc; err != nil {
				t.Fatalf("serve after close: %v", err)
			}
			cancel()
		}
		if err := s.Serve(context.Background(), pc); err == nil {
			t.Fatal("a service served twice")
		}
		s.Close()
	}
	deadline := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > before {
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<16)
			t.Fatalf("goroutines %d > %d\n%s", runtime.NumGoroutine(), before, buf[:runtime.Stack(buf, true)])
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func TestNewRejects(t *testing.T) {
	if _, err := New(Config{}); err != ErrDisabled {
		t.Fatalf("disabled: %v", err)
	}
	if _, err := New(Config{EnableSAS: true, SASProxySet: []string{"host:99999"}}); err == nil {
		t.Fatal("bad proxy accepted")
	}
}
