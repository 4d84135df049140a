package faxrelay

import (
	"github.com/potsgate/potsgate/media/modem"
	"github.com/potsgate/potsgate/media/modem/v17"
	"github.com/potsgate/potsgate/media/modem/v27ter"
	"github.com/potsgate/potsgate/media/modem/v29"
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

type v27Tx struct{ *v27ter.Transmitter }

func (m v27Tx) restart(rate int, _ bool) error { return m.Restart(rate) }

type v27Rx struct{ *v27ter.Receiver }

func (m v27Rx) restart(rate int, _ bool) error { return m.Restart(rate) }

type v29Tx struct{ *v29.Transmitter }

func (m v29Tx) restart(rate int, _ bool) error { return m.Restart(rate) }

type v29Rx struct{ *v29.Receiver }

func (m v29Rx) restart(rate int, _ bool) error { return m.Restart(rate) }

type v17Tx struct{ *v17.Transmitter }

func (m v17Tx) restart(rate int, short bool) error { return m.Restart(rate, short) }

type v17Rx struct{ *v17.Receiver }

func (m v17Rx) restart(rate int, short bool) error { return m.Restart(rate, short) }

// txLevel is the high-speed modems' transmit level, dBm0, as V.21's.
const txLevel = -12

// newModems makes the high-speed modems the gateway has, indexed by
// Modulation; a nil entry is one it has not (the rates it would need are
// taken out of DIS/DTC).
func newModems(src modem.Source, sink modem.Sink) (tx [4]fastTx, rx [4]fastRx, err error) {
	t27, err := v27ter.NewTransmitter(4800, src)
	if err != nil {
		return tx, rx, err
	}
	t27.SetLevel(txLevel)
	r27, err := v27ter.NewReceiver(4800, sink)
	if err != nil {
		return tx, rx, err
	}
	tx[V27ter], rx[V27ter] = v27Tx{t27}, v27Rx{r27}
	t29, err := v29.NewTransmitter(9600, src)
	if err != nil {
		return tx, rx, err
	}
	t29.SetLevel(txLevel)
	r29, err := v29.NewReceiver(9600, sink)
	if err != nil {
		return tx, rx, err
	}
	tx[V29], rx[V29] = v29Tx{t29}, v29Rx{r29}
	t17, err := v17.NewTransmitter(14400, src)
	if err != nil {
		return tx, rx, err
	}
	t17.SetLevel(txLevel)
	r17, err := v17.NewReceiver(14400, sink)
	if err != nil {
		return tx, rx, err
	}
	tx[V17], rx[V17] = v17Tx{t17}, v17Rx{r17}
	return tx, rx, nil
}
