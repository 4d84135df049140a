package sip

import (
	"errors"
	"fmt"
	"syscall"

	"github.com/potsgate/potsgate/media/diffserv"
)

// markDSCP sets the code point of a SIP socket (any syscall.Conn: UDP, a
// TCP listener or connection); 0 leaves it unmarked, and so does a system
// that cannot mark.
func markDSCP(c any, dscp int) error {
	sc, ok := c.(syscall.Conn)
	if dscp == 0 || !ok {
		return nil
	}
	if err := diffserv.Mark(sc, dscp); err != nil && !errors.Is(err, diffserv.ErrNotSupported) {
		return fmt.Errorf("sip: %w", err)
	}
	return nil
}
