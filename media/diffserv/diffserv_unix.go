//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package diffserv

import (
	"errors"
	"syscall"
)

func setTOS(fd uintptr, tos int, v6 bool) error {
	if !v6 {
		return syscall.SetsockoptInt(int(fd), syscall.IPPROTO_IP, syscall.IP_TOS, tos)
	}
	if err := syscall.SetsockoptInt(int(fd), syscall.IPPROTO_IPV6, syscall.IPV6_TCLASS, tos); err != nil {
		return err
	}
	// A dual-stack socket sends to IPv4 peers with IP_TOS; a v6-only one
	// may refuse the option, and does not need it.
	if err := syscall.SetsockoptInt(int(fd), syscall.IPPROTO_IP, syscall.IP_TOS, tos); err != nil &&
		!errors.Is(err, syscall.ENOPROTOOPT) && !errors.Is(err, syscall.EINVAL) {
		return err
	}
	return nil
}
