package main

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"math"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/potsgate/potsgate/hal/sim"
	"github.com/potsgate/potsgate/internal/peer"
	"github.com/potsgate/potsgate/sip"
	"github.com/potsgate/potsgate/sip/sdp"
	"github.com/potsgate/potsgate/snmp"
	"github.com/potsgate/potsgate/telephony/gateway"
)

// gw is a gateway started by a test through the binary's own code path.
type gw struct {
	running
	path              string // the ini file it runs on
	rtpBase, rtpCount int
	stop              func()
	// flags, when set, changes the flags the gateway runs with.
	flags func(*gatewayFlags)
}

// startGateway runs the gateway on ini (the embedded default when ""),
// moved to a free SIP port and an RTP range of its own.
func startGateway(t *testing.T, ini string, after ...string) *gw {
	t.Helper()
	return startGatewayIn(t, t.TempDir(), ini, after...)
}

// startGatewayIn is startGateway with the state directory given.
func startGatewayIn(t *testing.T, state, ini string, after ...string) *gw {
	t.Helper()
	return startGatewayFlags(t, state, ini, nil, after...)
}

// startGatewayFlags is startGatewayIn with flags changed by flags.
func startGatewayFlags(t *testing.T, state, ini string, flags func(*gatewayFlags), after ...string) *gw {
	t.Helper()
	if ini == "" {
		ini = string(defaultIni)
	}
	g := &gw{rtpBase: 20000 + 2*int(time.Now().UnixNano()%5000), rtpCount: 1000, flags: flags}
	sasPort := peer.FreeUDPPort(t)
	ini += fmt.Sprintf("\nLocalSIPPort = %d\nBaseUDPPort = %d\nRTPPortCount = %d\nSASLocalSIPUDPPort = %d\nProxyIP = '127.0.0.1:%d'\n",
		peer.FreeUDPPort(t), g.rtpBase, g.rtpCount, sasPort, sasPort)
	ini += "\n" + strings.Join(after, "\n") + "\n"
	path := filepath.Join(t.TempDir(), "gw.ini")
	if err := os.WriteFile(path, []byte(ini), 0o600); err != nil {
		t.Fatal(err)
	}
	g.path = path
	g.runAt(t, path, state)
	return g
}

// runAt runs the gateway on the ini file at path until the test ends.
func (g *gw) runAt(t *testing.T, path, state string) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	up := make(chan running, 1)
	done := make(chan error, 1)
	log := slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelWarn}))
	flags := gatewayFlags{config: path, http: "127.0.0.1:0", tones: "us", state: state}
	if g.flags != nil {
		g.flags(&flags)
	}
	go func() {
		done <- runGateway(ctx, flags, log, func(r running) { up <- r })
	}()
	select {
	case g.running = <-up:
	case err := <-done:
		t.Fatalf("gateway did not start: %v", err)
	case <-time.After(10 * time.Second):
		t.Fatal("gateway did not start")
	}
	var once sync.Once // a test may stop the gateway from another goroutine
	g.stop = func() {
		once.Do(func() {
			cancel()
			select {
			case err := <-done:
				if err != nil {
					t.Errorf("gateway: %v", err)
				}
			case <-time.After(30 * time.Second):
				// Fail this test with the goroutines that hold the gateway
				// up, rather than the whole package at the go test timeout.
				var stacks strings.Builder
				_ = pprof.Lookup("goroutine").WriteTo(&stacks, 2)
				t.Errorf("gateway did not stop within 30 s:\n%s", stacks.String())
			}
		})
	}
	t.Cleanup(g.stop)
}

type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimSpace(string(p)))
	return len(p), nil
}

func (g *gw) status(t *testing.T) gateway.Status {
	t.Helper()
	res, err := http.Get("http://" + g.HTTP + "/status")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var s gateway.Status
	if err := json.NewDecoder(res.Body).Decode(&s); err != nil {
		t.Fatal(err)
	}
	return s
}

// sippResult is SIPp's final statistics.
type sippResult struct{ ok, failed int }

// runSIPp places calls with testdata/uac_echo.xml to the numbers in
// rotation, streaming a tone for hold of each call.
func runSIPp(t *testing.T, sipAddr string, numbers []string, calls, rate, limit int, hold time.Duration) sippResult {
	t.Helper()
	peer.Require(t, "sipp")
	peer.Require(t, "sox")
	dir := t.TempDir()
	tone := filepath.Join(dir, "tone.ul")
	if out, err := peer.Run(t, time.Minute, dir, "sox", "-n", "-r", "8000", "-c", "1", "-e", "u-law", "-t", "raw", tone,
		"synth", fmt.Sprintf("%.2f", hold.Seconds()), "sine", "1000", "vol", "0.5"); err != nil {
		t.Fatalf("sox: %v\n%s", err, out)
	}
	scen, err := os.ReadFile("testdata/uac_echo.xml")
	if err != nil {
		t.Fatal(err)
	}
	s := strings.ReplaceAll(string(scen), "TONEFILE", tone)
	s = strings.ReplaceAll(s, "PAUSEMS", strconv.Itoa(int(hold.Milliseconds())+200))
	scenPath := filepath.Join(dir, "uac.xml")
	if err := os.WriteFile(scenPath, []byte(s), 0o644); err != nil {
		t.Fatal(err)
	}
	inf := "SEQUENTIAL\n" + strings.Join(numbers, ";\n") + ";\n"
	infPath := filepath.Join(dir, "numbers.csv")
	if err := os.WriteFile(infPath, []byte(inf), 0o644); err != nil {
		t.Fatal(err)
	}
	stat := filepath.Join(dir, "stat.csv")
	out, err := peer.Run(t, 10*time.Minute, dir, "sipp", "-sf", scenPath, "-inf", infPath, "-i", "127.0.0.1", "-p", strconv.Itoa(peer.FreeUDPPort(t)),
		"-mi", "127.0.0.1", "-r", strconv.Itoa(rate), "-m", strconv.Itoa(calls), "-l", strconv.Itoa(limit),
		"-nostdin", "-trace_stat", "-stf", stat, "-fd", "1", "-cp", strconv.Itoa(peer.FreeUDPPort(t)), sipAddr)
	if err != nil {
		t.Logf("sipp: %v\n%s", err, out)
	}
	return readSIPpStats(t, stat)
}

func readSIPpStats(t *testing.T, path string) sippResult {
	t.Helper()
	c := peer.SIPpStats(t, path)
	return sippResult{ok: c.OK, failed: c.Failed}
}

// rtpStreams captures the RTP range and the SIP port with tshark while f
// runs, and returns tshark's stream lines whose source is the gateway.
func rtpStreams(t *testing.T, g *gw, f func()) []string {
	t.Helper()
	peer.Require(t, "tshark")
	dir := t.TempDir()
	pcap := filepath.Join(dir, "cap.pcap")
	sipPort := g.SIP[strings.LastIndex(g.SIP, ":")+1:]
	filter := fmt.Sprintf("udp portrange %d-%d or udp port %s", g.rtpBase, g.rtpBase+g.rtpCount, sipPort)
	cap := peer.Start(t, dir, "tshark", "-i", "lo", "-f", filter, "-w", pcap)
	time.Sleep(time.Second) // tshark needs a moment before it captures
	f()
	time.Sleep(500 * time.Millisecond)
	cap.Stop()
	out, err := peer.Run(t, time.Minute, dir, "tshark", "-r", pcap, "-q", "-z", "rtp,streams")
	if err != nil {
		t.Fatalf("tshark: %v\n%s", err, out)
	}
	var streams []string
	for _, line := range strings.Split(out, "\n") {
		f := strings.Fields(line)
		if len(f) > 8 && f[2] == "127.0.0.1" {
			if p, err := strconv.Atoi(f[3]); err == nil && p >= g.rtpBase && p <= g.rtpBase+g.rtpCount {
				streams = append(streams, line)
			}
		}
	}
	return streams
}

// TestEmbeddedDefault is the newcomer's experience: calls to 101-104 are
// answered after two rings and the simulated phones echo the audio, which
// comes back as RTP; the status endpoint shows the ports.
func TestEmbeddedDefault(t *testing.T) {
	g := startGateway(t, "")
	st := g.status(t)
	if len(st.Ports) != 4 || st.Ports[0].Number != "101" || st.Ports[3].Number != "104" || st.Ports[0].State != "idle" {
		t.Fatalf("status %+v", st)
	}
	var res sippResult
	streams := rtpStreams(t, g, func() {
		// One call a second: a port is busy until its phone, hearing busy tone
		// after the caller hung up, puts the handset down.
		res = runSIPp(t, g.SIP, []string{"101", "102", "103", "104"}, 8, 1, 4, time.Second)
	})
	if res.ok != 8 || res.failed != 0 {
		t.Fatalf("SIPp: %d calls succeeded, %d failed; want 8 and 0", res.ok, res.failed)
	}
	if len(streams) != 8 {
		t.Fatalf("%d echoed RTP streams from the gateway, want 8:\n%s", len(streams), strings.Join(streams, "\n"))
	}
	for _, s := range streams {
		f := strings.Fields(s)
		pkts, _ := strconv.Atoi(f[8])
		if pkts < 40 || !strings.Contains(s, "0 (0.0%)") {
			t.Errorf("echo stream too short or lossy: %s", s)
		}
	}
	if st := g.status(t); st.Counters["established"] != 8 || st.ActiveCalls != 0 {
		t.Fatalf("after the calls: %+v", st)
	}
}

// TestShutdownEndsCallsWithBYE: a call is up when the gateway is told to
// stop; the caller gets a BYE.
func TestShutdownEndsCallsWithBYE(t *testing.T) {
	g := startGateway(t, "")
	ctx, caller := sipCaller(t)
	c, err := caller.Dial(ctx, sip.Dial{To: "102", Host: g.SIP, From: "caller", LocalPort: 39000})
	if err != nil {
		t.Fatal(err)
	}
	for ev := range c.Events() {
		switch ev.Kind {
		case sip.EventAnswered:
			go g.stop()
		case sip.EventEnded:
			if ev.Code != 0 || ev.Reason != "remote hangup" {
				t.Fatalf("call ended by %d %s, want a BYE", ev.Code, ev.Reason)
			}
		}
	}
}

type rejectAll struct{}

func (rejectAll) IncomingCall(c *sip.Call)              { _ = c.Reject(486, "Busy Here") }
func (rejectAll) CheckSync(context.Context, bool) error { return nil }

// TestLoad200Calls: SIPp places 200 calls at 20 calls/s. A port is busy
// for the whole call and until its phone, hearing busy tone, hangs up: about
// 1.6 s here, so 20 calls a second need more than the four ports of the
// embedded default. This runs the embedded default with 48 simulated ports
// and quick rings; goroutines and memory must return to their baseline
// after the calls.
func TestLoad200Calls(t *testing.T) {
	if testing.Short() {
		t.Skip("load test")
	}
	ini := strings.Replace(string(defaultIni), "TrunkGroup 0 = 1, 1, 4, 101;", "TrunkGroup 0 = 1, 1, 48, 101;", 1)
	ini = strings.Replace(ini, "RingOnPeriod = 500\nRingOffPeriod = 500", "RingOnPeriod = 100\nRingOffPeriod = 100\nFlashHookPeriod = 300", 1)
	runtime.GC()
	baseG := runtime.NumGoroutine()
	g := startGateway(t, ini)
	time.Sleep(500 * time.Millisecond)
	runtime.GC()
	idleG := runtime.NumGoroutine()
	var before runtime.MemStats
	runtime.ReadMemStats(&before)
	var numbers []string
	for i := 101; i <= 148; i++ {
		numbers = append(numbers, strconv.Itoa(i))
	}
	var res sippResult
	peakG := 0
	streams := rtpStreams(t, g, func() {
		stopPeak := make(chan struct{})
		go func() {
			for {
				select {
				case <-stopPeak:
					return
				case <-time.After(100 * time.Millisecond):
					peakG = max(peakG, runtime.NumGoroutine())
				}
			}
		}()
		res = runSIPp(t, g.SIP, numbers, 200, 20, 48, 500*time.Millisecond)
		close(stopPeak)
	})
	if res.ok != 200 || res.failed != 0 {
		t.Fatalf("SIPp: %d calls succeeded, %d failed; want 200 and 0", res.ok, res.failed)
	}
	if len(streams) != 200 {
		t.Fatalf("%d echoed RTP streams, want 200", len(streams))
	}
	// sipgo keeps a finished UDP transaction for Timer J/K (64*T1 = 32 s)
	// before it lets its goroutine go: wait that long, then compare.
	time.Sleep(33 * time.Second)
	runtime.GC()
	afterG := runtime.NumGoroutine()
	var after runtime.MemStats
	runtime.ReadMemStats(&after)
	g.stop()
	runtime.GC()
	stoppedG := runtime.NumGoroutine()
	t.Logf("goroutines: %d without the gateway, %d idle gateway, %d at peak, %d idle after the calls, %d after stopping; heap in use %d KiB idle before, %d KiB idle after",
		baseG, idleG, peakG, afterG, stoppedG, before.HeapInuse>>10, after.HeapInuse>>10)
	if afterG > idleG+5 {
		t.Errorf("goroutines did not return to baseline: %d idle before, %d after the calls", idleG, afterG)
	}
	if after.HeapInuse > before.HeapInuse+8<<20 {
		t.Errorf("heap grew by %d KiB over the calls", (after.HeapInuse-before.HeapInuse)>>10)
	}
	if stoppedG > baseG+5 {
		t.Errorf("goroutines left after stopping: %d before, %d after", baseG, stoppedG)
	}
}

// softphone is a SIP phone in tests: it answers calls and says so.
type softphone struct{ calls chan string }

func (s softphone) IncomingCall(c *sip.Call) {
	go func() {
		_ = c.Ring()
		if err := c.Answer(39100); err == nil {
			s.calls <- c.From()
		}
	}()
}
func (softphone) CheckSync(context.Context, bool) error { return nil }

// TestSoftphoneThroughSAS: the embedded default runs SAS; a softphone
// registers to it, calls port 101, and port 102 calls the softphone back.
func TestSoftphoneThroughSAS(t *testing.T) {
	g := startGateway(t, "")
	st := g.status(t)
	if st.SAS == nil || st.SAS.State != "normal" && st.SAS.State != "emergency" {
		t.Fatalf("SAS not running: %+v", st.SAS)
	}
	sp := softphone{calls: make(chan string, 1)}
	phone, err := sip.Listen(sip.Config{ListenAddr: "127.0.0.1:0", Codecs: []sdp.Format{{PayloadType: 0, Name: "PCMU", ClockRate: 8000}}}, sp, nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	go phone.Serve(ctx)
	defer phone.Close()
	registered := make(chan struct{}, 1)
	go phone.Register(ctx, sip.Registration{Registrar: st.SAS.Addr, User: "201", Expires: time.Minute}, func(s sip.RegState, _ time.Duration, err error) {
		if s == sip.Registered {
			registered <- struct{}{}
		}
	})
	select {
	case <-registered:
	case <-ctx.Done():
		t.Fatal("softphone did not register to SAS")
	}
	if g.status(t).SAS.Bindings != 1 {
		t.Fatalf("SAS bindings: %+v", g.status(t).SAS)
	}
	// The softphone calls 101 through SAS.
	c, err := phone.Dial(ctx, sip.Dial{To: "101", Host: st.SAS.Addr, From: "201", LocalPort: 39200})
	if err != nil {
		t.Fatal(err)
	}
	for ev := range c.Events() {
		if ev.Kind == sip.EventAnswered {
			_ = c.Hangup(ctx)
		}
		if ev.Kind == sip.EventEnded && ev.Reason != "local hangup" {
			t.Fatalf("call to 101 through SAS ended: %d %s", ev.Code, ev.Reason)
		}
	}
	// Port 102's phone dials 201: the gateway sends it to SAS, SAS to the
	// softphone.
	ph := g.Phones[1]
	ph.Echo(false) // a person dialling, not a loopback
	ph.PickUp()
	ph.Wait(300 * time.Millisecond)
	ph.DialDTMF("201")
	select {
	case from := <-sp.calls:
		if from != "102" {
			t.Fatalf("softphone called by %q, want 102", from)
		}
	case <-ctx.Done():
		t.Fatalf("port 102 could not call the softphone; status %+v", g.status(t))
	}
}

// TestSNMPOfRunningGateway turns the agent on: net-snmp walks the running
// gateway with resolved POTSGATE-MIB names, and setting the update action
// runs an Automatic Update cycle (the provisioning server sees it).
func TestSNMPOfRunningGateway(t *testing.T) {
	peer.Require(t, "snmpwalk")
	var fetches atomic.Int64
	prov := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fetches.Add(1)
		fmt.Fprint(w, "SetDefaultOnIniFileProcess = 0\nINIFileVersion = 'from-snmp'\n")
	}))
	defer prov.Close()
	t.Setenv("MIBS", ":")
	t.Setenv("SNMP_PERSISTENT_DIR", t.TempDir())
	t.Setenv("SNMPCONFPATH", t.TempDir())
	trapPort, traps := peer.Snmptrapd(t, "")
	port := peer.FreeUDPPort(t)
	// The trap destination in the device's own spelling, SNMPManagerTableIP_x.
	g := startGateway(t, string(defaultIni)+fmt.Sprintf("\nDisableSNMP = 0\nSNMPPort = %d\nIniFileURL = '%s/gw.ini'\nSNMPManagerTableIP_0 = 127.0.0.1\nSNMPManagerTrapPort_0 = %d\n", port, prov.URL, trapPort))
	mibs := peer.SharedDir(t) + "/mibs:../../snmp/mib"
	agent := fmt.Sprintf("127.0.0.1:%d", port)
	coldStart := ".1.3.6.1.6.3.1.1.4.1.0 = OID: .1.3.6.1.6.3.1.1.5.1"
	downloadTrap := ".1.3.6.1.6.3.1.1.4.1.0 = OID: " + snmp.EnterpriseOID + ".2.0.3"
	peer.WaitFor(t, 10*time.Second, "coldStart trap at snmptrapd", func() bool { return strings.Contains(traps(), coldStart) })
	out, err := peer.Run(t, time.Minute, "", "snmpwalk", "-v2c", "-c", "public", "-M", mibs, "-m", "+POTSGATE-MIB", agent, ".1.3.6.1.4.1.99999")
	if err != nil {
		t.Fatalf("snmpwalk: %v\n%s", err, out)
	}
	for _, want := range []string{"POTSGATE-MIB::pgProductName.0 = STRING: potsgate", "POTSGATE-MIB::pgPortPhoneNumber.1 = STRING: 101", "POTSGATE-MIB::pgPortPhoneNumber.4 = STRING: 104"} {
		if !strings.Contains(out, want) {
			t.Errorf("snmpwalk output lacks %s:\n%s", want, out)
		}
	}
	if strings.Contains(out, "SNMPv2-SMI::enterprises") {
		t.Errorf("unresolved names in the walk:\n%s", out)
	}
	before := fetches.Load() // the start-up cycle ran: the walk showed its pgConfigVersion
	if !strings.Contains(out, "pgConfigVersion.0 = STRING: from-snmp") {
		t.Fatalf("the start-up cycle's configuration is not in the walk:\n%s", out)
	}
	out, err = peer.Run(t, time.Minute, "", "snmpset", "-v2c", "-c", "private", "-M", mibs, "-m", "+POTSGATE-MIB", agent, "POTSGATE-MIB::pgActionStartUpdate.0", "i", "2")
	if err != nil {
		t.Fatalf("snmpset: %v\n%s", err, out)
	}
	deadline := time.Now().Add(10 * time.Second)
	for fetches.Load() == before && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if fetches.Load() == before {
		t.Fatal("snmpset of pgActionStartUpdate did not run an update cycle")
	}
	// The cycle's result reaches the manager: a download-result trap naming
	// the file's URL.
	url := prov.URL + "/gw.ini"
	peer.WaitFor(t, 10*time.Second, "download-result trap for "+url, func() bool {
		l := traps()
		return strings.Contains(l, downloadTrap) && strings.Contains(l, url)
	})

	// pgActionRestart restarts the gateway in-process: the new agent sends
	// coldStart again and answers; a lock set before stays.
	out, err = peer.Run(t, time.Minute, "", "snmpset", "-v2c", "-c", "private", "-M", mibs, "-m", "+POTSGATE-MIB", agent, "POTSGATE-MIB::pgActionLock.0", "i", "3")
	if err != nil {
		t.Fatalf("snmpset pgActionLock: %v\n%s", err, out)
	}
	out, err = peer.Run(t, time.Minute, "", "snmpset", "-v2c", "-c", "private", "-M", mibs, "-m", "+POTSGATE-MIB", agent, "POTSGATE-MIB::pgActionRestart.0", "i", "2")
	if err != nil || !strings.Contains(out, "restart(2)") {
		t.Fatalf("snmpset pgActionRestart: %v\n%s", err, out)
	}
	peer.WaitFor(t, 10*time.Second, "the restart", func() bool { return g.Restarts() == 1 })
	peer.WaitFor(t, 10*time.Second, "a second coldStart", func() bool { return strings.Count(traps(), coldStart) == 2 })
	out, err = peer.Run(t, time.Minute, "", "snmpget", "-v2c", "-c", "public", "-M", mibs, "-m", "+POTSGATE-MIB", agent, "POTSGATE-MIB::pgConfigVersion.0")
	if err != nil || !strings.Contains(out, "from-snmp") {
		t.Fatalf("the restarted agent: %v\n%s", err, out)
	}
	if got := dialOutcome(t, g, "101"); got != "503" {
		t.Fatalf("call to 101 after restarting locked: %s, want 503", got)
	}
	out, err = peer.Run(t, time.Minute, "", "snmpset", "-v2c", "-c", "private", "-M", mibs, "-m", "+POTSGATE-MIB", agent, "POTSGATE-MIB::pgActionUnlock.0", "i", "2")
	if err != nil {
		t.Fatalf("snmpset pgActionUnlock: %v\n%s", err, out)
	}
	if got := dialOutcome(t, g, "101"); got != "answered" {
		t.Fatalf("call to 101 after unlock: %s", got)
	}
}

// TestCheckSyncRunsAnUpdate: sipsak's check-sync NOTIFY is refused while
// EnableSIPRemoteReset = 0; with 1, from the proxy's address, it runs an
// Automatic Update cycle that the provisioning server sees.
func TestCheckSyncRunsAnUpdate(t *testing.T) {
	peer.Require(t, "sipsak")
	notify, err := os.ReadFile(filepath.Join(peer.SharedDir(t), "peers", "sipsak", "notify_checksync.txt"))
	if err != nil {
		t.Fatal(err)
	}
	for _, enabled := range []bool{false, true} {
		var fetches atomic.Int64
		prov := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			fetches.Add(1)
			fmt.Fprint(w, "SetDefaultOnIniFileProcess = 0\nINIFileVersion = 'v1'\n")
		}))
		ini := string(defaultIni) + fmt.Sprintf("\nIniFileURL = '%s/gw.ini'\n", prov.URL)
		if enabled {
			ini += "EnableSIPRemoteReset = 1\n"
		}
		g := startGateway(t, ini)
		// Let the start-up cycle fetch first, so it cannot pass for the
		// check-sync's cycle.
		for deadline := time.Now().Add(5 * time.Second); fetches.Load() == 0 && time.Now().Before(deadline); {
			time.Sleep(10 * time.Millisecond)
		}
		time.Sleep(100 * time.Millisecond)
		before := fetches.Load()
		if before == 0 {
			t.Fatal("the start-up update cycle did not run")
		}
		dir := t.TempDir()
		f := filepath.Join(dir, "notify.txt")
		if err := os.WriteFile(f, notify, 0o644); err != nil {
			t.Fatal(err)
		}
		out, err := peer.Run(t, 20*time.Second, dir, "sipsak", "-f", f, "-s", "sip:1001@"+g.SIP, "-l", strconv.Itoa(peer.FreeUDPPort(t)), "-v")
		if !enabled {
			if err == nil || !strings.Contains(out, "403") {
				t.Fatalf("check-sync with EnableSIPRemoteReset = 0: %v\n%s", err, out)
			}
			time.Sleep(500 * time.Millisecond)
			if fetches.Load() != before {
				t.Fatal("a refused check-sync ran an update")
			}
		} else {
			if err != nil {
				t.Fatalf("check-sync: %v\n%s", err, out)
			}
			deadline := time.Now().Add(10 * time.Second)
			for fetches.Load() == before && time.Now().Before(deadline) {
				time.Sleep(20 * time.Millisecond)
			}
			if fetches.Load() == before {
				t.Fatal("check-sync did not run an update cycle")
			}
		}
		g.stop()
		prov.Close()
	}
}

// TestPhoneCallsSIPpUAS: a simulated phone dials 200 by DTMF audio; the
// gateway sends the call to its proxy, a SIPp UAS that echoes RTP. The
// phone's tone goes out as RTP and comes back: audio passes both ways.
func TestPhoneCallsSIPpUAS(t *testing.T) {
	peer.Require(t, "sipp")
	sippPort, mediaPort := peer.FreeUDPPort(t), 40000+2*int(time.Now().UnixNano()%2000)
	uas := peer.Start(t, "", "sipp", "-sn", "uas", "-rtp_echo", "-i", "127.0.0.1", "-p", strconv.Itoa(sippPort),
		"-mi", "127.0.0.1", "-mp", strconv.Itoa(mediaPort), "-m", "1", "-nostdin", "-cp", strconv.Itoa(peer.FreeUDPPort(t)))
	time.Sleep(300 * time.Millisecond) // SIPp has no readiness signal on UDP
	g := startGateway(t, "", fmt.Sprintf("ProxyIP = '127.0.0.1:%d'", sippPort))
	ph := dialFromPort1(t, g, "200", uas.Output)
	ph.Say(sine(1000, 2*time.Second))
	time.Sleep(2200 * time.Millisecond)
	heard := ph.Heard()
	if len(heard) < 8000 {
		t.Fatalf("heard only %d samples", len(heard))
	}
	if p1k, p440 := goertzelPower(heard, 1000), goertzelPower(heard, 440); p1k < 100*p440 {
		t.Fatalf("the tone did not come back through SIPp: 1 kHz %.3g, 440 Hz %.3g", p1k, p440)
	}
	ph.HangUp()
}

func goertzelPower(x []int16, f float64) float64 {
	w := 2 * math.Pi * f / 8000
	c := 2 * math.Cos(w)
	var s1, s2 float64
	for _, v := range x {
		s1, s2 = float64(v)+c*s1-s2, s1
	}
	return (s1*s1 + s2*s2 - c*s1*s2) / float64(len(x)*len(x))
}

// TestBaresipThroughSAS: baresip registers to the embedded default's SAS
// as 201 and auto-answers; a simulated phone dials 201 by DTMF. The phone
// hears baresip's 440 Hz, and baresip records the phone's 1 kHz.
func TestBaresipThroughSAS(t *testing.T) {
	peer.Require(t, "baresip")
	peer.Require(t, "sox")
	g := startGateway(t, "")
	st := g.status(t)
	dir := t.TempDir()
	rec := filepath.Join(dir, "rec")
	if err := os.MkdirAll(rec, 0o755); err != nil {
		t.Fatal(err)
	}
	src := filepath.Join(dir, "src_440.wav")
	if out, err := peer.Run(t, time.Minute, dir, "sox", "-n", "-r", "8000", "-b", "16", "-c", "1", src, "synth", "20", "sine", "440", "vol", "0.3"); err != nil {
		t.Fatalf("sox: %v\n%s", err, out)
	}
	b, err := os.ReadFile(filepath.Join(peer.SharedDir(t), "peers", "baresip", "config"))
	if err != nil {
		t.Fatal(err)
	}
	rtpBase := 41000 + 2*int(time.Now().UnixNano()%1000)
	conf := string(b)
	for from, to := range map[string]string{
		"127.0.0.1:5062":                 fmt.Sprintf("127.0.0.1:%d", peer.FreeUDPPort(t)),
		"/tmp/peers/baresip/src_440.wav": src,
		"/tmp/peers/baresip/rec":         rec,
		"127.0.0.1:5555":                 fmt.Sprintf("127.0.0.1:%d", peer.FreeUDPPort(t)),
		"rtp_ports\t\t10000-10100":       fmt.Sprintf("rtp_ports\t\t%d-%d", rtpBase, rtpBase+20),
	} {
		conf = strings.ReplaceAll(conf, from, to)
	}
	if err := os.WriteFile(filepath.Join(dir, "config"), []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
	account := fmt.Sprintf("<sip:201@%s>;regint=60;answermode=auto;audio_codecs=PCMU\n", st.SAS.Addr)
	if err := os.WriteFile(filepath.Join(dir, "accounts"), []byte(account), 0o644); err != nil {
		t.Fatal(err)
	}
	bs := peer.Start(t, dir, "baresip", "-f", dir, "-t", "60")
	deadline := time.Now().Add(15 * time.Second)
	for g.status(t).SAS.Bindings < 1 {
		if time.Now().After(deadline) {
			t.Fatalf("baresip did not register to SAS:\n%s", bs.Output())
		}
		time.Sleep(100 * time.Millisecond)
	}
	ph := dialFromPort1(t, g, "201", bs.Output)
	ph.Say(sine(1000, 3*time.Second))
	time.Sleep(3 * time.Second)
	heard := ph.Heard()
	if p440, p1k := goertzelPower(heard, 440), goertzelPower(heard, 1000); p440 < 100*p1k {
		t.Errorf("the phone does not hear baresip's 440 Hz: 440 Hz %.3g, 1 kHz %.3g", p440, p1k)
	}
	ph.HangUp()
	time.Sleep(1500 * time.Millisecond) // baresip closes its recording at hang-up
	if !recordedTone(t, dir, rec, 1000, 700) {
		t.Fatalf("baresip's recordings hold no 1 kHz from the phone\n%s", bs.Output())
	}
}

// dialFromPort1 has port 101's phone (a person now, not an echo) dial
// number by DTMF and waits until the call is connected; the phone's
// recording starts empty then.
func dialFromPort1(t *testing.T, g *gw, number string, peerOutput func() string) *sim.Phone {
	t.Helper()
	ph := g.Phones[0]
	ph.Echo(false)
	ph.Record(true)
	ph.PickUp()
	ph.Wait(300 * time.Millisecond)
	ph.DialDTMF(number)
	deadline := time.Now().Add(15 * time.Second)
	for g.status(t).Ports[0].State != "connected" {
		if time.Now().After(deadline) {
			t.Fatalf("port 101 never got through to %s: %+v\n%s", number, g.status(t), peerOutput())
		}
		time.Sleep(50 * time.Millisecond)
	}
	ph.Heard()
	return ph
}

// sine is a tone at f Hz, -9 dBm0 or so, lasting d.
func sine(f float64, d time.Duration) []int16 {
	out := make([]int16, int(d.Seconds()*8000))
	for i := range out {
		out[i] = int16(6000 * math.Sin(2*math.Pi*f*float64(i)/8000))
	}
	return out
}

// TestConfigurationErrorAlarm: an Automatic Update that fetches an invalid
// ini raises a configuration-error alarm (on the status page, and as an
// SNMP trap where the agent runs) and leaves the running configuration;
// the next valid file clears it.
func TestConfigurationErrorAlarm(t *testing.T) {
	var good atomic.Bool
	prov := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if good.Load() {
			fmt.Fprint(w, "SetDefaultOnIniFileProcess = 0\nINIFileVersion = 'v2'\n")
			return
		}
		fmt.Fprint(w, "RingOnPeriod = often\n")
	}))
	defer prov.Close()
	g := startGateway(t, string(defaultIni)+fmt.Sprintf("\nIniFileURL = '%s/gw.ini'\n", prov.URL))
	alarmed := func() string {
		for _, a := range g.status(t).Alarms {
			if a.Source == "configuration ini" {
				return a.Text
			}
		}
		return ""
	}
	deadline := time.Now().Add(10 * time.Second)
	for alarmed() == "" {
		if time.Now().After(deadline) {
			t.Fatalf("no configuration-error alarm after the start-up update fetched an invalid ini: %+v", g.status(t).Alarms)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if text := alarmed(); !strings.Contains(text, "RingOnPeriod") {
		t.Errorf("alarm text %q does not name the bad parameter", text)
	}
	if st := g.status(t); len(st.Ports) != 4 || st.Ports[0].State != "idle" {
		t.Errorf("the gateway is not running on its configuration: %+v", st)
	}
	good.Store(true)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := g.Update(ctx); err != nil {
		t.Fatal(err)
	}
	for alarmed() != "" {
		if ctx.Err() != nil {
			t.Fatal("the configuration-error alarm stays after a valid ini was applied")
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestMessageWaitingNotify: with EnableMWI, sipsak sends the gateway the
// voice mail server's message-summary NOTIFY for 102 from the proxy's
// address: the phone's lamp lights, and goes out with "Messages-Waiting:
// no". Without EnableMWI the NOTIFY is refused and nothing lights.
func TestMessageWaitingNotify(t *testing.T) {
	peer.Require(t, "sipsak")
	notify := func(g *gw, waiting string) (string, error) {
		dir := t.TempDir()
		f := filepath.Join(dir, "notify.txt")
		body := "Messages-Waiting: " + waiting + "\r\nMessage-Account: sip:102@127.0.0.1\r\nVoice-Message: 2/0 (0/0)\r\n"
		msg := "NOTIFY sip:102@" + g.SIP + " SIP/2.0\r\nFrom: <sip:vm@127.0.0.1>;tag=mwi1\r\nTo: <sip:102@127.0.0.1>\r\nCall-ID: mwi-" + waiting + "@127.0.0.1\r\nCSeq: 1 NOTIFY\r\nContact: <sip:vm@127.0.0.1:5099>\r\nMax-Forwards: 70\r\nEvent: message-summary\r\nSubscription-State: active\r\nContent-Type: application/simple-message-summary\r\nContent-Length: " + strconv.Itoa(len(body)) + "\r\n\r\n" + body
		if err := os.WriteFile(f, []byte(msg), 0o644); err != nil {
			t.Fatal(err)
		}
		return peer.Run(t, 20*time.Second, dir, "sipsak", "-f", f, "-s", "sip:102@"+g.SIP, "-l", strconv.Itoa(peer.FreeUDPPort(t)), "-v")
	}
	waitMWI := func(g *gw, on bool) {
		t.Helper()
		deadline := time.Now().Add(5 * time.Second)
		for g.Phones[1].MWI() != on {
			if time.Now().After(deadline) {
				t.Fatalf("102's lamp is not %v", on)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	g := startGateway(t, "", "EnableMWI = 1")
	if out, err := notify(g, "yes"); err != nil {
		t.Fatalf("message-summary NOTIFY: %v\n%s", err, out)
	}
	waitMWI(g, true)
	if g.Phones[0].MWI() {
		t.Error("101's lamp lit for 102's voice mail")
	}
	if out, err := notify(g, "no"); err != nil {
		t.Fatalf("message-summary NOTIFY: %v\n%s", err, out)
	}
	waitMWI(g, false)
	g.stop()

	off := startGateway(t, "")
	if out, err := notify(off, "yes"); err == nil || !strings.Contains(out, "489") {
		t.Fatalf("message-summary with EnableMWI = 0: %v\n%s", err, out)
	}
	time.Sleep(300 * time.Millisecond)
	if off.Phones[1].MWI() {
		t.Error("a lamp lit with EnableMWI = 0")
	}
}

// TestCDRsToSyslog: with EnableSyslog and CDRReportLevel 1, a SIPp call to
// the embedded default leaves one end-of-call record at the syslog server.
func TestCDRsToSyslog(t *testing.T) {
	srv, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	port := srv.LocalAddr().(*net.UDPAddr).Port
	g := startGateway(t, "", "EnableSyslog = 1", "SyslogServerIP = 127.0.0.1", fmt.Sprintf("SyslogServerPort = %d", port), "CDRReportLevel = 1")
	if res := runSIPp(t, g.SIP, []string{"101"}, 1, 1, 1, time.Second); res.ok != 1 {
		t.Fatalf("SIPp: %+v", res)
	}
	// The gateway's log goes to the same server: find the record among it.
	buf := make([]byte, 2048)
	srv.SetReadDeadline(time.Now().Add(10 * time.Second))
	var msg string
	for !strings.Contains(msg, " potsgate - CDR - ") {
		n, _, err := srv.ReadFrom(buf)
		if err != nil {
			t.Fatalf("no record at the syslog server: %v", err)
		}
		msg = string(buf[:n])
	}
	if !strings.Contains(msg, "CDR end ") || !strings.Contains(msg, `to="101"`) || !strings.Contains(msg, "port=1 dir=in") || !strings.Contains(msg, "connect=") {
		t.Fatalf("syslog record %q", msg)
	}
}
