package faxrelay_test

import (
	"github.com/potsgate/potsgate/media/modem"
	"github.com/potsgate/potsgate/media/modem/hdlc"
	"github.com/potsgate/potsgate/media/modem/v21"
)

type v21Bits struct{ h *hdlc.Receiver }

func (s v21Bits) Bit(b int)         { s.h.Bit(b) }
func (v21Bits) Status(modem.Status) {}

// newV21Frames is a V.21 receiver giving HDLC frames to h.
func newV21Frames(h hdlc.Handler) *v21.Receiver {
	return v21.NewReceiver(v21Bits{hdlc.NewReceiver(h, 2, 0)})
}
