//go:build !(linux || darwin || freebsd || netbsd || openbsd || dragonfly)

package diffserv

func setTOS(uintptr, int, bool) error { return ErrNotSupported }
