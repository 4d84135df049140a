package gatewaytest_test

import (
	"context"
	"encoding/binary"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/zaf/g711"

	"github.com/potsgate/potsgate/internal/peer"
	"github.com/potsgate/potsgate/telephony/gateway"
	"github.com/potsgate/potsgate/telephony/gateway/gatewaytest"
)

// TestSoak: SIPp places calls with media at a steady rate for
// POTSGATE_SOAK (3 minutes by default; ./scripts/load soak runs 30) while
// the eight ports' registrations to the embedded SAS refresh every 5 s. No
// call may fail, and heap, goroutines and file descriptors must stay flat:
// their slopes are logged and bounded (generously: a leak of one goroutine,
// socket or a few KiB per call or registration goes far past the bounds).
func TestSoak(t *testing.T) {
	if testing.Short() {
		t.Skip("soak")
	}
	dur := 3 * time.Minute
	if s := os.Getenv("POTSGATE_SOAK"); s != "" {
		d, err := time.ParseDuration(s)
		if err != nil || d < 2*time.Minute {
			t.Fatalf("POTSGATE_SOAK=%q: want a duration of 2 minutes or more", s)
		}
		dur = d
	}
	sipp := peer.Require(t, "sipp")
	t.Parallel() // minutes of mostly waiting: let the package's other tests run

	const ports, rate = 8, 2 // calls of 1.2 s at 2 a second keep about 4 ports busy
	sipPort, sasPort := peer.FreeUDPPort(t), peer.FreeUDPPort(t)
	rtpBase := 20000 + 2*int(time.Now().UnixNano()%5000)
	ini := fmt.Sprintf(`LocalSIPPort = %d
SIPBindAddress = '127.0.0.1'
BaseUDPPort = %d
RTPPortCount = 200
RingOnPeriod = 100
RingOffPeriod = 100
IsEchoCancellerEnabled = 0
EnableSAS = 1
SASLocalSIPUDPPort = %d
ProxyIP = '127.0.0.1:%d'
IsRegisterNeeded = 1
RegistrarIP = '127.0.0.1:%d'
RegistrationTime = 10
[ TrunkGroup ]
FORMAT TrunkGroup_Index = TrunkGroup_TrunkGroupNum, TrunkGroup_FirstBChannel, TrunkGroup_LastBChannel, TrunkGroup_FirstPhoneNumber;
TrunkGroup 0 = 1, 1, %d, 101;
[ \TrunkGroup ]
`, sipPort, rtpBase, sasPort, sasPort, sasPort, ports)
	reg, err := gateway.NewRegistry()
	if err != nil {
		t.Fatal(err)
	}
	res, err := reg.ApplyText(reg.Defaults(), "soak.ini", []byte(ini))
	if err != nil {
		t.Fatal(err)
	}
	cfg := res.Config
	tones, err := gateway.Tones(cfg, "us", "")
	if err != nil {
		t.Fatal(err)
	}
	sipCfg, err := gateway.SIPConfig(cfg, "soak")
	if err != nil {
		t.Fatal(err)
	}
	media, err := gateway.NewRTPMedia(cfg, sipCfg)
	if err != nil {
		t.Fatal(err)
	}
	numbers, err := gateway.PortNumbers(cfg)
	if err != nil {
		t.Fatal(err)
	}
	var gp []gateway.Port
	for _, n := range numbers {
		ph, err := gatewaytest.EchoPhone(tones, 1)
		if err != nil {
			t.Fatal(err)
		}
		gp = append(gp, gateway.Port{Number: n, FXS: ph})
	}
	g, err := gateway.New(gateway.Options{Config: cfg, Ports: gp, Tones: tones, SIP: sipCfg, Media: media, Paced: true, SAS: gateway.SASConfig(cfg)})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- g.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("gateway: %v", err)
		}
	})
	waitUntil(t, 30*time.Second, "the ports registered with SAS", func() bool {
		st := g.Status()
		return st.SAS != nil && st.SAS.Bindings == ports
	})

	// SIPp streams a 1 s tone in each call; the phones echo it.
	dir := t.TempDir()
	toneFile := filepath.Join(dir, "tone.ul")
	if err := os.WriteFile(toneFile, ulawTone(time.Second, 1000), 0o644); err != nil {
		t.Fatal(err)
	}
	scen, err := os.ReadFile("testdata/uac_soak.xml")
	if err != nil {
		t.Fatal(err)
	}
	s := strings.ReplaceAll(string(scen), "TONEFILE", toneFile)
	s = strings.ReplaceAll(s, "PAUSEMS", "1200")
	scenPath := filepath.Join(dir, "uac.xml")
	inf := "SEQUENTIAL\n" + strings.Join(numbers, ";\n") + ";\n"
	infPath := filepath.Join(dir, "numbers.csv")
	if err := os.WriteFile(scenPath, []byte(s), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(infPath, []byte(inf), 0o644); err != nil {
		t.Fatal(err)
	}
	calls := int(dur/time.Second) * rate
	stat := filepath.Join(dir, "stat.csv")
	proc := peer.Start(t, dir, sipp, "-sf", scenPath, "-inf", infPath, "-i", "127.0.0.1", "-p", strconv.Itoa(peer.FreeUDPPort(t)),
		"-mi", "127.0.0.1", "-r", strconv.Itoa(rate), "-m", strconv.Itoa(calls), "-l", strconv.Itoa(ports),
		"-nostdin", "-trace_stat", "-stf", stat, "-fd", "1", "-cp", strconv.Itoa(peer.FreeUDPPort(t)),
		"127.0.0.1:"+strconv.Itoa(sipPort))

	// Sample every 5 s until SIPp is done; what the first 45 s show (sipgo
	// keeps each finished transaction 32 s) is the ramp, not the trend.
	var samples []soakSample
	start := time.Now()
	tick := time.NewTicker(5 * time.Second)
	defer tick.Stop()
sampling:
	for {
		select {
		case <-proc.Done():
			break sampling
		case <-tick.C:
			samples = append(samples, takeSample(t, time.Since(start)))
		case <-time.After(dur + 5*time.Minute):
			t.Fatalf("SIPp did not finish %d calls in %v", calls, dur+5*time.Minute)
		}
	}
	r := peer.SIPpStats(t, stat)
	t.Logf("soak of %v: %d calls ok, %d failed (of %d)", time.Since(start).Round(time.Second), r.OK, r.Failed, calls)
	if r.OK != calls || r.Failed != 0 {
		t.Errorf("SIPp: %d calls ok and %d failed, want %d and 0", r.OK, r.Failed, calls)
	}
	// The ports re-register every 5 s (half the 10 s granted): at the end
	// each binding expires less than 10 s ahead, so it was refreshed in
	// the last 10 s, and every port is registered.
	st := g.Status()
	for _, b := range st.SAS.BindingList {
		if left := time.Until(b.Expires); left > 10*time.Second || left < 0 {
			t.Errorf("binding %s expires in %v: not refreshed every 5 s", b.AOR, left)
		}
	}
	if len(st.SAS.BindingList) != ports {
		t.Errorf("%d SAS bindings at the end, want %d", len(st.SAS.BindingList), ports)
	}
	for _, p := range st.Ports {
		if p.Registration != "registered" {
			t.Errorf("port %s registration %q at the end, want registered", p.Number, p.Registration)
		}
	}
	var steady []soakSample
	for _, s := range samples {
		if s.at >= 45*time.Second {
			steady = append(steady, s)
		}
	}
	if len(steady) < 3 {
		t.Fatalf("only %d samples after the ramp", len(steady))
	}
	first, last := steady[0], steady[len(steady)-1]
	heap := slope(steady, func(s soakSample) float64 { return s.heapKiB })
	gor := slope(steady, func(s soakSample) float64 { return float64(s.goroutines) })
	fds := slope(steady, func(s soakSample) float64 { return float64(s.fds) })
	t.Logf("from %v to %v: heap in use %.0f to %.0f KiB (slope %.1f KiB/min), goroutines %d to %d (%.2f/min), fds %d to %d (%.2f/min)",
		first.at.Round(time.Second), last.at.Round(time.Second), first.heapKiB, last.heapKiB, heap, first.goroutines, last.goroutines, gor, first.fds, last.fds, fds)
	if heap > 1024 {
		t.Errorf("heap grows by %.0f KiB a minute", heap)
	}
	if gor > 5 {
		t.Errorf("goroutines grow by %.1f a minute", gor)
	}
	if fds > 2 {
		t.Errorf("file descriptors grow by %.1f a minute", fds)
	}
}

type soakSample struct {
	at              time.Duration
	heapKiB         float64
	goroutines, fds int
}

func takeSample(t *testing.T, at time.Duration) soakSample {
	t.Helper()
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	fds, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Fatal(err)
	}
	return soakSample{at: at, heapKiB: float64(ms.HeapInuse) / 1024, goroutines: runtime.NumGoroutine(), fds: len(fds)}
}

// slope is the least-squares slope of y against the samples' times, per
// minute.
func slope(s []soakSample, y func(soakSample) float64) float64 {
	var n, sx, sy, sxx, sxy float64
	for _, p := range s {
		x, v := p.at.Minutes(), y(p)
		n++
		sx += x
		sy += v
		sxx += x * x
		sxy += x * v
	}
	d := n*sxx - sx*sx
	if d == 0 {
		return 0
	}
	return (n*sxy - sx*sy) / d
}

func waitUntil(t *testing.T, d time.Duration, what string, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within %v", what, d)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// ulawTone is d of a sine at f Hz, half of full scale, as G.711 mu-law.
func ulawTone(d time.Duration, f float64) []byte {
	n := int(d.Seconds() * 8000)
	lpcm := make([]byte, 2*n)
	for i := range n {
		v := int16(16384 * math.Sin(2*math.Pi*f*float64(i)/8000))
		binary.LittleEndian.PutUint16(lpcm[2*i:], uint16(v))
	}
	return g711.EncodeUlaw(lpcm)
}
