package sas

import (
	"context"
	"net"
	"syscall"
	"testing"
	"time"
)

// TestListenAndServeMarksSocket: Config.DSCP is set on the socket
// ListenAndServe binds.
func TestListenAndServeMarksSocket(t *testing.T) {
	s, err := New(Config{EnableSAS: true, DSCP: 40})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.ListenAndServe(ctx, "127.0.0.1:0") }()
	defer func() { cancel(); <-done }()
	deadline := time.Now().Add(5 * time.Second)
	for s.Addr() == nil {
		if time.Now().After(deadline) {
			t.Fatal("SAS did not listen")
		}
		time.Sleep(10 * time.Millisecond)
	}
	s.mu.Lock()
	raw, err := s.pc.(*net.UDPConn).SyscallConn()
	s.mu.Unlock()
	if err != nil {
		t.Fatal(err)
	}
	var tos int
	var gerr error
	if err := raw.Control(func(fd uintptr) { tos, gerr = syscall.GetsockoptInt(int(fd), syscall.IPPROTO_IP, syscall.IP_TOS) }); err != nil || gerr != nil {
		t.Fatal(err, gerr)
	}
	if tos != 40<<2 {
		t.Errorf("TOS %#x, want %#x", tos, 40<<2)
	}
}
