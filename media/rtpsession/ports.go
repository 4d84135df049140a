package rtpsession

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"sync"

	"github.com/potsgate/potsgate/media/diffserv"
)

// ErrNoPorts means every port pair of the range is in use.
var ErrNoPorts = errors.New("rtpsession: no free RTP port pair")

// PortAllocator hands out RTP/RTCP socket pairs on an even port and the
// odd port above it, from a range, in rotation so that a port just
// released is not reused at once. It is safe for concurrent use.
type PortAllocator struct {
	// DSCP, when not 0, is the DiffServ code point of every pair's packets
	// (media/diffserv); set it before the first Allocate.
	DSCP int

	ip       netip.Addr
	min, max int // even first port, last even port

	mu   sync.Mutex
	next int
	used map[int]bool
}

// NewPortAllocator returns an allocator of pairs in [min, max] on ip (the
// first even port at or above min; the odd port of the last pair must not
// exceed max). An empty or invalid range makes Allocate fail.
func NewPortAllocator(ip netip.Addr, min, max int) *PortAllocator {
	if min%2 != 0 {
		min++
	}
	if max%2 == 0 {
		max-- // the last pair is (max-1, max)
	}
	a := &PortAllocator{ip: ip, min: min, max: max - 1, next: min, used: map[int]bool{}}
	return a
}

// Size is the number of pairs in the range.
func (a *PortAllocator) Size() int {
	if a.min < 1 || a.max > 65534 || a.max < a.min {
		return 0
	}
	return (a.max-a.min)/2 + 1
}

// InUse is the number of pairs allocated and not released.
func (a *PortAllocator) InUse() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return len(a.used)
}

// Allocate binds the next free pair and returns its sockets and the RTP
// port. Ports another program holds are skipped. The caller closes the
// sockets (a Session does) and then calls Release.
func (a *PortAllocator) Allocate() (rtp, rtcp net.PacketConn, port int, err error) {
	n := a.Size()
	a.mu.Lock()
	defer a.mu.Unlock()
	var lastErr error
	for range n {
		p := a.next
		a.next += 2
		if a.next > a.max {
			a.next = a.min
		}
		if a.used[p] {
			continue
		}
		r, err := net.ListenUDP("udp", net.UDPAddrFromAddrPort(netip.AddrPortFrom(a.ip, uint16(p))))
		if err != nil {
			lastErr = err
			continue
		}
		c, err := net.ListenUDP("udp", net.UDPAddrFromAddrPort(netip.AddrPortFrom(a.ip, uint16(p+1))))
		if err != nil {
			r.Close()
			lastErr = err
			continue
		}
		if err := a.mark(r, c); err != nil {
			r.Close()
			c.Close()
			return nil, nil, 0, err
		}
		a.used[p] = true
		return r, c, p, nil
	}
	if lastErr != nil {
		return nil, nil, 0, fmt.Errorf("%w in %d-%d: last bind error: %w", ErrNoPorts, a.min, a.max+1, lastErr)
	}
	return nil, nil, 0, fmt.Errorf("%w in %d-%d", ErrNoPorts, a.min, a.max+1)
}

// mark sets DSCP on a new pair; a system that cannot is not an error
// (the packets go unmarked).
func (a *PortAllocator) mark(conns ...*net.UDPConn) error {
	if a.DSCP == 0 {
		return nil
	}
	for _, c := range conns {
		if err := diffserv.Mark(c, a.DSCP); err != nil && !errors.Is(err, diffserv.ErrNotSupported) {
			return fmt.Errorf("rtpsession: %w", err)
		}
	}
	return nil
}

// Release returns the pair of RTP port port to the range.
func (a *PortAllocator) Release(port int) {
	a.mu.Lock()
	delete(a.used, port)
	a.mu.Unlock()
}
