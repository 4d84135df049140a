//go:build !linux

package dahdi

import (
	"fmt"
	"time"

	"github.com/potsgate/potsgate/hal"
)

// Port is a DAHDI channel; there are none on this system.
type Port struct{}

// Stats are a port's counters.
type Stats struct {
	Frames, Events, Dropped, Short, Alarms, OHTStart int64
}

// Open returns hal.ErrNotSupported: DAHDI is Linux only.
func Open(channel int, want Kind, opts Options) (*Port, error) {
	return nil, fmt.Errorf("dahdi: channel %d: DAHDI needs Linux: %w", channel, hal.ErrNotSupported)
}

func (*Port) Channel() int  { return 0 }
func (*Port) Kind() Kind    { return AnyKind }
func (*Port) Stats() Stats  { return Stats{} }
func (*Port) Err() error    { return hal.ErrNotSupported }
func (*Port) OffHook() bool { return false }
func (*Port) Close() error  { return nil }

func (*Port) Exchange(out, in []int16, events []hal.Event) ([]hal.Event, error) {
	return events, hal.ErrNotSupported
}
func (*Port) SetRing(bool) error          { return hal.ErrNotSupported }
func (*Port) SetPolarity(bool) error      { return hal.ErrNotSupported }
func (*Port) SetMWI(bool) error           { return hal.ErrNotSupported }
func (*Port) SetHook(bool) error          { return hal.ErrNotSupported }
func (*Port) Flash(d time.Duration) error { return hal.ErrNotSupported }
