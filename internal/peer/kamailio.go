package peer

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// Kamailio is a running kamailio from the shared recipe: a registrar and
// proxy with digest authentication (users 1001/secret1001 and
// 1002/secret1002), on 127.0.0.1.
type Kamailio struct {
	Addr string // host:port
	Ctl  string // kamcmd -s argument
	Proc *Process
}

// StartKamailio runs the shared kamailio recipe on a free port and stops it
// when the test ends.
func StartKamailio(t testing.TB) *Kamailio {
	t.Helper()
	Require(t, "kamailio")
	src := filepath.Join(SharedDir(t), "peers", "kamailio")
	dir := t.TempDir()
	run := filepath.Join(dir, "run")
	for _, d := range []string{filepath.Join(dir, "db"), run} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	for _, f := range []string{"subscriber", "version"} {
		b, err := os.ReadFile(filepath.Join(src, "db", f))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, "db", f), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	port := FreeUDPPort(t)
	cfg, err := os.ReadFile(filepath.Join(src, "kamailio.cfg"))
	if err != nil {
		t.Fatal(err)
	}
	text := strings.ReplaceAll(string(cfg), "/tmp/peers/kamailio", dir)
	text = strings.ReplaceAll(text, "127.0.0.1:5070", fmt.Sprintf("127.0.0.1:%d", port))
	if err := os.WriteFile(filepath.Join(dir, "kamailio.cfg"), []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	k := &Kamailio{Addr: fmt.Sprintf("127.0.0.1:%d", port), Ctl: "unix:" + filepath.Join(run, "kamailio_ctl")}
	k.Proc = Start(t, dir, "kamailio", "-f", filepath.Join(dir, "kamailio.cfg"), "-Y", run, "-P", filepath.Join(run, "kamailio.pid"), "-E", "-DD")
	deadline := time.Now().Add(10 * time.Second)
	for {
		if _, err := os.Stat(filepath.Join(run, "kamailio_ctl")); err == nil {
			return k
		}
		if time.Now().After(deadline) {
			t.Fatalf("kamailio did not start:\n%s", k.Proc.Output())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// Bindings returns kamcmd's ul.dump: the registered contacts.
func (k *Kamailio) Bindings(t testing.TB) string {
	t.Helper()
	out, err := Run(t, 10*time.Second, "", "kamcmd", "-s", k.Ctl, "ul.dump")
	if err != nil {
		t.Fatalf("kamcmd: %v\n%s", err, out)
	}
	return out
}
