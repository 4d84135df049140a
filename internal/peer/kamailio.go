package peer

import (
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// Kamailio is kamailio from the shared recipe: a registrar and proxy with
// digest authentication (users 1001/secret1001 and 1002/secret1002), on
// 127.0.0.1. [NewKamailio] prepares it; [Kamailio.Start] and
// [Kamailio.Stop] may be called again and again (an upstream proxy that
// fails and comes back), on the same address.
type Kamailio struct {
	Addr string // host:port
	Ctl  string // kamcmd -s argument
	// Proc is the running kamailio, or the last one once stopped; nil
	// before the first Start.
	Proc *Process

	t   testing.TB
	dir string
}

// NewKamailio prepares the shared kamailio recipe in a folder of its own,
// on a free port, without starting it. Every kamailio it starts is stopped
// when the test ends.
func NewKamailio(t testing.TB) *Kamailio {
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
	addr := fmt.Sprintf("127.0.0.1:%d", FreeUDPPort(t))
	cfg, err := os.ReadFile(filepath.Join(src, "kamailio.cfg"))
	if err != nil {
		t.Fatal(err)
	}
	text := strings.ReplaceAll(string(cfg), "/tmp/peers/kamailio", dir)
	text = strings.ReplaceAll(text, "127.0.0.1:5070", addr)
	if err := os.WriteFile(filepath.Join(dir, "kamailio.cfg"), []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return &Kamailio{Addr: addr, Ctl: "unix:" + filepath.Join(run, "kamailio_ctl"), t: t, dir: dir}
}

// StartKamailio runs the shared kamailio recipe on a free port and stops it
// when the test ends.
func StartKamailio(t testing.TB) *Kamailio {
	t.Helper()
	k := NewKamailio(t)
	k.Start()
	return k
}

// Start runs kamailio and returns once it answers OPTIONS on Addr and its
// control socket is there. It fails the test if kamailio exits or does not
// answer within 10 s.
func (k *Kamailio) Start() {
	k.t.Helper()
	run := filepath.Join(k.dir, "run")
	k.Proc = Start(k.t, k.dir, "kamailio", "-f", filepath.Join(k.dir, "kamailio.cfg"), "-Y", run, "-P", filepath.Join(run, "kamailio.pid"), "-E", "-DD")
	deadline := time.Now().Add(10 * time.Second)
	for {
		select {
		case <-k.Proc.Done():
			k.t.Fatalf("kamailio exited:\n%s", k.Proc.Output())
		default:
		}
		if answersOptions(k.Addr, 300*time.Millisecond) {
			if _, err := os.Stat(filepath.Join(run, "kamailio_ctl")); err == nil {
				return
			}
		}
		if time.Now().After(deadline) {
			k.t.Fatalf("kamailio not answering on %s:\n%s", k.Addr, k.Proc.Output())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// Stop ends the running kamailio and waits for it to exit; its bindings
// (kept in memory) go with it. It does nothing when none is running.
func (k *Kamailio) Stop() {
	if k.Proc != nil {
		k.Proc.Stop()
	}
}

// Requests counts the requests of method (INVITE, REGISTER, OPTIONS, ...)
// that the running kamailio (or the last one) logged: the recipe logs
// "REQ <method> ..." for every request it receives. A restarted kamailio
// counts from zero.
func (k *Kamailio) Requests(method string) int {
	if k.Proc == nil {
		return 0
	}
	return strings.Count(k.Proc.Output(), "REQ "+method+" ")
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

// answersOptions sends one OPTIONS to addr and reports whether a 2xx came
// back within wait.
func answersOptions(addr string, wait time.Duration) bool {
	to, err := net.ResolveUDPAddr("udp4", addr)
	if err != nil {
		return false
	}
	c, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		return false
	}
	defer c.Close()
	id := time.Now().UnixNano()
	msg := fmt.Sprintf("OPTIONS sip:%[1]s SIP/2.0\r\nVia: SIP/2.0/UDP %[2]s;branch=z9hG4bK-probe%[3]d\r\n"+
		"From: <sip:probe@127.0.0.1>;tag=p%[3]d\r\nTo: <sip:%[1]s>\r\nCall-ID: probe-%[3]d\r\nCSeq: 1 OPTIONS\r\n"+
		"Max-Forwards: 70\r\nContent-Length: 0\r\n\r\n", addr, c.LocalAddr(), id)
	if _, err := c.WriteToUDP([]byte(msg), to); err != nil {
		return false
	}
	_ = c.SetReadDeadline(time.Now().Add(wait))
	buf := make([]byte, 65535)
	for {
		n, _, err := c.ReadFromUDP(buf)
		if err != nil {
			return false
		}
		if strings.HasPrefix(string(buf[:n]), "SIP/2.0 2") {
			return true
		}
	}
}
