package rtpsession

import (
	"net"
	"net/netip"
	"syscall"
	"testing"
)

func tosOf(t *testing.T, c net.PacketConn) int {
	t.Helper()
	raw, err := c.(*net.UDPConn).SyscallConn()
	if err != nil {
		t.Fatal(err)
	}
	var tos int
	var gerr error
	if err := raw.Control(func(fd uintptr) { tos, gerr = syscall.GetsockoptInt(int(fd), syscall.IPPROTO_IP, syscall.IP_TOS) }); err != nil || gerr != nil {
		t.Fatal(err, gerr)
	}
	return tos
}

// TestPortAllocatorMarksPairs: with DSCP set, both sockets of a pair carry
// it (RTP and RTCP); without, they are left unmarked.
func TestPortAllocatorMarksPairs(t *testing.T) {
	probe := listen(t)
	base := int(addrOf(probe).Port()) &^ 1
	probe.Close()
	if base+4 > 65535 {
		base = 40000
	}
	a := NewPortAllocator(netip.MustParseAddr("127.0.0.1"), base, base+3)
	a.DSCP = 46
	r, c, p, err := a.Allocate()
	if err != nil {
		t.Fatal(err)
	}
	defer a.Release(p)
	defer r.Close()
	defer c.Close()
	if tosOf(t, r) != 46<<2 || tosOf(t, c) != 46<<2 {
		t.Errorf("TOS %#x and %#x, want %#x", tosOf(t, r), tosOf(t, c), 46<<2)
	}
	// The same range: the pair in use is skipped.
	b := NewPortAllocator(netip.MustParseAddr("127.0.0.1"), base, base+3)
	r2, c2, p2, err := b.Allocate()
	if err != nil {
		t.Fatal(err)
	}
	defer b.Release(p2)
	defer r2.Close()
	defer c2.Close()
	if tosOf(t, r2) != 0 || tosOf(t, c2) != 0 {
		t.Errorf("unmarked pair: TOS %#x and %#x", tosOf(t, r2), tosOf(t, c2))
	}
}
