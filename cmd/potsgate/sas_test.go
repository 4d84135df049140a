package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/potsgate/potsgate/internal/peer"
	"github.com/potsgate/potsgate/telephony/gateway"
)

// sasScenarios holds the SIPp phones' scenarios (REGISTER and call with
// digest), shared with sip/sas's own kamailio test.
const sasScenarios = "../../sip/sas/testdata"

// sippPhone runs SIPp to completion as a phone on UDP port (the same port
// each time, so it keeps its binding) against target, from the SAS
// scenarios folder.
func sippPhone(t *testing.T, port int, target string, args ...string) (string, error) {
	t.Helper()
	dir, err := filepath.Abs(sasScenarios)
	if err != nil {
		t.Fatal(err)
	}
	base := []string{"-i", "127.0.0.1", "-mi", "127.0.0.1", "-p", strconv.Itoa(port), "-cp", strconv.Itoa(peer.FreeUDPPort(t)),
		"-nostdin", "-timeout", "20s", "-timeout_error"}
	return peer.Run(t, 40*time.Second, dir, "sipp", append(append(base, args...), target)...)
}

// sippAnswering runs SIPp's built-in UAS on port until stopped or the test
// ends: the phone registered from that port answers its calls.
func sippAnswering(t *testing.T, port int) *peer.Process {
	t.Helper()
	return peer.Start(t, "", "sipp", "-sn", "uas", "-i", "127.0.0.1", "-mi", "127.0.0.1", "-p", strconv.Itoa(port),
		"-cp", strconv.Itoa(peer.FreeUDPPort(t)), "-nostdin")
}

// toneCallScenario writes testdata/uac_echo.xml for one call that streams
// a 1 kHz tone for hold, and returns its path and the injection file
// naming number.
func toneCallScenario(t *testing.T, number string, hold time.Duration) (scenario, inf string) {
	t.Helper()
	dir := t.TempDir()
	tone := filepath.Join(dir, "tone.ul")
	if out, err := peer.Run(t, time.Minute, dir, "sox", "-n", "-r", "8000", "-c", "1", "-e", "u-law", "-t", "raw", tone,
		"synth", fmt.Sprintf("%.2f", hold.Seconds()), "sine", "1000", "vol", "0.5"); err != nil {
		t.Fatalf("sox: %v\n%s", err, out)
	}
	b, err := os.ReadFile("testdata/uac_echo.xml")
	if err != nil {
		t.Fatal(err)
	}
	s := strings.ReplaceAll(string(b), "TONEFILE", tone)
	s = strings.ReplaceAll(s, "PAUSEMS", strconv.Itoa(int(hold.Milliseconds())+200))
	scenario, inf = filepath.Join(dir, "uac_tone.xml"), filepath.Join(dir, "number.csv")
	if err := os.WriteFile(scenario, []byte(s), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(inf, []byte("SEQUENTIAL\n"+number+";\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	return scenario, inf
}

// TestSurvivabilityOfRunningGateway is the "must show" on the
// reference gateway: kamailio is the real upstream proxy of the SAS that
// cmd/potsgate runs, two SIPp phones register through that SAS and call
// each other through kamailio. kamailio stops: within the keep-alive
// period SAS enters emergency state, a phone-to-phone call succeeds, and
// so does a call to analog port 101, answered by its simulated phone.
// kamailio starts again: SAS returns to normal. Both phones' bindings
// outlive the two transitions.
//
// SAS probes its proxy set every ProxyKeepAliveTime (EnableProxyKeepAlive
// = 1), 5 s here, and enters emergency after 3 unanswered probes.
func TestSurvivabilityOfRunningGateway(t *testing.T) {
	peer.Require(t, "sipp")
	peer.Require(t, "sox")
	k := peer.NewKamailio(t)
	k.Start()
	g := startGateway(t, "", "SASProxySet = '"+k.Addr+"'", "SASSurvivabilityMode = 0",
		"EnableProxyKeepAlive = 1", "ProxyKeepAliveTime = 5") // SAS probes kamailio every 5 s
	reg, err := gateway.NewRegistry()
	if err != nil {
		t.Fatal(err)
	}
	cfg, _, err := loadConfig(reg, g.path)
	if err != nil {
		t.Fatal(err)
	}
	// The keep-alive SAS runs with: the limits below follow it.
	sc := gateway.SASConfig(cfg).WithDefaults()
	if !sc.EnableSAS || len(sc.SASProxySet) != 1 || sc.SASProxySet[0] != k.Addr {
		t.Fatalf("SAS configuration %+v", sc)
	}
	tick := max(min(sc.KeepAliveInterval/4, time.Second), 10*time.Millisecond) // how late a due probe may start
	toEmergency := time.Duration(sc.KeepAliveFailures)*(sc.KeepAliveInterval+tick) + sc.KeepAliveTimeout + 2*time.Second
	toNormal := sc.KeepAliveInterval + tick + sc.KeepAliveTimeout + 2*time.Second
	t.Logf("SAS keep-alive: OPTIONS every %v, timeout %v, emergency after %d failures: emergency within %v, normal within %v",
		sc.KeepAliveInterval, sc.KeepAliveTimeout, sc.KeepAliveFailures, toEmergency, toNormal)

	st := g.status(t)
	if st.SAS == nil {
		t.Fatalf("SAS not running: %+v", st)
	}
	sasAddr := st.SAS.Addr
	sasState := func() string { return g.status(t).SAS.State }
	// sasBindings counts the bindings, and checks they are the two phones'
	// with their contacts unchanged.
	contacts := map[string]string{}
	sasBindings := func() int {
		t.Helper()
		list := g.status(t).SAS.BindingList
		for _, b := range list {
			if c, seen := contacts[b.AOR]; seen && c != b.Contact {
				t.Fatalf("binding of %s changed: %s -> %s", b.AOR, c, b.Contact)
			}
			contacts[b.AOR] = b.Contact
		}
		return len(list)
	}
	routed := func() map[string]uint64 { return g.status(t).SAS.Routed }
	established := func() int64 { return g.status(t).Counters["established"] }
	if s := sasState(); s != "normal" {
		t.Fatalf("SAS state %s at start with kamailio answering, want normal", s)
	}

	// Two phones register through SAS; kamailio challenges and binds them.
	portA, portB := peer.FreeUDPPort(t), peer.FreeUDPPort(t)
	register := func(user string, port int) {
		t.Helper()
		out, err := sippPhone(t, port, sasAddr, "-sf", "reg_auth.xml", "-s", user, "-au", user, "-ap", "secret"+user, "-m", "1")
		if err != nil {
			t.Fatalf("register %s through SAS: %v\n%s", user, err, out)
		}
	}
	register("1001", portA)
	register("1002", portB)
	if n := sasBindings(); n != 2 {
		t.Fatalf("SAS has %d bindings after the two relayed REGISTERs, want 2", n)
	}
	if n := k.Requests("REGISTER"); n < 4 {
		t.Fatalf("kamailio saw %d REGISTERs, want 4 (two challenged)", n)
	}
	if b := k.Bindings(t); !strings.Contains(b, "1001") || !strings.Contains(b, "1002") {
		t.Fatalf("kamailio's bindings lack a phone:\n%s", b)
	}
	answerB := sippAnswering(t, portB) // phone B answers calls from now on

	// Normal state: phone to phone through kamailio (407, then the call),
	// not through the gateway's ports.
	call := func(what string, args ...string) {
		t.Helper()
		if out, err := sippPhone(t, portA, sasAddr, args...); err != nil {
			t.Fatalf("%s: %v\n%s", what, err, out)
		}
	}
	authCall := []string{"-sf", "uac_auth_call.xml", "-s", "1002", "-au", "1001", "-ap", "secret1001", "-key", "caller", "1001", "-m", "1"}
	inv, est := k.Requests("INVITE"), established()
	call("phone-to-phone call through kamailio", authCall...)
	if n := k.Requests("INVITE") - inv; n < 2 {
		t.Fatalf("kamailio saw %d INVITEs for the call, want 2 (one challenged)", n)
	}
	if e := established(); e != est {
		t.Fatalf("the phone-to-phone call reached an analog port (established %d -> %d)", est, e)
	}

	// kamailio stops once it has answered a keep-alive, so SAS counts its
	// failed probes from zero (SAS's first OPTIONS at start is sometimes
	// never sent, and counted as failed): emergency state within the
	// keep-alive period.
	peer.WaitFor(t, toNormal, "SAS's keep-alive OPTIONS at kamailio", func() bool {
		return strings.Contains(k.Proc.Output(), "REQ OPTIONS sip:"+k.Addr+" from sip:sas@")
	})
	k.Stop()
	stopped := time.Now()
	peer.WaitFor(t, toEmergency+5*time.Second, "SAS emergency state", func() bool { return sasState() == "emergency" })
	took := time.Since(stopped)
	t.Logf("emergency state %v after kamailio stopped (limit %v)", took.Round(time.Millisecond), toEmergency)
	if took > toEmergency {
		t.Fatalf("emergency state after %v, want within %v", took, toEmergency)
	}
	if n := sasBindings(); n != 2 {
		t.Fatalf("SAS has %d bindings in emergency state, want 2", n)
	}

	// A new phone-to-phone call: SAS routes it to phone B's binding itself.
	before := routed()
	est = established()
	call("phone-to-phone call in emergency state", "-sn", "uac", "-s", "1002", "-m", "1")
	if e := established(); e != est {
		t.Fatalf("the phone-to-phone call reached an analog port (established %d -> %d)", est, e)
	}

	// A call to analog port 101: SAS sends it to the gateway, whose
	// simulated phone rings, answers and hears the caller's tone.
	ph := g.Phones[0]
	rings := len(ph.RingChanges())
	ph.Record(true)
	defer ph.Record(false)
	ph.Heard()
	est = established()
	scenario, inf := toneCallScenario(t, "101", 2*time.Second)
	call("call to analog port 101 in emergency state", "-sf", scenario, "-inf", inf, "-m", "1")
	if e := established(); e != est+1 {
		t.Fatalf("established %d -> %d for the call to port 101, want one more", est, e)
	}
	if len(ph.RingChanges()) == rings {
		t.Fatal("port 101's phone never rang")
	}
	if after := routed(); after["binding"] <= before["binding"] || after["gateway"] <= before["gateway"] || after["proxy"] != before["proxy"] {
		t.Fatalf("emergency routing: before %v, after %v (want binding and gateway up, proxy unchanged)", before, after)
	}
	heard := ph.Heard()
	if p1k, p440 := goertzelPower(heard, 1000), goertzelPower(heard, 440); len(heard) < 8000 || p1k < 100*p440 {
		t.Fatalf("port 101's phone did not hear the caller's 1 kHz: %d samples, 1 kHz %.3g, 440 Hz %.3g", len(heard), p1k, p440)
	}

	// kamailio back: normal state again, the bindings still there.
	k.Start()
	restarted := time.Now()
	peer.WaitFor(t, toNormal+5*time.Second, "SAS normal state", func() bool { return sasState() == "normal" })
	took = time.Since(restarted)
	t.Logf("normal state %v after kamailio answered again (limit %v)", took.Round(time.Millisecond), toNormal)
	if took > toNormal {
		t.Fatalf("normal state after %v, want within %v", took, toNormal)
	}
	if n := sasBindings(); n != 2 {
		t.Fatalf("SAS has %d bindings back in normal state, want 2", n)
	}

	// The restarted kamailio knows no one until the phones refresh their
	// registrations, relayed by SAS again; then they call through it.
	answerB.Stop()
	register("1001", portA)
	register("1002", portB)
	sippAnswering(t, portB)
	if b := k.Bindings(t); !strings.Contains(b, "1001") || !strings.Contains(b, "1002") {
		t.Fatalf("the refreshed registrations did not reach kamailio:\n%s", b)
	}
	inv = k.Requests("INVITE")
	call("phone-to-phone call through the restarted kamailio", authCall...)
	if n := k.Requests("INVITE") - inv; n < 2 {
		t.Fatalf("the restarted kamailio saw %d INVITEs for the call, want 2", n)
	}
	if n := sasBindings(); n != 2 {
		t.Fatalf("SAS has %d bindings at the end, want 2", n)
	}
}
