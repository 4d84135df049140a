package snmp_test

import (
	"context"
	"errors"
	"net"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/gosnmp/gosnmp"
	"github.com/potsgate/potsgate/snmp"
	"github.com/potsgate/potsgate/snmp/snmptest"
)

const (
	testEngineID = "8001869f04706f74736761746574657374" // 80 01 86 9f 04 "potsgatetest"
	v3User       = "gwuser"
	v3AuthKey    = "authpass123"
	v3PrivKey    = "privpass123"
)

func testConfig() snmp.Config {
	return snmp.Config{
		EngineID:    testEngineID,
		SysName:     "gw1",
		SysContact:  "noc@example.net",
		SysLocation: "lab",
		SNMPUsers: []snmp.User{
			{Name: v3User, AuthKey: v3AuthKey, PrivKey: v3PrivKey, Access: snmp.AccessReadWrite},
			{Name: "sha256user", Auth: snmp.AuthSHA256, AuthKey: v3AuthKey, PrivKey: v3PrivKey},
		},
	}
}

// startAgent serves an agent on a free loopback port until the test ends.
func startAgent(t testing.TB, cfg snmp.Config, dev snmp.Device, opts ...snmp.Option) (*snmp.Agent, *net.UDPAddr) {
	t.Helper()
	conn, err := net.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	a, err := snmp.New(cfg, dev, append(opts, snmp.WithPacketConn(conn))...)
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- a.Serve(context.Background()) }()
	t.Cleanup(func() {
		a.Close()
		if err := <-done; !errors.Is(err, snmp.ErrClosed) {
			t.Errorf("Serve returned %v, want ErrClosed", err)
		}
	})
	return a, conn.LocalAddr().(*net.UDPAddr)
}

func v2Client(t testing.TB, addr *net.UDPAddr, community string) *gosnmp.GoSNMP {
	t.Helper()
	c := &gosnmp.GoSNMP{
		Target: addr.IP.String(), Port: uint16(addr.Port), Community: community,
		Version: gosnmp.Version2c, Timeout: 2 * time.Second, Retries: 0,
	}
	if err := c.Connect(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Conn.Close() })
	return c
}

func v3Client(t testing.TB, addr *net.UDPAddr, user string, auth gosnmp.SnmpV3AuthProtocol) *gosnmp.GoSNMP {
	t.Helper()
	c := &gosnmp.GoSNMP{
		Target: addr.IP.String(), Port: uint16(addr.Port), Version: gosnmp.Version3,
		Timeout: 2 * time.Second, Retries: 0,
		SecurityModel: gosnmp.UserSecurityModel, MsgFlags: gosnmp.AuthPriv,
		SecurityParameters: &gosnmp.UsmSecurityParameters{
			UserName: user, AuthenticationProtocol: auth, AuthenticationPassphrase: v3AuthKey,
			PrivacyProtocol: gosnmp.AES, PrivacyPassphrase: v3PrivKey,
		},
	}
	if err := c.Connect(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Conn.Close() })
	return c
}

func TestV2cGetAndWalk(t *testing.T) {
	_, addr := startAgent(t, testConfig(), snmptest.New())
	c := v2Client(t, addr, "public")
	r, err := c.Get([]string{".1.3.6.1.2.1.1.1.0", ".1.3.6.1.2.1.1.5.0", ".1.3.6.1.2.1.1.9.0", ".1.3.6.1.2.1.1.1.1"})
	if err != nil {
		t.Fatal(err)
	}
	if got := string(r.Variables[0].Value.([]byte)); !strings.HasPrefix(got, "potsgate 0.1.0") {
		t.Errorf("sysDescr = %q", got)
	}
	if got := string(r.Variables[1].Value.([]byte)); got != "gw1" {
		t.Errorf("sysName = %q", got)
	}
	if r.Variables[2].Type != gosnmp.NoSuchObject || r.Variables[3].Type != gosnmp.NoSuchInstance {
		t.Errorf("missing objects: %v %v", r.Variables[2].Type, r.Variables[3].Type)
	}

	walk, err := c.WalkAll(snmp.EnterpriseOID)
	if err != nil {
		t.Fatal(err)
	}
	bulk, err := c.BulkWalkAll(snmp.EnterpriseOID)
	if err != nil {
		t.Fatal(err)
	}
	if len(walk) != len(bulk) || len(walk) < 50 {
		t.Fatalf("walk %d varbinds, bulkwalk %d", len(walk), len(bulk))
	}
	for i := range walk {
		if walk[i].Name != bulk[i].Name {
			t.Fatalf("walk[%d] %s != bulk %s", i, walk[i].Name, bulk[i].Name)
		}
	}
	// 4 ports x 6 columns, alarms, counters, URLs and actions are all there.
	want := map[string]any{
		snmp.EnterpriseOID + ".2.1.2.2.1.2.3": 2,           // pgPortType.3 = fxo
		snmp.EnterpriseOID + ".2.1.2.2.1.5.3": 4,           // pgPortRegState.3 = failed
		snmp.EnterpriseOID + ".2.1.3.1.0":     uint64(120), // pgCallsAttempted
		snmp.EnterpriseOID + ".2.1.4.1.1.2.2": 2,           // pgActiveAlarmType.2 = registrationFailed
		snmp.EnterpriseOID + ".2.1.6.1.0":     1,           // pgActionStartUpdate = idle
	}
	for _, v := range walk {
		if w, ok := want[v.Name]; ok {
			if v.Value != w {
				t.Errorf("%s = %v (%T), want %v", v.Name, v.Value, v.Value, w)
			}
			delete(want, v.Name)
		}
	}
	if len(want) > 0 {
		t.Errorf("walk lacks %v", want)
	}
}

func TestV2cSetCommunities(t *testing.T) {
	dev := snmptest.New()
	_, addr := startAgent(t, testConfig(), dev)
	ro := v2Client(t, addr, "public")
	rw := v2Client(t, addr, "private")
	set := []gosnmp.SnmpPDU{{Name: ".1.3.6.1.2.1.1.6.0", Type: gosnmp.OctetString, Value: "rack 7"}}
	r, err := ro.Set(set)
	if err != nil {
		t.Fatal(err)
	}
	if r.Error != gosnmp.NoAccess {
		t.Errorf("read-only SET error = %v, want noAccess", r.Error)
	}
	r, err = rw.Set(set)
	if err != nil || r.Error != gosnmp.NoError {
		t.Fatalf("SET: %v %v", err, r.Error)
	}
	r, _ = ro.Get([]string{".1.3.6.1.2.1.1.6.0"})
	if got := string(r.Variables[0].Value.([]byte)); got != "rack 7" {
		t.Errorf("sysLocation = %q", got)
	}
	// Read-only object, wrong type, wrong value: nothing is committed.
	for _, tc := range []struct {
		pdus []gosnmp.SnmpPDU
		want gosnmp.SNMPError
		idx  uint8
	}{
		{[]gosnmp.SnmpPDU{{Name: ".1.3.6.1.2.1.1.1.0", Type: gosnmp.OctetString, Value: "x"}}, gosnmp.NotWritable, 1},
		{[]gosnmp.SnmpPDU{set[0], {Name: snmp.EnterpriseOID + ".2.1.6.1.0", Type: gosnmp.OctetString, Value: "go"}}, gosnmp.WrongType, 2},
		{[]gosnmp.SnmpPDU{{Name: snmp.EnterpriseOID + ".2.1.6.1.0", Type: gosnmp.Integer, Value: 7}}, gosnmp.WrongValue, 1},
		{[]gosnmp.SnmpPDU{{Name: ".1.3.6.1.2.1.1.5.1", Type: gosnmp.OctetString, Value: "x"}}, gosnmp.NoCreation, 1},
	} {
		r, err := rw.Set(tc.pdus)
		if err != nil {
			t.Fatal(err)
		}
		if r.Error != tc.want || r.ErrorIndex != tc.idx {
			t.Errorf("SET %v: %v/%d, want %v/%d", tc.pdus[0].Name, r.Error, r.ErrorIndex, tc.want, tc.idx)
		}
	}
	if calls := dev.Calls(); len(calls) != 0 {
		t.Errorf("failed SETs ran actions %v", calls)
	}
	r, err = rw.Set([]gosnmp.SnmpPDU{
		{Name: snmp.EnterpriseOID + ".2.1.5.2.0", Type: gosnmp.OctetString, Value: "http://h/fw.cmp"},
		{Name: snmp.EnterpriseOID + ".2.1.6.3.0", Type: gosnmp.Integer, Value: 2},
		{Name: snmp.EnterpriseOID + ".2.1.6.1.0", Type: gosnmp.Integer, Value: 2},
	})
	if err != nil || r.Error != gosnmp.NoError {
		t.Fatalf("SET actions: %v %v", err, r.Error)
	}
	if got := strings.Join(dev.Calls(), ","); got != "Lock(graceful),StartUpdate" {
		t.Errorf("actions = %s", got)
	}
	if got := dev.AutoUpdateURL(snmp.CmpFileURL); got != "http://h/fw.cmp" {
		t.Errorf("CmpFileURL = %q", got)
	}
}

func TestV3AuthPriv(t *testing.T) {
	dev := snmptest.New()
	a, addr := startAgent(t, testConfig(), dev)
	for _, tc := range []struct {
		user string
		auth gosnmp.SnmpV3AuthProtocol
	}{{v3User, gosnmp.SHA}, {"sha256user", gosnmp.SHA256}} {
		c := v3Client(t, addr, tc.user, tc.auth)
		r, err := c.Get([]string{".1.3.6.1.2.1.1.5.0", ".1.3.6.1.6.3.10.2.1.1.0"})
		if err != nil {
			t.Fatalf("%s: %v", tc.user, err)
		}
		if got := string(r.Variables[0].Value.([]byte)); got != "gw1" {
			t.Errorf("%s: sysName = %q", tc.user, got)
		}
		if got := r.Variables[1].Value.([]byte); string(got) != string(a.EngineID()) {
			t.Errorf("snmpEngineID = %x", got)
		}
	}
	rw := v3Client(t, addr, v3User, gosnmp.SHA)
	r, err := rw.Set([]gosnmp.SnmpPDU{{Name: snmp.EnterpriseOID + ".2.1.6.4.0", Type: gosnmp.Integer, Value: 2}})
	if err != nil || r.Error != gosnmp.NoError {
		t.Fatalf("v3 SET: %v %v", err, r.Error)
	}
	ro := v3Client(t, addr, "sha256user", gosnmp.SHA256)
	r, err = ro.Set([]gosnmp.SnmpPDU{{Name: snmp.EnterpriseOID + ".2.1.6.2.0", Type: gosnmp.Integer, Value: 2}})
	if err != nil {
		t.Fatal(err)
	}
	if r.Error != gosnmp.AuthorizationError {
		t.Errorf("read-only user SET: %v", r.Error)
	}
	if got := strings.Join(dev.Calls(), ","); got != "Unlock" {
		t.Errorf("actions = %s", got)
	}
	// Wrong passphrase: usmStatsWrongDigests report, no answer to the GET.
	bad := v3Client(t, addr, v3User, gosnmp.SHA)
	bad.SecurityParameters.(*gosnmp.UsmSecurityParameters).AuthenticationPassphrase = "wrongpass1"
	if _, err := bad.Get([]string{".1.3.6.1.2.1.1.5.0"}); err == nil {
		t.Error("GET with a wrong auth key succeeded")
	}
	if a.Stats().WrongDigests == 0 {
		t.Error("usmStatsWrongDigests not counted")
	}
	// noAuthNoPriv for an authPriv user is refused.
	weak := v3Client(t, addr, v3User, gosnmp.SHA)
	weak.MsgFlags = gosnmp.NoAuthNoPriv
	if _, err := weak.Get([]string{".1.3.6.1.2.1.1.5.0"}); err == nil {
		t.Error("noAuthNoPriv GET for an authPriv user succeeded")
	}
	if a.Stats().UnsupportedSecLevels == 0 {
		t.Error("usmStatsUnsupportedSecLevels not counted")
	}
}

func TestEngineBootsPersist(t *testing.T) {
	state := filepath.Join(t.TempDir(), "snmp-state.json")
	var ids []string
	for want := uint32(1); want <= 3; want++ {
		a, err := snmp.New(snmp.Config{StateFile: state}, snmptest.New())
		if err != nil {
			t.Fatal(err)
		}
		if a.EngineBoots() != want {
			t.Errorf("boots = %d, want %d", a.EngineBoots(), want)
		}
		ids = append(ids, string(a.EngineID()))
	}
	if ids[0] != ids[1] || ids[1] != ids[2] || len(ids[0]) != 13 {
		t.Errorf("generated engine ID not kept: %x", ids)
	}
	a, err := snmp.New(snmp.Config{StateFile: state, EngineID: testEngineID}, snmptest.New())
	if err != nil {
		t.Fatal(err)
	}
	if a.EngineBoots() != 1 {
		t.Errorf("new engine ID: boots = %d, want 1", a.EngineBoots())
	}
}

func TestConfigErrors(t *testing.T) {
	for name, cfg := range map[string]snmp.Config{
		"max size":     {MaxMessageSize: 100},
		"short key":    {SNMPUsers: []snmp.User{{Name: "u", AuthKey: "short", PrivKey: "longenough"}}},
		"priv no auth": {SNMPUsers: []snmp.User{{Name: "u", Auth: snmp.AuthNone, PrivKey: "longenough"}}},
		"trap user":    {SNMPManagers: []snmp.Manager{{IP: "127.0.0.1", TrapUser: "nobody"}}},
		"trusted":      {SNMPTrustedMgr: []string{"not-an-ip"}},
		"engine id":    {EngineID: "80"},
	} {
		if _, err := snmp.New(cfg, snmptest.New()); !errors.Is(err, snmp.ErrInvalidConfig) {
			t.Errorf("%s: err = %v", name, err)
		}
	}
	a, err := snmp.New(snmp.Config{DisableSNMP: true}, snmptest.New())
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Serve(context.Background()); !errors.Is(err, snmp.ErrDisabled) {
		t.Errorf("disabled Serve: %v", err)
	}
}

func TestServeCloseNoLeak(t *testing.T) {
	before := runtime.NumGoroutine()
	for i := range 3 {
		conn, err := net.ListenPacket("udp4", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		cfg := testConfig()
		cfg.KeepAliveInterval = time.Millisecond
		cfg.SNMPManagers = []snmp.Manager{{IP: "127.0.0.1", TrapPort: 9}}
		a, err := snmp.New(cfg, snmptest.New(), snmp.WithPacketConn(conn))
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() { done <- a.Serve(ctx) }()
		c := v2Client(t, conn.LocalAddr().(*net.UDPAddr), "public")
		if _, err := c.Get([]string{".1.3.6.1.2.1.1.3.0"}); err != nil {
			t.Fatal(err)
		}
		if err := a.Serve(ctx); !errors.Is(err, snmp.ErrServing) {
			t.Errorf("second Serve: %v", err)
		}
		if i%2 == 0 {
			cancel()
			if err := <-done; err != nil {
				t.Errorf("Serve after cancel: %v", err)
			}
			a.Close()
		} else {
			a.Close()
			a.Close() // idempotent
			if err := <-done; !errors.Is(err, snmp.ErrClosed) {
				t.Errorf("Serve after Close: %v", err)
			}
			cancel()
		}
		if err := a.Serve(context.Background()); !errors.Is(err, snmp.ErrClosed) {
			t.Errorf("Serve after Close: %v", err)
		}
		if err := a.AlarmRaised(snmp.Alarm{ID: 1}); !errors.Is(err, snmp.ErrNotServing) {
			t.Errorf("trap after Close: %v", err)
		}
		c.Conn.Close()
		conn.Close()
	}
	deadline := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > before {
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<16)
			t.Fatalf("%d goroutines left (was %d):\n%s", runtime.NumGoroutine(), before, buf[:runtime.Stack(buf, true)])
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestMIBOrder(t *testing.T) {
	a, err := snmp.New(snmp.Config{}, snmptest.New())
	if err != nil {
		t.Fatal(err)
	}
	oids := a.MIBOIDs()
	for i := 1; i < len(oids); i++ {
		if !snmp.OIDLess(oids[i-1], oids[i]) || strings.HasPrefix(oids[i]+".", oids[i-1]+".") {
			t.Errorf("registry order: %s then %s", oids[i-1], oids[i])
		}
	}
}

func TestMaxMessageSize(t *testing.T) {
	cfg := testConfig()
	cfg.MaxMessageSize = 484
	a, addr := startAgent(t, cfg, snmptest.New())
	c := v2Client(t, addr, "public")
	// GETBULK is cut to what fits.
	r, err := c.GetBulk([]string{snmp.EnterpriseOID}, 0, 200)
	if err != nil {
		t.Fatal(err)
	}
	if r.Error != gosnmp.NoError || len(r.Variables) < 5 || len(r.Variables) >= 67 {
		t.Errorf("bulk under 484 bytes: %v, %d varbinds", r.Error, len(r.Variables))
	}
	// A GET whose answer cannot fit gets tooBig.
	var names []string
	for range 30 {
		names = append(names, ".1.3.6.1.2.1.1.1.0") // sysDescr, ~70 bytes each
	}
	c.MaxOids = 100
	r, err = c.Get(names)
	if err != nil {
		t.Fatal(err)
	}
	if r.Error != gosnmp.TooBig || len(r.Variables) != 0 {
		t.Errorf("oversized GET: %v with %d varbinds", r.Error, len(r.Variables))
	}
	// A request longer than the maximum is dropped unanswered.
	for range 60 {
		names = append(names, ".1.3.6.1.2.1.1.1.0")
	}
	c.Timeout = 300 * time.Millisecond
	before := a.Stats().ParseErrors
	if _, err := c.Get(names); err == nil {
		t.Error("oversized request answered")
	}
	if a.Stats().ParseErrors != before+1 {
		t.Error("oversized request not counted")
	}
}
