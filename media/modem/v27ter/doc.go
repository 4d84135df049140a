// Package v27ter is the ITU-T V.27ter modem T.30 fax uses for its image
// data at 4800 and 2400 bit/s: a [Transmitter] that modulates bits into
// 8 kHz 16-bit audio and a [Receiver] that demodulates them back, behind
// the interfaces of package modem.
//
// # The signal
//
// An 1800 Hz carrier, differentially phase modulated: at 4800 bit/s 1600
// symbols a second of three bits (8 phase changes, V.27ter table 2), at
// 2400 bit/s 1200 symbols of two bits (4 changes, table 1), each bit
// scrambled first by V.27ter's 1 + x^-6 + x^-7 with its guard against
// repetitive patterns. Symbols are shaped by a root-raised-cosine pulse
// (50% roll-off); at 1200 baud a symbol is 20/3 samples, so the
// transmitter works on a grid of a third of a sample, where the symbols of
// both rates fall.
//
// A transmission is the long training of V.27ter table 3, as fax uses it:
// 50 symbols of 180-degree reversals, 1074 of the equaliser conditioning
// pattern (0 or 180 degrees by the first of three bits of the scrambler,
// preset to 0011110, fed with ones), 8 of scrambled ones; then the data;
// then the turn-off, 20 ms of scrambled ones. With
// [Transmitter.SetEchoProtection] the training starts with segments 1
// and 2, 200 ms of unmodulated carrier and 20 ms of silence.
//
// Levels are in dBm0 by media's convention ([media.SineAmplitude], a
// sine of +3.14 dBm0 is full scale): the signal has the power of a sine at
// the level set, -13 dBm0 by default.
//
// # The receiver
//
// Carrier detection has hysteresis: on above -45 dBm0 (so a signal at
// V.27ter's -43 comes on at once), off after falling below -48 for 10 ms
// before training (T.30 leaves 75 +/- 20 ms between a V.21 message and
// the training: TestAfterV21) and 30 ms once trained, when 12 dB under
// the training's level is off too (noise on the line above -48 must not
// hold it up). After carrier-down a new carrier must also be 9 dB above
// the quietest level since, so that the fading end of a signal or line
// noise is not taken for one. The input is filtered by the matched
// root-raised-cosine filter moved up to the carrier. Symbol timing comes
// from the spectral line at the symbol rate in the square of the filter's
// output (Oerder and Meyr), which does not depend on carrier phase or
// data, and is tracked through a sample clock offset; samples between
// the filter's outputs are interpolated (cubic). A 13-tap equaliser, two
// taps a symbol, and a second-order phase loop start on the reversals,
// train on segment 4's known pattern, whose first symbol (the first
// 0-degree change) fixes where the data will start, and then follow the
// data's decisions. The receiver reports [modem.CarrierUp],
// [modem.TrainingSucceeded] (segment 4 matched) or [modem.TrainingFailed]
// (no reversals within 1 s of carrier, reversals that do not end, or
// segment 4 not matching: another modem, another rate, a tone, noise),
// then the data bits, descrambled, and [modem.CarrierDown]. The last data
// symbols are given five symbols late, so that those of the signal's end
// (its energy gone) are dropped rather than given as bits. Only the long
// training is recognised.
//
// # Checked against
//
// spandsp 0.0.6 (libspandsp-dev; its v27ter_tx and v27ter_rx, driven by
// testdata/spandspv27ter.c from the tests only):
//
//   - the phase changes of spandsp's transmitter, demodulated by hand,
//     were the source of the tables, the segment lengths, segment 4's
//     pattern and the guard's details (33 bits, delays 8, 9 and 12), and
//     ours match them symbol for symbol from segment 3 on;
//   - TestFromSpandsp: spandsp's signal through levels from -43 to -10
//     dBm0, G.711 mu-law and A-law, 25 dB SNR, +/-100 ppm of sample
//     clock, a 7 Hz carrier offset, with its echo protection tone: every
//     data bit comes out of our receiver;
//   - TestToSpandsp: ours into spandsp's receiver, with spandsp's own
//     signal through the same channel as the yardstick: it trains, gets
//     every bit without noise and, with noise, no more errors than on its
//     own signal (within a tolerance for the few error events);
//   - TestNoiseMargin: bit errors of our receiver and spandsp's on the same
//     noisy audio, at the SNRs where errors begin: ours make no more.
//
// And ours to ours (TestLoop): levels, G.711, noise, clock offsets (over
// 30 s pages too), carrier offsets of +/-7 Hz, frames of odd lengths,
// both rates, with and without echo protection; TestTrainingFailed (tones,
// noise, the other rate), TestAfterV21, TestBackToBack and TestNoData.
//
// # Cost
//
// Receive and Transmit allocate nothing. BenchmarkReceive and
// BenchmarkTransmit give the CPU time per 10 ms frame and its ratio to
// spandsp's on the same signal in the same run. Measured on the shared
// development machine (AMD EPYC, 2 cores): receiving 3.1 us a frame at
// 4800 bit/s (1.2x spandsp's v27ter_rx), 2.8 us at 2400 (1.4x);
// transmitting 1.0 and 0.8 us (1.3x spandsp's v27ter_tx). In data the
// receiver takes the timing from the line every fourth symbol and updates
// the equaliser every other: that cost about 10% more bit errors at
// 4800 bit/s near 12 dB SNR in TestNoiseMargin, still fewer than
// spandsp's receiver makes.
package v27ter
