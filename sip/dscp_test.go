package sip

import (
	"net"
	"syscall"
	"testing"
)

// TestListenMarksSIPSocket: Config.DSCP is set on the socket every SIP
// message leaves from; 0 leaves it unmarked.
func TestListenMarksSIPSocket(t *testing.T) {
	tos := func(u *UA) int {
		raw, err := u.conn.(*net.UDPConn).SyscallConn()
		if err != nil {
			t.Fatal(err)
		}
		var v int
		var gerr error
		if err := raw.Control(func(fd uintptr) { v, gerr = syscall.GetsockoptInt(int(fd), syscall.IPPROTO_IP, syscall.IP_TOS) }); err != nil || gerr != nil {
			t.Fatal(err, gerr)
		}
		return v
	}
	if got := tos(startUA(t, Config{DSCP: 40}, rejectAllHandler{})); got != 40<<2 {
		t.Errorf("DSCP 40: TOS %#x, want %#x", got, 40<<2)
	}
	if got := tos(startUA(t, Config{}, rejectAllHandler{})); got != 0 {
		t.Errorf("no DSCP: TOS %#x", got)
	}
	if _, err := Listen(Config{ListenAddr: "127.0.0.1:0", Codecs: testCodecs, DSCP: 64}, rejectAllHandler{}, nil); err == nil {
		t.Error("DSCP 64 accepted")
	}
}
