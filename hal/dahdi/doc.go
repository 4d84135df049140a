// Package dahdi is a hal backend for analog telephony cards on Linux
// through DAHDI, the open driver stack Asterisk and FreeSWITCH use
// (Digium/Sangoma TDM400P, TDM410, A200, A400, OpenVox A400P/A800P,
// Xorcom Astribank and their clones). A [Port] is one DAHDI channel: an
// FXS port (a hal.FXSPort: the channel has FXO signalling in DAHDI's
// terms) or an FXO port (a hal.FXOPort: FXS signalling).
//
// # Frames
//
// The channel is opened through /dev/dahdi/channel with DAHDI_SPECIFY and
// set to 16-bit linear audio in 80-sample (10 ms) blocks. Each
// [Port.Exchange] writes one block, waits in poll for the card's next one
// (the card's 8 kHz clock paces the line, as the ticker paces simulated
// ports) and reads it, with the events DAHDI_GETEVENT reports. poll wakes
// for audio (POLLIN) and for a pending event (POLLPRI), what DAHDI_IOMUX
// would report, in one wait; read and write answer ELAST while an event
// waits, and the port reads the events first. The frame loop allocates
// nothing and makes three system calls (write, poll, read) when no event
// is pending.
//
// # Signalling
//
// The DAHDI core debounces hooks and counts pulses: an FXS port reports
// off-hook at once, on-hook only after the channel's receive flash time
// (1.25 s by default), a shorter break as hal.Flash and pulse dialling as
// hal.PulseDigit. Ringing is DAHDI_RING and DAHDI_RINGOFF; caller ID and
// VMWI reach an on-hook phone by DAHDI_ONHOOKTRANSFER, asked for when
// the line sends sound on hook. An FXO port reports ring begin and ring
// end, polarity reversals and, on kewlstart lines, loop current loss.
//
// # Failures
//
// A failed read or write, a card that sends no frame for Options.Stall or
// a channel the driver removes takes the port out of service: Exchange
// returns an error wrapping [ErrOutOfService] from then on, and the
// owner (the line, then the gateway) raises the alarm.
//
// # Tests
//
// The kernel is reached through the small [Kernel] interface; package
// dahditest is a fake card with simulated phones and lines behind it.
// Other systems than Linux get a stub whose Open returns
// hal.ErrNotSupported.
package dahdi
