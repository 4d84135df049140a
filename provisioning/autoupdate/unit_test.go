package autoupdate

import (
	"context"
	"errors"
	"sync"
	"testing"
	"testing/synctest"
	"time"
)

func TestFirmwareImage(t *testing.T) {
	img, err := EncodeFirmware("potsgate", "1.2.3", []byte("kernel+rootfs"))
	if err != nil {
		t.Fatal(err)
	}
	fw, err := DecodeFirmware(img)
	if err != nil || fw.Product != "potsgate" || fw.Version != "1.2.3" || string(fw.Payload) != "kernel+rootfs" {
		t.Fatalf("decode = %+v, %v", fw, err)
	}
	corrupt := func(mutate func([]byte) []byte) error {
		b := append([]byte(nil), img...)
		_, err := DecodeFirmware(mutate(b))
		return err
	}
	cases := map[string]func([]byte) []byte{
		"payload bit flip": func(b []byte) []byte { b[len(b)-1] ^= 1; return b },
		"truncated":        func(b []byte) []byte { return b[:len(b)-3] },
		"trailing bytes":   func(b []byte) []byte { return append(b, 0) },
		"bad magic":        func(b []byte) []byte { b[0] = 'X'; return b },
		"future version":   func(b []byte) []byte { b[9] = 9; return b },
		"header too long":  func(b []byte) []byte { b[10], b[11] = 0xff, 0xff; return b },
		"empty":            func(b []byte) []byte { return nil },
	}
	for name, mutate := range cases {
		if err := corrupt(mutate); !errors.Is(err, ErrBadFirmware) {
			t.Errorf("%s: err = %v, want ErrBadFirmware", name, err)
		}
	}
}

func FuzzDecodeFirmware(f *testing.F) {
	img, _ := EncodeFirmware("potsgate", "1.0", []byte("payload"))
	f.Add(img)
	f.Add([]byte("PGFWIMG\x00\x00\x01\x00\x0c"))
	f.Fuzz(func(t *testing.T, b []byte) {
		fw, err := DecodeFirmware(b)
		if err == nil {
			again, _ := EncodeFirmware(fw.Product, fw.Version, fw.Payload)
			if string(again) != string(b) {
				t.Fatalf("accepted an image that does not re-encode to itself")
			}
		}
	})
}

func TestScheduleNext(t *testing.T) {
	base := time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC)
	daily := Schedule{Daily: true, Hour: 3, Minute: 30}
	if got, want := daily.NextDaily(base, 90*time.Second), time.Date(2026, 11, 25, 3, 31, 30, 0, time.UTC); !got.Equal(want) {
		t.Errorf("NextDaily after 10:00 = %v, want %v", got, want)
	}
	if got, want := daily.NextDaily(time.Date(2026, 11, 24, 3, 0, 0, 0, time.UTC), 0), time.Date(2026, 11, 24, 3, 30, 0, 0, time.UTC); !got.Equal(want) {
		t.Errorf("NextDaily before the time = %v, want today %v", got, want)
	}
	tests := []struct {
		name   string
		s      Schedule
		failed bool
		daily  time.Time
		want   time.Time
	}{
		{"nothing configured", Schedule{Retry: time.Minute}, false, time.Time{}, time.Time{}},
		{"period", Schedule{Period: time.Hour, Retry: time.Minute}, false, time.Time{}, base.Add(time.Hour)},
		{"failure retries before the period", Schedule{Period: time.Hour, Retry: time.Minute}, true, time.Time{}, base.Add(time.Minute)},
		{"failure with nothing else", Schedule{Retry: 30 * time.Second}, true, time.Time{}, base.Add(30 * time.Second)},
		{"daily earlier than period", Schedule{Period: 24 * time.Hour}, false, base.Add(2 * time.Hour), base.Add(2 * time.Hour)},
		{"period earlier than daily", Schedule{Period: time.Hour}, false, base.Add(2 * time.Hour), base.Add(time.Hour)},
	}
	for _, tt := range tests {
		if got := tt.s.Next(base, tt.failed, tt.daily); !got.Equal(tt.want) {
			t.Errorf("%s: Next = %v, want %v", tt.name, got, tt.want)
		}
	}
}

// cycleLog records the reason and (fake) time of each cycle.
type cycleLog struct {
	mu      sync.Mutex
	reasons []string
	times   []time.Time
}

func (c *cycleLog) UpdateDone(r Report) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.reasons = append(c.reasons, r.Reason)
	c.times = append(c.times, r.Start)
}

func (c *cycleLog) snapshot() ([]string, []time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]string(nil), c.reasons...), append([]time.Time(nil), c.times...)
}

// TestRunTriggers runs the loop in a synctest bubble, where time only moves
// when every goroutine is blocked: hours of schedule take no real time.
func TestRunTriggers(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		reg := testRegistry(t)
		host := newHost(t, reg, "AutoUpdateFrequency = 60\nAutoUpdatePredefinedTime = '00:30'\nAutoUpdatePredefinedRandomTime = 600\n")
		log := &cycleLog{}
		start := time.Now() // the bubble's clock: 2000-01-01 00:00 UTC
		u, err := New(Options{Registry: reg, Host: host, Observer: log,
			RandomDelay: func(max time.Duration) time.Duration { return max / 2 }})
		if err != nil {
			t.Fatal(err)
		}
		if err := u.Trigger(t.Context(), "too early"); !errors.Is(err, ErrNotRunning) {
			t.Fatalf("Trigger before Run = %v, want ErrNotRunning", err)
		}
		ctx, cancel := context.WithCancel(t.Context())
		done := make(chan error)
		go func() { done <- u.Run(ctx) }()

		synctest.Wait()
		time.Sleep(10 * time.Minute)
		if err := u.Trigger(ctx, "snmp"); err != nil {
			t.Fatal(err)
		}
		synctest.Wait()
		time.Sleep(3 * time.Hour)
		cancel()
		if err := <-done; !errors.Is(err, context.Canceled) {
			t.Fatalf("Run = %v", err)
		}
		reasons, times := log.snapshot()
		want := []struct {
			reason string
			at     time.Duration
		}{
			{"start-up", 0},
			{"snmp", 10 * time.Minute},
			{"daily", 35 * time.Minute}, // 00:30 + half of 600 s
			{"periodic", 95 * time.Minute},
			{"periodic", 155 * time.Minute},
		}
		if len(reasons) < len(want) {
			t.Fatalf("cycles = %v at %v", reasons, times)
		}
		for i, w := range want {
			if reasons[i] != w.reason || !times[i].Equal(start.Add(w.at)) {
				t.Errorf("cycle %d = %s at +%v, want %s at +%v", i, reasons[i], times[i].Sub(start), w.reason, w.at)
			}
		}
	})
}

func TestRunRetriesAfterFailure(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		reg := testRegistry(t)
		// An unsupported scheme fails without touching the network.
		host := newHost(t, reg, "IniFileURL = 'ftp://127.0.0.1/gw.ini'\nAUPDRetryTime = 45\nAutoUpdateFrequency = 60\n")
		log := &cycleLog{}
		start := time.Now()
		u, _ := New(Options{Registry: reg, Host: host, Observer: log})
		ctx, cancel := context.WithCancel(t.Context())
		done := make(chan error)
		go func() { done <- u.Run(ctx) }()
		time.Sleep(100 * time.Second)
		cancel()
		<-done
		reasons, times := log.snapshot()
		if len(reasons) != 3 || reasons[1] != "retry" || !times[1].Equal(start.Add(45*time.Second)) || !times[2].Equal(start.Add(90*time.Second)) {
			t.Fatalf("cycles = %v at %v, want retries every 45 s", reasons, times)
		}
	})
}
