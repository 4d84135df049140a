package peer_test

import (
	"strings"
	"testing"
	"time"

	"github.com/potsgate/potsgate/internal/peer"
)

func TestRunAndStart(t *testing.T) {
	out, err := peer.Run(t, 5*time.Second, "", "sh", "-c", "echo hello; exit 3")
	if err == nil || !strings.Contains(out, "hello") {
		t.Fatalf("Run: out=%q err=%v, want output and exit error", out, err)
	}
	p := peer.Start(t, "", "sleep", "30")
	p.Stop()
	p.Stop() // idempotent
	select {
	case <-p.Done():
	case <-time.After(5 * time.Second):
		t.Fatal("process still running after Stop")
	}
}

func TestFreePorts(t *testing.T) {
	if u := peer.FreeUDPPort(t); u <= 0 {
		t.Fatalf("udp port %d", u)
	}
	if p := peer.FreeTCPPort(t); p <= 0 {
		t.Fatalf("tcp port %d", p)
	}
}

func ExampleRequired() {
	_ = peer.Required() // true under the project's test command
}
