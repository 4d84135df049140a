// Package v21 is the V.21 channel 2 modem T.30 sends its control
// messages with: 300 bit/s binary FSK, 1650 Hz for a one (mark) and
// 1850 Hz for a zero (space), continuous phase (ITU-T V.21).
//
// # Transmitter
//
// A [Transmitter] takes bits from its modem.Source (usually an
// hdlc.Transmitter) and writes the carrier; at EndOfData the carrier
// stops.
//
// # Receiver
//
// A [Receiver] correlates the line with both carriers over one bit,
// decides each bit in its middle with a digital PLL on the transitions,
// and reports to its modem.Sink: CarrierUp when the carrier has been
// there for a while, the bits, CarrierDown when it has gone. V.21 has no
// training: bits follow CarrierUp directly.
//
// # Allocation
//
// NewTransmitter and NewReceiver allocate; Transmit and Receive do not.
package v21
