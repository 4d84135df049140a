package diffserv_test

import (
	"errors"
	"net"
	"syscall"
	"testing"

	"github.com/potsgate/potsgate/media/diffserv"
)

// sockopt reads an int socket option back from the kernel.
func sockopt(t *testing.T, c syscall.Conn, level, opt int) int {
	t.Helper()
	raw, err := c.SyscallConn()
	if err != nil {
		t.Fatal(err)
	}
	var v int
	var gerr error
	if err := raw.Control(func(fd uintptr) { v, gerr = syscall.GetsockoptInt(int(fd), level, opt) }); err != nil {
		t.Fatal(err)
	}
	if gerr != nil {
		t.Fatal(gerr)
	}
	return v
}

func TestMarkIPv4(t *testing.T) {
	udp, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	defer udp.Close()
	tcp, err := net.ListenTCP("tcp4", &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	defer tcp.Close()
	for _, c := range []syscall.Conn{udp, tcp} {
		if got := sockopt(t, c, syscall.IPPROTO_IP, syscall.IP_TOS); got != 0 {
			t.Fatalf("TOS before marking: %#x", got)
		}
		for _, dscp := range []int{diffserv.EF, diffserv.CS5, 0, 63} {
			if err := diffserv.Mark(c, dscp); err != nil {
				t.Fatal(err)
			}
			if got := sockopt(t, c, syscall.IPPROTO_IP, syscall.IP_TOS); got != dscp<<2 {
				t.Errorf("%T DSCP %d: TOS %#x, want %#x", c, dscp, got, dscp<<2)
			}
		}
	}
}

func TestMarkIPv6(t *testing.T) {
	udp, err := net.ListenUDP("udp6", &net.UDPAddr{IP: net.IPv6loopback})
	if err != nil {
		t.Skipf("no IPv6 loopback: %v", err)
	}
	defer udp.Close()
	if err := diffserv.Mark(udp, diffserv.EF); err != nil {
		t.Fatal(err)
	}
	if got := sockopt(t, udp, syscall.IPPROTO_IPV6, syscall.IPV6_TCLASS); got != diffserv.EF<<2 {
		t.Errorf("traffic class %#x, want %#x", got, diffserv.EF<<2)
	}
}

func TestMarkRange(t *testing.T) {
	udp, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	defer udp.Close()
	for _, dscp := range []int{-1, 64} {
		if err := diffserv.Mark(udp, dscp); !errors.Is(err, diffserv.ErrRange) {
			t.Errorf("DSCP %d: %v, want ErrRange", dscp, err)
		}
	}
	if got := sockopt(t, udp, syscall.IPPROTO_IP, syscall.IP_TOS); got != 0 {
		t.Errorf("a refused code point changed the TOS to %#x", got)
	}
}

func TestMarkClosed(t *testing.T) {
	udp, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	udp.Close()
	if err := diffserv.Mark(udp, diffserv.EF); err == nil {
		t.Error("marking a closed socket succeeded")
	}
}
