// Package dahditest is a fake DAHDI card for tests: a [dahdi.Kernel]
// whose channels behave as include/dahdi/user.h and the DAHDI core
// describe them, with a simulated phone ([sim.Phone]) on each FXS channel
// and a simulated exchange line ([sim.Line]) on each FXO channel. It
// lets the hal/dahdi backend run the same scenarios as the sim ports,
// without a card.
//
// # What it models
//
//   - /dev/dahdi/channel with DAHDI_SPECIFY (EINVAL for a channel that
//     does not exist, EBUSY for one already open), DAHDI_GET_PARAMS with
//     the channel's signalling, buffer and law settings.
//   - Blocking reads of one block per 10 ms frame, paced by a [Clock]
//     (Unpaced for simulated time, RealTime for 8 kHz), poll with POLLIN
//     and POLLPRI, and ELAST from read and write while an event waits.
//   - The DAHDI core's hook machine on FXO-signalled channels: off-hook
//     at once, on-hook only after the receive flash time (1250 ms, or
//     what DAHDI_SET_PARAMS sets), a
//     shorter break as a wink/flash event, 15 to 200 ms breaks counted as
//     pulses and reported as a pulse digit 250 ms after the last one.
//   - Ringing with the driver's cadence (2 s on, 4 s off) from DAHDI_RING
//     to DAHDI_RINGOFF or off-hook; on-hook transfer (audio reaches an
//     on-hook phone only while it lasts); polarity and VMWI.
//   - On FXS-signalled channels: ring begin and ring end (RINGOFFHOOK)
//     events, polarity reversal, loop current loss as on-hook.
//   - Failures: a card removed (DAHDI_EVENT_REMOVED, then ENODEV), an
//     I/O error, a card that stops sending frames.
package dahditest
