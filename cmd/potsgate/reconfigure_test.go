package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/potsgate/potsgate/internal/peer"
	"github.com/potsgate/potsgate/sip"
	"github.com/potsgate/potsgate/sip/sdp"
)

// dialOutcome places a call to number at the gateway and returns "answered"
// or the final status code the call ended with.
func dialOutcome(t *testing.T, g *gw, number string) string {
	t.Helper()
	ctx, caller := sipCaller(t)
	c, err := caller.Dial(ctx, sip.Dial{To: number, Host: g.SIP, From: "caller", LocalPort: peer.FreeUDPPort(t)})
	if err != nil {
		t.Fatal(err)
	}
	for ev := range c.Events() {
		switch ev.Kind {
		case sip.EventAnswered:
			_ = c.Hangup(ctx)
			return "answered"
		case sip.EventEnded:
			return fmt.Sprint(ev.Code)
		}
	}
	return "no outcome"
}

// sipCaller is a PCMU user agent that refuses calls to it, serving until
// the test ends (20 s at most).
func sipCaller(t *testing.T) (context.Context, *sip.UA) {
	t.Helper()
	caller, err := sip.Listen(sip.Config{ListenAddr: "127.0.0.1:0", Codecs: []sdp.Format{{PayloadType: 0, Name: "PCMU", ClockRate: 8000}}}, rejectAll{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	t.Cleanup(cancel)
	go caller.Serve(ctx)
	t.Cleanup(func() { caller.Close() })
	return ctx, caller
}

func (g *gw) page(t *testing.T, path string) string {
	t.Helper()
	res, err := http.Get("http://" + g.HTTP + path)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return string(b)
}

// provisionedGateway runs the embedded default with an Automatic Update
// server, once the start-up cycle has applied version v1; update serves an
// ini (kept over the running configuration: SetDefaultOnIniFileProcess = 0)
// as version and runs a cycle.
func provisionedGateway(t *testing.T) (g *gw, update func(ini, version string)) {
	t.Helper()
	var body atomic.Value
	body.Store("SetDefaultOnIniFileProcess = 0\nINIFileVersion = 'v1'\n")
	prov := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, body.Load().(string))
	}))
	t.Cleanup(prov.Close)
	g = startGateway(t, "", fmt.Sprintf("IniFileURL = '%s/gw.ini'", prov.URL))
	peer.WaitFor(t, 10*time.Second, "the start-up cycle", func() bool { return strings.Contains(g.page(t, "/ini"), "'v1'") })
	return g, func(ini, version string) {
		t.Helper()
		body.Store("SetDefaultOnIniFileProcess = 0\nINIFileVersion = '" + version + "'\n" + ini)
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := g.Update(ctx); err != nil {
			t.Fatal(err)
		}
	}
}

// TestAutomaticUpdateReachesRunningGateway: what Automatic Update applies
// takes effect in the running reference gateway. A routing table change
// applies at once, without a restart; a port numbering change (restart
// required) restarts the gateway in-process on the new configuration; a
// file whose restart would fail (a tones file that does not exist) is
// refused whole with a configuration-error alarm, and the gateway goes on
// with what it runs.
func TestAutomaticUpdateReachesRunningGateway(t *testing.T) {
	g, update := provisionedGateway(t)

	if got := dialOutcome(t, g, "555"); got != "404" {
		t.Fatalf("call to 555 before the update: %s, want 404", got)
	}
	// Live: 555 becomes 102 by NumberMapIp2Tel.
	update(`[ NumberMapIp2Tel ]
FORMAT NumberMapIp2Tel_Index = NumberMapIp2Tel_DestinationPrefix, NumberMapIp2Tel_RemoveFromLeft, NumberMapIp2Tel_Prefix2Add;
NumberMapIp2Tel 0 = 555, 3, 102;
[ \NumberMapIp2Tel ]
`, "v2")
	peer.WaitFor(t, 10*time.Second, "v2 applied", func() bool { return strings.Contains(g.page(t, "/ini"), "'v2'") })
	if got := dialOutcome(t, g, "555"); got != "answered" {
		t.Fatalf("call to 555 after the routing update: %s, want answered by port 102", got)
	}
	if n := g.Restarts(); n != 0 {
		t.Fatalf("%d restarts for a change that applies live", n)
	}

	// Restart required: the ports become 201-204.
	update(`[ TrunkGroup ]
FORMAT TrunkGroup_Index = TrunkGroup_TrunkGroupNum, TrunkGroup_FirstBChannel, TrunkGroup_LastBChannel, TrunkGroup_FirstPhoneNumber;
TrunkGroup 0 = 1, 1, 4, 201;
[ \TrunkGroup ]
`, "v3")
	peer.WaitFor(t, 15*time.Second, "the restart", func() bool { return g.Restarts() == 1 })
	peer.WaitFor(t, 10*time.Second, "ports 201-204", func() bool {
		st := g.status(t)
		return len(st.Ports) == 4 && st.Ports[0].Number == "201" && st.Ports[3].Number == "204"
	})
	if got := dialOutcome(t, g, "203"); got != "answered" {
		t.Fatalf("call to 203 after the restart: %s", got)
	}
	if got := dialOutcome(t, g, "555"); got != "404" { // 555 -> 102, no longer a port
		t.Fatalf("call to 555 after renumbering: %s, want 404", got)
	}

	// A restart that would fail: refused whole, alarm, nothing changes.
	update(fmt.Sprintf("CallProgressTonesFilename = '%s'\nRingOnPeriod = 700\n", filepath.Join(t.TempDir(), "missing.cpt")), "v4")
	peer.WaitFor(t, 10*time.Second, "a configuration-error alarm", func() bool {
		for _, a := range g.status(t).Alarms {
			if strings.HasPrefix(a.Source, "configuration") && strings.Contains(a.Text, "missing.cpt") {
				return true
			}
		}
		return false
	})
	if ini := g.page(t, "/ini"); strings.Contains(ini, "'v4'") || strings.Contains(ini, "RingOnPeriod = 700") {
		t.Fatalf("the refused file reached the running configuration:\n%s", ini)
	}
	if n := g.Restarts(); n != 1 {
		t.Fatalf("%d restarts, want still 1", n)
	}
	if got := dialOutcome(t, g, "201"); got != "answered" {
		t.Fatalf("call to 201 after the refused file: %s", got)
	}
}

// TestDownloadedTonesAfterRestart: a call progress tones file from
// CptFileUrl is checked, installed, and played after the restart it takes;
// a malformed one is refused and the installed one stays.
func TestDownloadedTonesAfterRestart(t *testing.T) {
	var cpt atomic.Value
	// Dial tone of 600 Hz only, which no preset uses.
	cpt.Store(`[NUMBER OF CALL PROGRESS TONES]
Number of Call Progress Tones=1
[CALL PROGRESS TONE #0]
Tone Type=1
Tone Form=1
Low Freq [Hz]=600
High Freq [Hz]=0
Low Freq Level [-dBm]=10
High Freq Level [-dBm]=0
First Signal On Time [10msec]=300
First Signal Off Time [10msec]=0
`)
	prov := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, cpt.Load().(string))
	}))
	defer prov.Close()
	state := t.TempDir()
	g := startGatewayIn(t, state, "", fmt.Sprintf("CptFileUrl = '%s/tones.dat'", prov.URL))
	peer.WaitFor(t, 15*time.Second, "the restart after the tones file", func() bool { return g.Restarts() == 1 })
	installed, err := os.ReadFile(filepath.Join(state, "files", "cpt"))
	if err != nil || !strings.Contains(string(installed), "600") {
		t.Fatalf("installed tones file: %v %q", err, installed)
	}
	ph := g.Phones[0]
	ph.Record(true)
	ph.PickUp()
	time.Sleep(500 * time.Millisecond)
	heard := ph.Heard()
	ph.HangUp()
	ph.Record(false)
	if p600, p440 := goertzelPower(heard, 600), goertzelPower(heard, 440); len(heard) < 2000 || p600 < 100*p440 {
		t.Fatalf("dial tone is not the file's 600 Hz: %d samples, 600 Hz %.3g, 440 Hz %.3g", len(heard), p600, p440)
	}

	cpt.Store("[CALL PROGRESS TONE #0]\nTone Type=1\nLow Freq [Hz]=lots\n")
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := g.Update(ctx); err != nil {
		t.Fatal(err)
	}
	time.Sleep(time.Second) // the cycle runs; nothing may change
	if n := g.Restarts(); n != 1 {
		t.Fatalf("%d restarts after a malformed tones file", n)
	}
	if now, _ := os.ReadFile(filepath.Join(state, "files", "cpt")); string(now) != string(installed) {
		t.Fatalf("a malformed tones file replaced the installed one:\n%s", now)
	}
}

// TestSavedConfigurationAtNextStart: with a state directory, what Automatic
// Update applied is saved and the next start runs on it, as a device boots
// on its flash, even with the provisioning server gone; once the -config
// file is edited (newer than the saved one), the file wins.
func TestSavedConfigurationAtNextStart(t *testing.T) {
	prov := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, "SetDefaultOnIniFileProcess = 0\nINIFileVersion = 'downloaded'\nRingOnPeriod = 800\n")
	}))
	state := t.TempDir()
	g := startGatewayIn(t, state, "", fmt.Sprintf("IniFileURL = '%s/gw.ini'", prov.URL))
	peer.WaitFor(t, 10*time.Second, "the download applied", func() bool { return strings.Contains(g.page(t, "/ini"), "'downloaded'") })
	g.stop()
	prov.Close()
	saved, err := os.Stat(filepath.Join(state, "running.ini"))
	if err != nil || saved.Mode().Perm() != 0o600 {
		t.Fatalf("saved configuration: %v %v", err, saved)
	}
	old := time.Now().Add(-time.Hour)
	if err := os.Chtimes(g.path, old, old); err != nil {
		t.Fatal(err)
	}
	again := &gw{rtpBase: g.rtpBase, rtpCount: g.rtpCount, path: g.path}
	again.runAt(t, g.path, state)
	if ini := again.page(t, "/ini"); !strings.Contains(ini, "'downloaded'") || !strings.Contains(ini, "RingOnPeriod = 800") {
		t.Fatalf("the restarted gateway does not run on the saved configuration:\n%s", ini)
	}
	again.stop()

	edited := time.Now().Add(time.Hour)
	if err := os.Chtimes(g.path, edited, edited); err != nil {
		t.Fatal(err)
	}
	third := &gw{rtpBase: g.rtpBase, rtpCount: g.rtpCount, path: g.path}
	third.runAt(t, g.path, state)
	if ini := third.page(t, "/ini"); strings.Contains(ini, "'downloaded'") {
		t.Fatalf("an edited -config file did not win over the saved configuration:\n%s", ini)
	}
}

// TestLogToSyslog: with EnableSyslog the gateway's log goes to the syslog
// server as RFC 5424 messages; GWDebugLevel = 1 lets debug messages (here
// the routing of a call nothing routes) through.
func TestLogToSyslog(t *testing.T) {
	srv, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	port := srv.LocalAddr().(*net.UDPAddr).Port
	g := startGateway(t, "", "EnableSyslog = 1", "SyslogServerIP = 127.0.0.1", fmt.Sprintf("SyslogServerPort = %d", port), "GWDebugLevel = 1")
	if got := dialOutcome(t, g, "555"); got != "404" {
		t.Fatalf("call to 555: %s", got)
	}
	var running, debug bool
	buf := make([]byte, 4096)
	deadline := time.Now().Add(10 * time.Second)
	for !(running && debug) {
		_ = srv.SetReadDeadline(deadline)
		n, _, err := srv.ReadFrom(buf)
		if err != nil {
			t.Fatalf("syslog: gateway running %v, debug route %v: %v", running, debug, err)
		}
		msg := string(buf[:n])
		running = running || strings.HasPrefix(msg, "<134>1 ") && strings.Contains(msg, `msg="gateway running"`)
		debug = debug || strings.HasPrefix(msg, "<135>1 ") && strings.Contains(msg, `msg="ip-to-tel: no route" to=555`)
	}
}

// TestRestartFallsBackWhenTheNewConfigurationCannotStart: a restart whose
// configuration passes the checks but cannot start (its SIP port is taken,
// known only once the running gateway has let go of its own) comes back on
// the configuration that ran, with a configuration-error alarm.
func TestRestartFallsBackWhenTheNewConfigurationCannotStart(t *testing.T) {
	taken, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer taken.Close()
	takenPort := taken.LocalAddr().(*net.UDPAddr).Port
	g, update := provisionedGateway(t)
	update(fmt.Sprintf("LocalSIPPort = %d\n", takenPort), "v2")
	peer.WaitFor(t, 15*time.Second, "the restart", func() bool { return g.Restarts() == 1 })
	peer.WaitFor(t, 10*time.Second, "the restart's configuration-error alarm", func() bool {
		for _, a := range g.status(t).Alarms {
			if a.Source == "configuration restart" {
				return true
			}
		}
		return false
	})
	if st := g.status(t); st.SIP != g.SIP {
		t.Fatalf("SIP on %s after the fallback, want %s", st.SIP, g.SIP)
	}
	if ini := g.page(t, "/ini"); strings.Contains(ini, "'v2'") {
		t.Fatalf("the configuration that could not start is still the running one:\n%s", ini)
	}
	if got := dialOutcome(t, g, "101"); got != "answered" {
		t.Fatalf("call to 101 after the fallback: %s", got)
	}
}

// TestStartFailsCleanlyWhenTheSIPPortIsTaken: a second gateway on the same
// SIP port (two `go run ./cmd/potsgate`, say) stops with an error naming
// the problem.
func TestStartFailsCleanlyWhenTheSIPPortIsTaken(t *testing.T) {
	taken, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer taken.Close()
	path := filepath.Join(t.TempDir(), "gw.ini")
	ini := string(defaultIni) + fmt.Sprintf("\nLocalSIPPort = %d\nSASLocalSIPUDPPort = %d\n", taken.LocalAddr().(*net.UDPAddr).Port, peer.FreeUDPPort(t))
	if err := os.WriteFile(path, []byte(ini), 0o600); err != nil {
		t.Fatal(err)
	}
	err = runGateway(t.Context(), gatewayFlags{config: path, tones: "us", state: t.TempDir()}, slog.New(slog.DiscardHandler), nil)
	if err == nil || !strings.Contains(err.Error(), "address already in use") {
		t.Fatalf("runGateway = %v, want the port in use", err)
	}
}
