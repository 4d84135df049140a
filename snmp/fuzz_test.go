package snmp_test

import (
	"context"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/gosnmp/gosnmp"
	"github.com/potsgate/potsgate/snmp"
	"github.com/potsgate/potsgate/snmp/snmptest"
)

var fuzzFrom = &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 40000}

// fuzzConfig has a user of every kind so every USM path is reachable.
func fuzzConfig() snmp.Config {
	cfg := testConfig()
	cfg.SNMPUsers = append(cfg.SNMPUsers,
		snmp.User{Name: "md5des", Auth: snmp.AuthMD5, AuthKey: v3AuthKey, Priv: snmp.PrivDES, PrivKey: v3PrivKey, Access: snmp.AccessReadWrite},
		snmp.User{Name: "authonly", AuthKey: v3AuthKey, Priv: snmp.PrivNone},
		snmp.User{Name: "noauth", Auth: snmp.AuthNone, Priv: snmp.PrivNone},
	)
	return cfg
}

// seedMessages are valid requests of every kind, the fuzz corpus seeds.
func seedMessages(t testing.TB) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	v2 := &gosnmp.GoSNMP{Version: gosnmp.Version2c, Community: "private"}
	add := func(name string, b []byte, err error) {
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		out[name] = b
	}
	sysName := []gosnmp.SnmpPDU{{Name: ".1.3.6.1.2.1.1.5.0", Type: gosnmp.Null}}
	b, err := v2.SnmpEncodePacket(gosnmp.GetRequest, sysName, 0, 0)
	add("v2c-get", b, err)
	b, err = v2.SnmpEncodePacket(gosnmp.GetNextRequest, []gosnmp.SnmpPDU{{Name: snmp.EnterpriseOID, Type: gosnmp.Null}}, 0, 0)
	add("v2c-getnext", b, err)
	b, err = v2.SnmpEncodePacket(gosnmp.GetBulkRequest, []gosnmp.SnmpPDU{{Name: ".1.3.6.1.2.1.1", Type: gosnmp.Null}, {Name: snmp.EnterpriseOID, Type: gosnmp.Null}}, 1, 50)
	add("v2c-getbulk", b, err)
	b, err = v2.SnmpEncodePacket(gosnmp.SetRequest, []gosnmp.SnmpPDU{
		{Name: ".1.3.6.1.2.1.1.6.0", Type: gosnmp.OctetString, Value: "lab"},
		{Name: snmp.EnterpriseOID + ".2.1.6.3.0", Type: gosnmp.Integer, Value: 1},
	}, 0, 0)
	add("v2c-set", b, err)
	disc := &gosnmp.GoSNMP{Version: gosnmp.Version3, SecurityModel: gosnmp.UserSecurityModel, MsgFlags: gosnmp.NoAuthNoPriv,
		SecurityParameters: &gosnmp.UsmSecurityParameters{UserName: "noauth"}}
	b, err = disc.SnmpEncodePacket(gosnmp.GetRequest, nil, 0, 0)
	add("v3-noauth-empty", b, err)
	id := string(mustHex(testEngineID))
	for _, u := range []struct {
		name  string
		flags gosnmp.SnmpV3MsgFlags
		auth  gosnmp.SnmpV3AuthProtocol
		priv  gosnmp.SnmpV3PrivProtocol
	}{
		{v3User, gosnmp.AuthPriv, gosnmp.SHA, gosnmp.AES},
		{"sha256user", gosnmp.AuthPriv, gosnmp.SHA256, gosnmp.AES},
		{"md5des", gosnmp.AuthPriv, gosnmp.MD5, gosnmp.DES},
		{"authonly", gosnmp.AuthNoPriv, gosnmp.SHA, gosnmp.NoPriv},
		{"noauth", gosnmp.NoAuthNoPriv, gosnmp.NoAuth, gosnmp.NoPriv},
	} {
		sp := &gosnmp.UsmSecurityParameters{
			UserName: u.name, AuthoritativeEngineID: id, AuthoritativeEngineBoots: 1,
			AuthenticationProtocol: u.auth, AuthenticationPassphrase: v3AuthKey,
			PrivacyProtocol: u.priv, PrivacyPassphrase: v3PrivKey,
		}
		if err := sp.InitSecurityKeys(); err != nil {
			t.Fatal(err)
		}
		c := &gosnmp.GoSNMP{Version: gosnmp.Version3, SecurityModel: gosnmp.UserSecurityModel, MsgFlags: u.flags, SecurityParameters: sp}
		b, err := c.SnmpEncodePacket(gosnmp.GetBulkRequest, []gosnmp.SnmpPDU{{Name: ".1.3.6.1.2.1.1", Type: gosnmp.Null}}, 0, 10)
		add("v3-bulk-"+u.name, b, err)
		b, err = c.SnmpEncodePacket(gosnmp.SetRequest, []gosnmp.SnmpPDU{{Name: ".1.3.6.1.2.1.1.4.0", Type: gosnmp.OctetString, Value: "x"}}, 0, 0)
		add("v3-set-"+u.name, b, err)
	}
	return out
}

func mustHex(s string) []byte {
	b := make([]byte, len(s)/2)
	for i := range b {
		fmt.Sscanf(s[2*i:2*i+2], "%02x", &b[i])
	}
	return b
}

// TestWriteFuzzSeeds rewrites testdata/fuzz/FuzzHandle from seedMessages
// when SNMP_WRITE_SEEDS=1.
func TestWriteFuzzSeeds(t *testing.T) {
	if os.Getenv("SNMP_WRITE_SEEDS") == "" {
		t.Skip("set SNMP_WRITE_SEEDS=1 to regenerate the fuzz seeds")
	}
	dir := filepath.Join("testdata", "fuzz", "FuzzHandle")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for name, b := range seedMessages(t) {
		body := fmt.Sprintf("go test fuzz v1\n[]byte(%q)\n", b)
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// FuzzHandle feeds arbitrary datagrams to the agent's handler: it must not
// panic, and an answer must fit the maximum message size.
func FuzzHandle(f *testing.F) {
	a, err := snmp.New(fuzzConfig(), snmptest.New())
	if err != nil {
		f.Fatal(err)
	}
	ctx := context.Background()
	f.Fuzz(func(t *testing.T, msg []byte) {
		resp := a.Handle(ctx, fuzzFrom, msg)
		if len(resp) > 1472 {
			t.Fatalf("response of %d bytes", len(resp))
		}
	})
}

// TestHostileInputAllocation checks that no datagram costs more than a
// bounded amount of memory, whatever its lengths and counts claim.
func TestHostileInputAllocation(t *testing.T) {
	cfg := fuzzConfig()
	cfg.MaxMessageSize = 65507
	a, err := snmp.New(cfg, snmptest.New())
	if err != nil {
		t.Fatal(err)
	}
	v2 := &gosnmp.GoSNMP{Version: gosnmp.Version2c, Community: "public"}
	var many []gosnmp.SnmpPDU
	for range 2000 {
		many = append(many, gosnmp.SnmpPDU{Name: ".1.3", Type: gosnmp.Null})
	}
	bulk, err := v2.SnmpEncodePacket(gosnmp.GetBulkRequest, many, 0, 1<<30)
	if err != nil {
		t.Fatal(err)
	}
	huge := make([]byte, 65507) // claims lengths far beyond the datagram
	huge[0], huge[1], huge[2], huge[3], huge[4] = 0x30, 0x84, 0x7f, 0xff, 0xff
	inputs := map[string][]byte{"bulk 2000x2^30": bulk, "length bomb": huge}
	for name, b := range seedMessages(t) {
		inputs[name] = b
	}
	ctx := context.Background()
	for name, in := range inputs {
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		resp := a.Handle(ctx, fuzzFrom, in)
		runtime.ReadMemStats(&after)
		alloc := after.TotalAlloc - before.TotalAlloc
		t.Logf("%-20s %6d bytes in, %6d out, %8d bytes allocated", name, len(in), len(resp), alloc)
		if alloc > 16<<20 { // the worst case (65507-byte GETBULK answer) is ~5 MB, ~8 MB with -race
			t.Errorf("%s: %d bytes allocated", name, alloc)
		}
		if len(resp) > cfg.MaxMessageSize {
			t.Errorf("%s: response of %d bytes", name, len(resp))
		}
	}
}
