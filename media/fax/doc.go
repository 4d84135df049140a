// Package fax recognises fax and modem signals in a channel's audio, so
// that a gateway can switch a call from voice to fax handling (G.711
// pass-through or T.38) whichever side the fax machine is on.
//
// # Signals
//
// A [Detector] per direction reports, as [Signal] bits:
//
//   - CNG, the calling fax's 1100 Hz tone (0.5 s on, 3 s off), at the end
//     of each burst of the right length;
//   - CED, a 2100 Hz answer tone held 500 ms, with or without phase
//     reversals and V.8's 15 Hz amplitude modulation (ANSam);
//   - ANS-reversal, each reversal of that tone at the G.165 spacing of
//     450 ms (/ANS, /ANSam): a V.8 modem or V.34 fax;
//   - the V.21 preamble: a run of HDLC flags (0x7E) at 300 bit/s on V.21
//     channel 2 (1650/1850 Hz FSK), which precedes every T.30 control
//     message, the first sign of a fax that sends no CNG or CED.
//
// For example:
//
//	d := fax.New(fax.Config{})
//	if s := d.Process(frame); s.Has(fax.SignalCNG) { ... }
//
// # How
//
// Tones are measured on 10 ms blocks ([BlockSamples]), in which 1100 Hz
// and 2100 Hz make whole cycles: one DFT bin gives each tone's power and
// phase, and the bin must hold most of the block's power. [AnswerTone],
// the 2100 Hz follower with its phase reversal detector, is exported
// because media/echo's G.164/G.165 tone disabler uses the same one. The
// V.21 demodulator correlates over one bit at both carriers, recovers the
// bit clock with a digital PLL and counts flags back to back.
//
// # Allocation
//
// New allocates the detector; Process allocates nothing and takes frames
// of any length.
package fax
