package peer

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// Snmptrapd starts net-snmp's trap receiver on 127.0.0.1 with the given
// snmptrapd.conf lines (authorisation is off; add createUser lines for
// v3) and returns its port and a function reading what it has logged,
// one trap per line with its variables numeric.
func Snmptrapd(t testing.TB, conf string) (port int, log func() string) {
	t.Helper()
	dir := t.TempDir()
	port = FreeUDPPort(t)
	conf = "disableAuthorization yes\nformat2 TRAP %b %P\\n  %v\\n\n" + conf
	if err := os.WriteFile(filepath.Join(dir, "snmptrapd.conf"), []byte(conf), 0o600); err != nil {
		t.Fatal(err)
	}
	logFile := filepath.Join(dir, "traps.log")
	Start(t, dir, "snmptrapd", "-f", "-C", "-c", "snmptrapd.conf", "-n", "-On", "-Lf", logFile,
		"udp:127.0.0.1:"+strconv.Itoa(port))
	log = func() string { b, _ := os.ReadFile(logFile); return string(b) }
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(log(), "NET-SNMP version") {
		if time.Now().After(deadline) {
			t.Fatalf("snmptrapd did not start:\n%s", log())
		}
		time.Sleep(20 * time.Millisecond)
	}
	return port, log
}
