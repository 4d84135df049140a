package diffserv

import (
	"errors"
	"fmt"
	"net"
	"syscall"
)

// Code points the gateway uses by default (RFC 4594).
const (
	EF  = 46 // expedited forwarding: voice
	CS5 = 40 // class selector 5: signalling
)

// ErrNotSupported: this system has no way to set the code point.
var ErrNotSupported = errors.New("diffserv: not supported on this system")

// ErrRange is a code point outside 0-63.
var ErrRange = errors.New("diffserv: code point outside 0-63")

// Mark sets the code point of every packet c sends. An IPv4 socket gets
// IP_TOS; an IPv6 one IPV6_TCLASS and, for IPv4 peers of a dual-stack
// socket, IP_TOS too (where the system refuses it, it is not needed).
// The ECN bits are left 0.
func Mark(c syscall.Conn, dscp int) error {
	if dscp < 0 || dscp > 63 {
		return fmt.Errorf("%w: %d", ErrRange, dscp)
	}
	raw, err := c.SyscallConn()
	if err != nil {
		return fmt.Errorf("diffserv: %w", err)
	}
	v6 := isIPv6(c)
	var serr error
	err = raw.Control(func(fd uintptr) { serr = setTOS(fd, dscp<<2, v6) })
	if err != nil {
		return fmt.Errorf("diffserv: %w", err)
	}
	if serr != nil {
		return fmt.Errorf("diffserv: %w", serr)
	}
	return nil
}

// isIPv6 reports whether c is bound to an IPv6 address (an unspecified
// "[::]" one included); a socket that does not say is taken as IPv4.
func isIPv6(c syscall.Conn) bool {
	var a net.Addr
	switch s := c.(type) {
	case interface{ LocalAddr() net.Addr }:
		a = s.LocalAddr()
	case interface{ Addr() net.Addr }: // a listener
		a = s.Addr()
	}
	var ip net.IP
	switch a := a.(type) {
	case *net.UDPAddr:
		ip = a.IP
	case *net.TCPAddr:
		ip = a.IP
	case *net.IPAddr:
		ip = a.IP
	}
	return ip != nil && ip.To4() == nil
}
