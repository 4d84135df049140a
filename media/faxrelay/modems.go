package faxrelay

import (
	"github.com/potsgate/potsgate/media/modem"
)

// fastTx and fastRx are the high-speed modems as the gateway drives them:
// one of each modulation made with the gateway, restarted for each
// signal.
type fastTx interface {
	restart(rate int, short bool) error
	Transmit(out []int16) int
}

type fastRx interface {
	restart(rate int, short bool) error
	Receive(in []int16)
}

// newModems makes the high-speed modems the gateway has, indexed by
// Modulation; a nil entry is one it has not (the rates it would need are
// taken out of DIS/DTC).
func newModems(src modem.Source, sink modem.Sink) (tx [4]fastTx, rx [4]fastRx, err error) {
	return tx, rx, nil
}

// HasModem reports whether the gateway has the high-speed modem named
// ("v27ter", "v29", "v17") in both directions.
func HasModem(name string) bool {
	tx, rx, _ := newModems(nil, nil)
	var m Modulation
	switch name {
	case "v27ter":
		m = V27ter
	case "v29":
		m = V29
	case "v17":
		m = V17
	default:
		return false
	}
	return tx[m] != nil && rx[m] != nil
}
