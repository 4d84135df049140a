// Package hdlc is HDLC framing as T.30 uses it (ITU-T T.30 5.3, ISO/IEC
// 13239): frames between flags (0x7E), zero-bit insertion after five ones,
// a 16-bit FCS (CRC-16 ITU, x^16+x^12+x^5+1, sent inverted, low bit
// first), seven or more ones an abort.
//
// # Transmitter
//
// A [Transmitter] is a modem.Source: fed whole frames (without FCS) with
// [Transmitter.Queue], it yields their bits, a preamble of flags before
// the first one, one flag between frames, and flags while it has nothing
// else to send, until [Transmitter.End] lets it finish with EndOfData.
//
// # Receiver
//
// A [Receiver] is fed bits one at a time (it is the Bit half of a
// modem.Sink) and reports each frame to its [Handler] with its FCS
// checked, the flags that show framing, and aborts.
//
// # Allocation
//
// Both are made once; Queue, Bit and the handler calls allocate nothing.
package hdlc
