// Package v29 is an ITU-T V.29 modem, the one T.30 fax uses at 9600 and
// 7200 bit/s: 2400 baud QAM on a 1700 Hz carrier, 8 kHz 16-bit samples,
// no allocation once made. 4800 bit/s (not used by fax) is not here.
//
// # Transmitter
//
// [Transmitter] sends the training of V.29 clause 4 (segment 1: 48
// symbols without energy; 2: 128 alternations of A and B; 3: 384 symbols
// of C and D from the generator 1 + x^-6 + x^-7 started at 0101010; 4: 48
// symbols of scrambled ones), then its [modem.Source]'s bits through the
// scrambler 1 + x^-18 + x^-23, coded as V.29 tables 1 and 2 (Q1 the
// amplitude, Q2 Q3 Q4 the phase change; at 7200 Q1 is 0), and at
// [modem.EndOfData] a turn-off of 32 symbols of scrambled ones before the
// carrier stops. Pulses are root raised cosine, 25 % roll-off, over +/- 4
// symbols with a Kaiser window (sidelobes 42 dB down).
//
// Levels are in dBm0 by media's G.711 convention, as media/tone's: a
// full-scale sine is +3.14 dBm0, and the modem's mean power equals that
// of a sine at the level set ([Transmitter.SetLevel], -13 dBm0 unless set).
//
// # Receiver
//
// [Receiver] detects the carrier on 5 ms blocks (on above -45 dBm0, off
// below -48 dBm0 over 10 ms: V.29's -43/-48 option with hysteresis),
// looks for segment 2 for up to 300 ms after the carrier comes (so a
// talker echo protection tone or noise before the training is not a
// failed training), recovers symbol timing with Gardner's detector on the matched filter's
// T/2 samples (a 64-phase polyphase filter), finds gain, carrier phase
// and which symbol is A on segment 2, takes the jump to segment 3 as its
// start, trains a 24-tap T/2 equaliser on the known segments 2 and 3,
// tracks carrier phase and frequency with a second-order loop, checks
// segment 4's ones after the descrambler and reports
// [modem.TrainingSucceeded] (or [modem.TrainingFailed]); then it decides
// the data symbols, adapting the equaliser on its decisions, and gives the
// descrambled bits, from the first data bit, to its [modem.Sink].
//
// # What was checked against what
//
// Against spandsp 0.0.6 (Debian libspandsp-dev, v29_tx/v29_rx through the
// test driver testdata/spandspv29.c, never linked into our code), at 9600
// and 7200: spandsp's receiver trains on our signal and gives exactly our
// bits (clean; mu-law with 25 dB SNR and +100 ppm; A-law at -24 dBm0 with
// 25 dB SNR and -100 ppm; a telephone line's 300-3400 Hz band edges with
// a 5 Hz carrier offset, A-law, 25 dB SNR), and ours gives exactly
// spandsp's transmitter's bits the same ways (A-law case at -43 dBm0),
// also after spandsp's talker echo protection tone.
// With white noise at 20, 18 and 16 dB SNR on our signal, ours makes no
// more bit errors than spandsp's receiver (TestNoiseVersusSpandsp). Ours to ours: levels -10,
// -26, -43 dBm0, linear, mu-law and A-law; with 25 dB SNR and +/-100 ppm
// at -10 and -43 dBm0; +/-7 Hz carrier offset; a telephone line's band
// edges; arbitrary start, carrier phase and symbol timing; every bit
// exact.
//
// After the turn-off's ones the receiver may give a few tens of bits of
// the dying carrier before it reports [modem.CarrierDown]: frame the data
// (HDLC flags, T.4 EOLs) rather than count bits. Benchmarks time both against spandsp in the same run
// (BenchmarkReceive, BenchmarkTransmit: x-spandsp).
package v29
