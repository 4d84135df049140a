// Package v17 is an ITU-T V.17 modem as T.30 fax uses it: 14400, 12000,
// 9600 and 7200 bit/s, 2400 baud on an 1800 Hz carrier, trellis coded,
// on 8 kHz 16-bit linear samples, with no allocation once made.
//
// # Transmitter
//
// [Transmitter] sends the training of V.17 (segment 1: 256 symbols
// alternating A B; segment 2: scrambled ones on the four points C D B A,
// 2976 symbols in the long training, 38 in the short one; segment 3: the
// 64-symbol bridge, long training only; segment 4: 48 symbols of
// trellis-coded scrambled ones), then its [modem.Source]'s bits, then the
// turn-off (32 symbols of scrambled ones, 48 of silence). Bits are
// scrambled with V.17's self-synchronising 1 + x^-18 + x^-23; per symbol,
// Q1 Q2 are differentially encoded into Y1 Y2, the 8-state convolutional
// encoder adds Y0, and Y0 Y1 Y2 Q3..Qn pick a point of the 16-, 32-, 64-
// or 128-point constellation. Pulses are root raised cosine, 25 %
// excess bandwidth. The talker echo protection tone is not sent (fax does
// not use it). The level is the training's power as a sine's, in media's
// dBm0 (media.SineAmplitude), -13 dBm0 unless set.
//
// # Receiver
//
// [Receiver] detects the carrier by its power, with hysteresis (on above
// -45 dBm0, so a -43 dBm0 signal is never missed; off below -49), mixes
// it to baseband and samples a root raised cosine matched filter twice a
// symbol at instants a Gardner timing loop keeps on the symbols (fast in
// segment 1, slower after, so +/-100 ppm of clock is followed), sets its
// gain, and finds segment 1 from the quarter turns between its symbols;
// their phase gives the carrier's, which a decision-directed loop then
// tracks; segment 1 ends where the output stops repeating every second
// symbol. A 17-tap T/2 equalizer learns from segment 1's known points and
// is trained on segment 2 (whose bits must
// descramble to ones, or the training is not recognised), and the end of
// segment 2 is placed to the symbol by checking the bridge's bits (long)
// or segment 4's (short) against the candidates. Then an 8-state Viterbi
// decoder, the differential decoder and the descrambler give the data bits
// to the [modem.Sink] from the first bit after segment 4, while the
// equalizer and carrier loop follow the decisions. TrainingSucceeded
// comes before the first data bit; TrainingFailed when energy held for
// 800 symbols (a third of a second) without segment 1, or what followed
// it was not a training (the search goes on while the carrier lasts);
// CarrierDown when the power falls. After a short training the
// equalizer starts from what the last long training learned. Whether a
// training is long or short is read from the length of its segment 2, so
// a receiver restarted for the short training takes a long one as well.
//
// # What was checked, against what
//
// Tests (go test ./media/modem/v17, POTSGATE_REQUIRE_PEERS=1 to make the
// spandsp ones fail rather than skip without spandsp):
//
//   - ours to ours at every rate, long training, and long then short
//     (TestLoopbackLong, TestLoopbackShort): random data bit-exact;
//   - ours to ours through G.711 mu-law and A-law, white noise 30 dB under
//     the signal, +/-100 ppm of clock, -10, -26 and -43 dBm0, arbitrary
//     start, carrier phase and symbol timing, long and short, and a long
//     line (+1.5 dB at 600 Hz, -14 dB at 3000 Hz) at 12000 and 9600
//     (TestImpairments): bit-exact;
//   - spandsp 0.0.6's v17_tx to our receiver, long and long-then-short
//     training, every rate (TestSpandspToOurs, TestSpandspToOursShort):
//     bit-exact; and through the line impairments (TestSpandspImpaired);
//   - our transmitter to spandsp's v17_rx, the same cases
//     (TestOursToSpandsp, TestOursToSpandspShort): spandsp reports training
//     succeeded and gives our bits, bit-exact;
//   - spandsp's training preceded by the talker echo protection tone
//     (TestSpandspTEP): trained, bit-exact, no TrainingFailed;
//   - a carrier off by -7 to +7 Hz (TestCarrierOffset): bit-exact;
//   - a receiver set for the short training takes a long one, then a short
//     one (TestTrainingEitherWay); -50 dBm0 is not a carrier, -43 dBm0 is
//     (TestCarrierThreshold);
//   - 0 allocations per Transmit and Receive (TestNoAllocs), the level
//     (TestTransmitLevel), the rates refused with modem.ErrRate (TestRates),
//     arbitrary audio never panics (FuzzReceive).
//
// BenchmarkReceive and BenchmarkTransmit give the cost of a 10 ms frame
// and its ratio to spandsp's v17_rx and v17_tx on the same audio and bits,
// in the same run (thread CPU time on both sides).
//
// The constellations' coordinates and bit labels are V.17's figures (as
// V.32bis has them); spandsp's modem was used only as a peer, through the
// test driver testdata/spandspv17.c.
package v17
