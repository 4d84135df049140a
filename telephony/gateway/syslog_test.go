package gateway

import (
	"log/slog"
	"net"
	"strings"
	"testing"
	"time"
)

// TestSyslogHandler: records reach a UDP syslog listener as RFC 5424
// messages with the right priority, attributes and groups; below the level
// nothing is sent, and raising the level variable lets debug through.
func TestSyslogHandler(t *testing.T) {
	srv, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	var level slog.LevelVar
	h, closeFn, err := SyslogHandler(srv.LocalAddr().String(), &level)
	if err != nil {
		t.Fatal(err)
	}
	defer closeFn()
	log := slog.New(h).With("component", "sip")
	read := func() string {
		buf := make([]byte, 4096)
		_ = srv.SetReadDeadline(time.Now().Add(2 * time.Second))
		n, _, err := srv.ReadFrom(buf)
		if err != nil {
			return ""
		}
		return string(buf[:n])
	}
	log.Debug("not sent")
	log.Warn("registration failed", "user", "101")
	msg := read()
	if !strings.HasPrefix(msg, "<132>1 ") || !strings.Contains(msg, " potsgate - LOG - msg=\"registration failed\" component=sip user=101") {
		t.Fatalf("warning sent as %q", msg)
	}
	if strings.Contains(msg, "level=") || strings.Contains(msg, "time=") {
		t.Fatalf("level or time repeated in the message: %q", msg)
	}
	level.Set(slog.LevelDebug)
	log.WithGroup("call").Debug("PRACK not answered", "id", 7)
	if msg := read(); !strings.HasPrefix(msg, "<135>1 ") || !strings.Contains(msg, "call.id=7") {
		t.Fatalf("debug sent as %q", msg)
	}
	log.Error("boom")
	if msg := read(); !strings.HasPrefix(msg, "<131>1 ") {
		t.Fatalf("error sent as %q", msg)
	}
}
