package snmp_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/potsgate/potsgate/internal/peer"
	"github.com/potsgate/potsgate/snmp"
	"github.com/potsgate/potsgate/snmp/snmptest"
)

// netsnmpEnv keeps net-snmp's client state out of /var/lib and silences
// its default MIB list.
func netsnmpEnv(t *testing.T) {
	t.Setenv("MIBS", ":")
	t.Setenv("SNMP_PERSISTENT_DIR", t.TempDir())
	t.Setenv("SNMPCONFPATH", t.TempDir())
}

func mibDirs(t *testing.T) string {
	t.Helper()
	dir, err := filepath.Abs("mib")
	if err != nil {
		t.Fatal(err)
	}
	return filepath.Join(peer.SharedDir(t), "mibs") + ":" + dir
}

func TestMIBSmilint(t *testing.T) {
	peer.Require(t, "smilint")
	dirs := mibDirs(t)
	t.Setenv("SMIPATH", dirs)
	out, err := peer.Run(t, time.Minute, "", "smilint", "-l", "3", "POTSGATE-MIB")
	if err != nil || strings.TrimSpace(out) != "" {
		t.Fatalf("smilint -l 3 POTSGATE-MIB: %v\n%s", err, out)
	}
	// The file named directly, with only the base modules on SMIPATH.
	t.Setenv("SMIPATH", filepath.Join(peer.SharedDir(t), "mibs"))
	out, _ = peer.Run(t, time.Minute, "", "smilint", "-l", "3", "mib/POTSGATE-MIB.txt")
	if strings.TrimSpace(out) != "" {
		t.Errorf("smilint -l 3 mib/POTSGATE-MIB.txt:\n%s", out)
	}
	// Stricter levels are clean too.
	t.Setenv("SMIPATH", dirs)
	out, _ = peer.Run(t, time.Minute, "", "smilint", "-l", "6", "POTSGATE-MIB")
	if strings.TrimSpace(out) != "" {
		t.Errorf("smilint -l 6:\n%s", out)
	}
	// An empty output means something only if a missing module is reported.
	out, _ = peer.Run(t, time.Minute, "", "smilint", "-l", "3", "NO-SUCH-MIB")
	if !strings.Contains(out, "cannot locate") {
		t.Errorf("smilint does not report a missing module: %q", out)
	}
}

// mibObjects lists the accessible objects of POTSGATE-MIB from the file.
func mibObjects(t *testing.T) []string {
	t.Helper()
	b, err := os.ReadFile("mib/POTSGATE-MIB.txt")
	if err != nil {
		t.Fatal(err)
	}
	re := regexp.MustCompile(`(?s)\n(pg\w+) OBJECT-TYPE.*?MAX-ACCESS\s+(\S+)`)
	var out []string
	for _, m := range re.FindAllStringSubmatch(string(b), -1) {
		if m[2] != "not-accessible" {
			out = append(out, m[1])
		}
	}
	return out
}

func TestNetSNMPWalkResolvesNames(t *testing.T) {
	netsnmpEnv(t)
	_, addr := startAgent(t, testConfig(), snmptest.New())
	target := addr.String()
	objects := mibObjects(t)
	if len(objects) != 42 {
		t.Fatalf("found %d accessible objects in the MIB, want 42", len(objects))
	}
	for _, tool := range []string{"snmpwalk", "snmpbulkwalk"} {
		out, err := peer.Run(t, time.Minute, "", tool, "-v2c", "-c", "public", "-M", mibDirs(t), "-m", "+POTSGATE-MIB", target, snmp.EnterpriseOID)
		if err != nil {
			t.Fatalf("%s: %v\n%s", tool, err, out)
		}
		seen := map[string]bool{}
		lines := 0
		for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
			if !strings.HasPrefix(line, "POTSGATE-MIB::") {
				if strings.Contains(line, " = ") {
					t.Errorf("%s: unresolved: %s", tool, line)
				}
				continue
			}
			lines++
			name := strings.TrimPrefix(line, "POTSGATE-MIB::")
			name = name[:strings.IndexAny(name, ". ")]
			seen[name] = true
		}
		for _, o := range objects {
			if !seen[o] {
				t.Errorf("%s: %s missing from the walk", tool, o)
			}
		}
		t.Logf("%s: %d varbinds, all %d objects resolved", tool, lines, len(objects))
		if tool == "snmpwalk" && testing.Verbose() {
			t.Logf("walk:\n%s", out)
		}
	}
	// MIB-II system group, with names from SNMPv2-MIB.
	out, err := peer.Run(t, time.Minute, "", "snmpwalk", "-v2c", "-c", "public", "-M", mibDirs(t), "-m", "+POTSGATE-MIB:SNMPv2-MIB:SNMP-FRAMEWORK-MIB", target, "system")
	if err != nil || !strings.Contains(out, "SNMPv2-MIB::sysDescr.0 = STRING: potsgate 0.1.0") ||
		!strings.Contains(out, "SNMPv2-MIB::sysObjectID.0 = OID: POTSGATE-MIB::pgGateway") {
		t.Errorf("system walk: %v\n%s", err, out)
	}
	out, err = peer.Run(t, time.Minute, "", "snmpwalk", "-v2c", "-c", "public", "-M", mibDirs(t), "-m", "+SNMP-FRAMEWORK-MIB", target, ".1.3.6.1.6.3.10.2.1")
	for _, o := range []string{"snmpEngineID.0", "snmpEngineBoots.0", "snmpEngineTime.0", "snmpEngineMaxMessageSize.0 = INTEGER: 1472"} {
		if err != nil || !strings.Contains(out, o) {
			t.Errorf("snmpEngine walk lacks %s: %v\n%s", o, err, out)
		}
	}
}

func v3Args(user, auth string) []string {
	return []string{"-v3", "-l", "authPriv", "-u", user, "-a", auth, "-A", v3AuthKey, "-x", "AES", "-X", v3PrivKey, "-t", "2", "-r", "1"}
}

func TestNetSNMPv3GetSet(t *testing.T) {
	netsnmpEnv(t)
	dev := snmptest.New()
	_, addr := startAgent(t, testConfig(), dev)
	target := addr.String()
	for _, tc := range []struct{ user, auth string }{{v3User, "SHA"}, {"sha256user", "SHA-256"}} {
		args := append(v3Args(tc.user, tc.auth), "-On", target, ".1.3.6.1.2.1.1.5.0", snmp.EnterpriseOID+".2.1.1.4.0")
		out, err := peer.Run(t, time.Minute, "", "snmpget", args...)
		if err != nil || !strings.Contains(out, `.1.3.6.1.2.1.1.5.0 = STRING: "gw1"`) || !strings.Contains(out, `= STRING: "0.1.0"`) {
			t.Errorf("snmpget v3 %s/%s: %v\n%s", tc.user, tc.auth, err, out)
		}
	}
	args := append(v3Args(v3User, "SHA"), "-On", target, ".1.3.6.1.2.1.1.4.0", "s", "ops@example.net", snmp.EnterpriseOID+".2.1.5.1.0", "s", "https://acs.example.net/gw.ini")
	out, err := peer.Run(t, time.Minute, "", "snmpset", args...)
	if err != nil || !strings.Contains(out, `STRING: "ops@example.net"`) {
		t.Fatalf("snmpset v3: %v\n%s", err, out)
	}
	args = append(v3Args("sha256user", "SHA-256"), "-On", target, ".1.3.6.1.2.1.1.4.0")
	out, err = peer.Run(t, time.Minute, "", "snmpget", args...)
	if err != nil || !strings.Contains(out, `STRING: "ops@example.net"`) {
		t.Errorf("sysContact after SET: %v\n%s", err, out)
	}
	if got := dev.AutoUpdateURL(snmp.IniFileURL); got != "https://acs.example.net/gw.ini" {
		t.Errorf("IniFileURL = %q", got)
	}
	// A read-only v3 user may not SET.
	args = append(v3Args("sha256user", "SHA-256"), target, ".1.3.6.1.2.1.1.4.0", "s", "x")
	out, err = peer.Run(t, time.Minute, "", "snmpset", args...)
	if err == nil || !strings.Contains(out, "authorizationError") {
		t.Errorf("read-only user snmpset: %v\n%s", err, out)
	}
	// Wrong privacy passphrase: net-snmp gets no usable answer.
	args = []string{"-v3", "-l", "authPriv", "-u", v3User, "-a", "SHA", "-A", "wrongpass99", "-x", "AES", "-X", v3PrivKey, "-t", "1", "-r", "0", target, ".1.3.6.1.2.1.1.5.0"}
	out, err = peer.Run(t, time.Minute, "", "snmpget", args...)
	if err == nil || strings.Contains(out, "gw1") {
		t.Errorf("snmpget with a wrong auth key: %v\n%s", err, out)
	}
}

// trapd runs snmptrapd on a free port; its log is returned by the func.
func trapd(t *testing.T, engineID string) (port int, log func() string) {
	t.Helper()
	return peer.Snmptrapd(t, fmt.Sprintf("createUser -e 0x%s %s SHA \"%s\" AES \"%s\"\n", engineID, v3User, v3AuthKey, v3PrivKey))
}

func waitFor(t *testing.T, d time.Duration, what string, cond func() bool) {
	t.Helper()
	peer.WaitFor(t, d, what, cond)
}

func TestNetSNMPTraps(t *testing.T) {
	netsnmpEnv(t)
	port, log := trapd(t, testEngineID)
	cfg := testConfig()
	cfg.SNMPManagers = []snmp.Manager{
		{IP: "127.0.0.1", TrapPort: port},                   // v2c
		{IP: "127.0.0.1", TrapPort: port, TrapUser: v3User}, // v3 authPriv
	}
	dev := snmptest.New()
	var a *snmp.Agent
	updates := make(chan struct{}, 1)
	dev.OnAction = func(_ context.Context, action string) error {
		if action == "StartUpdate" {
			updates <- struct{}{}
		}
		return nil
	}
	a, addr := startAgent(t, cfg, dev)
	target := addr.String()

	// coldStart, once per manager (v2c and v3).
	coldStart := ".1.3.6.1.6.3.1.1.4.1.0 = OID: .1.3.6.1.6.3.1.1.5.1"
	waitFor(t, 10*time.Second, "coldStart traps", func() bool { return strings.Count(log(), coldStart) == 2 })

	// A wrong community: no answer, and authenticationFailure.
	out, err := peer.Run(t, time.Minute, "", "snmpget", "-v2c", "-c", "wrong", "-t", "1", "-r", "0", target, ".1.3.6.1.2.1.1.5.0")
	if err == nil || !strings.Contains(out, "Timeout") {
		t.Errorf("wrong community was answered: %v\n%s", err, out)
	}
	authFail := ".1.3.6.1.6.3.1.1.4.1.0 = OID: .1.3.6.1.6.3.1.1.5.5"
	waitFor(t, 10*time.Second, "authenticationFailure traps", func() bool { return strings.Count(log(), authFail) == 2 })
	if a.Stats().BadCommunityNames != 1 {
		t.Errorf("snmpInBadCommunityNames = %d", a.Stats().BadCommunityNames)
	}

	// snmpset of pgActionStartUpdate runs the device's update; the
	// gateway then reports the result, which reaches the managers.
	out, err = peer.Run(t, time.Minute, "", "snmpset", "-v2c", "-c", "private", "-M", mibDirs(t), "-m", "+POTSGATE-MIB", target, "POTSGATE-MIB::pgActionStartUpdate.0", "i", "2")
	if err != nil || !strings.Contains(out, "pgActionStartUpdate.0 = INTEGER: start(2)") {
		t.Fatalf("snmpset pgActionStartUpdate: %v\n%s", err, out)
	}
	select {
	case <-updates:
	case <-time.After(10 * time.Second):
		t.Fatal("StartUpdate not called")
	}
	if err := a.DownloadResult(snmp.DownloadResult{URL: "http://127.0.0.1/gw.ini", OK: false, Reason: "HTTP 404"}); err != nil {
		t.Fatal(err)
	}
	download := ".1.3.6.1.6.3.1.1.4.1.0 = OID: " + snmp.EnterpriseOID + ".2.0.3"
	waitFor(t, 10*time.Second, "download-result traps", func() bool { return strings.Count(log(), download) == 2 })
	if l := log(); !strings.Contains(l, `= STRING: "HTTP 404"`) || !strings.Contains(l, snmp.EnterpriseOID+".2.1.5.5.0 = INTEGER: 3") {
		t.Errorf("download trap content:\n%s", l)
	}
	out, _ = peer.Run(t, time.Minute, "", "snmpget", "-v2c", "-c", "public", "-M", mibDirs(t), "-m", "+POTSGATE-MIB", target, "POTSGATE-MIB::pgLastDownloadResult.0", "POTSGATE-MIB::pgLastDownloadReason.0")
	if !strings.Contains(out, "failure(3)") || !strings.Contains(out, "HTTP 404") {
		t.Errorf("pgLastDownload*:\n%s", out)
	}

	// Alarms raised and cleared.
	al := snmp.Alarm{ID: 7, Type: snmp.AlarmProxyLost, Severity: snmp.SeverityCritical, Source: "Proxy 127.0.0.1:5070", Text: "no response"}
	if err := a.AlarmRaised(al); err != nil {
		t.Fatal(err)
	}
	if err := a.AlarmCleared(snmp.Alarm{ID: 7, Type: snmp.AlarmProxyLost, Source: al.Source, Text: "proxy back"}); err != nil {
		t.Fatal(err)
	}
	for _, n := range []string{".2.0.1", ".2.0.2"} {
		oid := ".1.3.6.1.6.3.1.1.4.1.0 = OID: " + snmp.EnterpriseOID + n
		waitFor(t, 10*time.Second, "alarm trap "+n, func() bool { return strings.Count(log(), oid) == 2 })
	}
	if !strings.Contains(log(), snmp.EnterpriseOID+".2.1.4.1.1.3.7 = INTEGER: 1") {
		t.Errorf("cleared alarm severity not in the trap:\n%s", log())
	}
	if testing.Verbose() {
		t.Logf("snmptrapd log:\n%s", log())
	}
}

func TestNetSNMPKeepAlive(t *testing.T) {
	netsnmpEnv(t)
	port, log := trapd(t, testEngineID)
	cfg := testConfig()
	cfg.SNMPManagers = []snmp.Manager{{IP: "127.0.0.1", TrapPort: port}}
	cfg.KeepAliveInterval = 100 * time.Millisecond
	startAgent(t, cfg, snmptest.New())
	keep := ".1.3.6.1.6.3.1.1.4.1.0 = OID: " + snmp.EnterpriseOID + ".2.0.4"
	waitFor(t, 10*time.Second, "two keep-alive traps", func() bool { return strings.Count(log(), keep) >= 2 })
}

func TestNetSNMPUntrustedManager(t *testing.T) {
	netsnmpEnv(t)
	cfg := testConfig()
	cfg.SNMPTrustedMgr = []string{"10.1.2.3", "192.168.0.0/16"}
	a, addr := startAgent(t, cfg, snmptest.New())
	out, err := peer.Run(t, time.Minute, "", "snmpget", "-v2c", "-c", "public", "-t", "1", "-r", "0", addr.String(), ".1.3.6.1.2.1.1.5.0")
	if err == nil || !strings.Contains(out, "Timeout") {
		t.Errorf("untrusted manager was answered: %v\n%s", err, out)
	}
	args := append(v3Args(v3User, "SHA"), "-t", "1", "-r", "0", addr.String(), ".1.3.6.1.2.1.1.5.0")
	if out, err := peer.Run(t, time.Minute, "", "snmpget", args...); err == nil {
		t.Errorf("untrusted v3 manager was answered:\n%s", out)
	}
	if s := a.Stats(); s.UntrustedDrops < 2 || s.BadCommunityNames != 0 {
		t.Errorf("stats %+v", s)
	}

	cfg.SNMPTrustedMgr = []string{"10.1.2.3", "127.0.0.0/8"}
	_, addr = startAgent(t, cfg, snmptest.New())
	out, err = peer.Run(t, time.Minute, "", "snmpget", "-v2c", "-c", "public", "-t", "2", addr.String(), ".1.3.6.1.2.1.1.5.0")
	if err != nil || !strings.Contains(out, "gw1") {
		t.Errorf("trusted manager: %v\n%s", err, out)
	}
}

// Weaker protocols work only for a user configured with them.
func TestNetSNMPv3WeakerLevelsWhenConfigured(t *testing.T) {
	netsnmpEnv(t)
	cfg := testConfig()
	cfg.SNMPUsers = append(cfg.SNMPUsers,
		snmp.User{Name: "legacy", Auth: snmp.AuthMD5, AuthKey: v3AuthKey, Priv: snmp.PrivDES, PrivKey: v3PrivKey},
		snmp.User{Name: "monitor", AuthKey: v3AuthKey, Priv: snmp.PrivNone},
	)
	_, addr := startAgent(t, cfg, snmptest.New())
	target := addr.String()
	for _, tc := range []struct {
		args []string
		ok   bool
	}{
		{[]string{"-l", "authPriv", "-u", "legacy", "-a", "MD5", "-A", v3AuthKey, "-x", "DES", "-X", v3PrivKey}, true},
		{[]string{"-l", "authNoPriv", "-u", "monitor", "-a", "SHA", "-A", v3AuthKey}, true},
		{[]string{"-l", "authNoPriv", "-u", v3User, "-a", "SHA", "-A", v3AuthKey}, false},                             // authPriv user
		{[]string{"-l", "noAuthNoPriv", "-u", "monitor"}, false},                                                      // below its level
		{[]string{"-l", "authPriv", "-u", v3User, "-a", "MD5", "-A", v3AuthKey, "-x", "AES", "-X", v3PrivKey}, false}, // wrong protocol
	} {
		args := append([]string{"-v3", "-t", "1", "-r", "0"}, tc.args...)
		args = append(args, target, ".1.3.6.1.2.1.1.5.0")
		out, err := peer.Run(t, time.Minute, "", "snmpget", args...)
		if got := err == nil && strings.Contains(out, "gw1"); got != tc.ok {
			t.Errorf("snmpget %v: answered=%v, want %v\n%s", tc.args, got, tc.ok, out)
		}
	}
}
