package sas

import (
	"encoding/csv"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/potsgate/potsgate/internal/peer"
)

// sipp runs SIPp to completion from port (0 = any) against target.
func sipp(t *testing.T, timeout time.Duration, port int, target string, args ...string) (string, error) {
	t.Helper()
	td, _ := filepath.Abs("testdata")
	base := []string{"-i", "127.0.0.1", "-mi", "127.0.0.1", "-cp", strconv.Itoa(peer.FreeUDPPort(t)), "-nostdin", "-timeout", "20s", "-timeout_error"}
	if port != 0 {
		base = append(base, "-p", strconv.Itoa(port))
	}
	return peer.Run(t, timeout, td, "sipp", append(append(base, args...), target)...)
}

// sippUAS starts a SIPp UAS (answers every call) on port until the test ends.
func sippUAS(t *testing.T, port int) *peer.Process {
	t.Helper()
	return peer.Start(t, "", "sipp", "-sn", "uas", "-i", "127.0.0.1", "-mi", "127.0.0.1", "-p", strconv.Itoa(port),
		"-cp", strconv.Itoa(peer.FreeUDPPort(t)), "-nostdin")
}

func waitState(t *testing.T, s *Service, want State, within time.Duration) time.Duration {
	t.Helper()
	start := time.Now()
	for s.State() != want {
		if time.Since(start) > within {
			t.Fatalf("state %v after %v, want %v", s.State(), within, want)
		}
		time.Sleep(20 * time.Millisecond)
	}
	return time.Since(start)
}

func bindingUsers(s *Service) map[string]string {
	m := map[string]string{}
	for _, b := range s.Bindings() {
		m[b.AOR] = b.Contact
	}
	return m
}

// TestKamailioSurvivability is the first "must show": phones
// register through SAS to kamailio, call through it, keep calling when it
// stops, and SAS returns to normal when it is back, bindings intact.
func TestKamailioSurvivability(t *testing.T) {
	peer.Require(t, "sipp")
	k := peer.NewKamailio(t)
	k.Start()

	gwPort := peer.FreeUDPPort(t)
	sippUAS(t, gwPort)
	var changes []string
	cfg := Config{
		SASProxySet:         []string{k.Addr},
		SASDefaultGatewayIP: "127.0.0.1:" + strconv.Itoa(gwPort),
		SASEmergencyNumbers: []string{"911"},
		KeepAliveInterval:   500 * time.Millisecond,
		KeepAliveTimeout:    400 * time.Millisecond,
		KeepAliveFailures:   2,
	}
	var changesMu sync.Mutex // the hook runs on the service's goroutine
	s, sasAddr := startService(t, cfg, WithStateHook(func(from, to State) {
		changesMu.Lock()
		changes = append(changes, to.String())
		changesMu.Unlock()
	}))
	waitProbe(t, s)

	portA, portB := peer.FreeUDPPort(t), peer.FreeUDPPort(t)
	reg := func(user string, port int) {
		t.Helper()
		out, err := sipp(t, 30*time.Second, port, sasAddr, "-sf", "reg_auth.xml", "-s", user, "-au", user, "-ap", "secret"+user, "-m", "1")
		if err != nil {
			t.Fatalf("register %s: %v\n%s", user, err, out)
		}
	}
	reg("1001", portA)
	reg("1002", portB)
	b := bindingUsers(s)
	if b["1001"] != fmt.Sprintf("sip:1001@127.0.0.1:%d", portA) || b["1002"] != fmt.Sprintf("sip:1002@127.0.0.1:%d", portB) {
		t.Fatalf("bindings after relayed REGISTER: %v", b)
	}
	if n := k.Requests("REGISTER"); n < 4 {
		t.Fatalf("kamailio saw %d REGISTERs, want 4 (two challenged)", n)
	}
	sippUAS(t, portB) // phone B answers calls from now on

	// Normal state: phone to phone through kamailio (407 challenge, then call).
	invBefore := k.Requests("INVITE")
	out, err := sipp(t, 40*time.Second, portA, sasAddr, "-sf", "uac_auth_call.xml", "-s", "1002", "-au", "1001", "-ap", "secret1001", "-key", "caller", "1001", "-m", "1")
	if err != nil {
		t.Fatalf("call via kamailio: %v\n%s", err, out)
	}
	if n := k.Requests("INVITE") - invBefore; n < 2 {
		t.Fatalf("kamailio saw %d INVITEs for the call, want 2", n)
	}
	if st := s.Stats(); st.ToProxy < 2 || st.ToBinding != 0 {
		t.Fatalf("normal-state routing stats %+v", st)
	}

	// kamailio stops: emergency within the keep-alive period.
	k.Stop()
	took := waitState(t, s, StateEmergency, 5*time.Second)
	limit := time.Duration(cfg.KeepAliveFailures)*cfg.KeepAliveInterval + cfg.KeepAliveTimeout + 500*time.Millisecond
	t.Logf("emergency state %v after kamailio stopped (limit %v)", took, limit)
	if took > limit {
		t.Fatalf("emergency after %v, want <= %v", took, limit)
	}
	if b2 := bindingUsers(s); len(b2) != 2 || b2["1001"] != b["1001"] || b2["1002"] != b["1002"] {
		t.Fatalf("bindings lost entering emergency: %v", b2)
	}
	st0 := s.Stats()
	out, err = sipp(t, 30*time.Second, portA, sasAddr, "-sn", "uac", "-s", "1002", "-m", "1")
	if err != nil {
		t.Fatalf("emergency phone-to-phone call: %v\n%s", err, out)
	}
	out, err = sipp(t, 30*time.Second, portA, sasAddr, "-sn", "uac", "-s", "101", "-m", "1")
	if err != nil {
		t.Fatalf("emergency call to analog port 101: %v\n%s", err, out)
	}
	st1 := s.Stats()
	if st1.ToBinding-st0.ToBinding < 1 || st1.ToGateway-st0.ToGateway < 1 || st1.ToProxy != st0.ToProxy {
		t.Fatalf("emergency routing: before %+v after %+v", st0, st1)
	}

	// kamailio back: normal again, bindings intact.
	k.Start()
	took = waitState(t, s, StateNormal, 5*time.Second)
	t.Logf("normal state %v after kamailio restarted", took)
	if b3 := bindingUsers(s); len(b3) != 2 || b3["1001"] != b["1001"] || b3["1002"] != b["1002"] {
		t.Fatalf("bindings lost returning to normal: %v", b3)
	}
	// the restarted kamailio has no bindings until the phones refresh;
	// their refreshes are relayed again
	relayed := s.Stats().RegisterRelayed
	reg("1001", portA)
	if s.Stats().RegisterRelayed < relayed+2 {
		t.Fatalf("REGISTER not relayed after return to normal: %+v", s.Stats())
	}
	changesMu.Lock()
	got := fmt.Sprint(changes)
	changesMu.Unlock()
	if got != "[emergency normal]" {
		t.Fatalf("state changes %v", got)
	}
}

// TestSIPpThousandRegistrations: 1,000 REGISTERs at 100/s all succeed,
// and their bindings (Expires: 600) expire on time, by an injected clock.
func TestSIPpThousandRegistrations(t *testing.T) {
	peer.Require(t, "sipp")
	var clockMu sync.Mutex
	clock := time.Unix(100000, 0)
	now := func() time.Time { clockMu.Lock(); defer clockMu.Unlock(); return clock }
	advance := func(d time.Duration) { clockMu.Lock(); clock = clock.Add(d); clockMu.Unlock() }
	s, sasAddr := startService(t, Config{}, WithClock(now))
	stat := filepath.Join(t.TempDir(), "stat.csv")
	start := time.Now()
	out, err := sipp(t, 60*time.Second, 0, sasAddr, "-sf", "reg_many.xml", "-r", "100", "-rp", "1000", "-m", "1000", "-l", "200", "-trace_stat", "-stf", stat, "-fd", "1")
	if err != nil {
		t.Fatalf("sipp: %v\n%s", err, out)
	}
	ok, failed := sippStats(t, stat)
	t.Logf("1000 registrations at 100/s: %d ok, %d failed in %v", ok, failed, time.Since(start).Round(time.Millisecond))
	if ok != 1000 || failed != 0 {
		t.Fatalf("successful %d failed %d", ok, failed)
	}
	if n := len(s.Bindings()); n != 1000 {
		t.Fatalf("%d bindings, want 1000", n)
	}
	advance(599 * time.Second)
	if n := len(s.Bindings()); n != 1000 {
		t.Fatalf("%d bindings 599 s after registering for 600 s, want 1000", n)
	}
	advance(time.Second)
	peer.WaitFor(t, 5*time.Second, "the 1000 bindings to expire at 600 s", func() bool { return len(s.Bindings()) == 0 })
}

// sippStats reads the last SuccessfulCall(C) and FailedCall(C) of a SIPp
// statistics file.
func sippStats(t *testing.T, path string) (ok, failed int) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r := csv.NewReader(f)
	r.Comma = ';'
	r.FieldsPerRecord = -1
	rows, err := r.ReadAll()
	if err != nil || len(rows) < 2 {
		t.Fatalf("stat file: %v (%d rows)", err, len(rows))
	}
	col := func(name string) int {
		for i, h := range rows[0] {
			if h == name {
				v, _ := strconv.Atoi(rows[len(rows)-1][i])
				return v
			}
		}
		t.Fatalf("no column %s", name)
		return 0
	}
	return col("SuccessfulCall(C)"), col("FailedCall(C)")
}
