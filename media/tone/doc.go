// Package tone generates the call progress tones an analog gateway plays
// to its phones and lines: dial, ringback, busy, congestion, reorder, call
// waiting, off-hook warning (howler), hold, stutter dial tone and others.
//
// # Definitions
//
// A [Definition] is one or two frequencies (300-1980 Hz) with their levels
// in dBm0, or an amplitude-modulated carrier, and a [Form]: continuous,
// cadence (up to four on/off pairs, repeated) or burst (the cadence played
// once, then silence). [Type] numbers follow the vendor's call progress
// tones file (1 dial, 2 ringback, 3 busy, ...).
//
// # Country presets
//
// [Country] returns the tones of a country by ISO 3166 code (US, GB/UK,
// DE, FR, IL), after ITU-T E.180 Supplement 2 and the operators' published
// values.
//
// # Call progress tones files
//
// [ParseCPT] reads the vendor's text source for the call progress tones
// file (sections [NUMBER OF CALL PROGRESS TONES] and [CALL PROGRESS TONE
// #n], levels in -dBm, times in 10 ms units); [WriteCPT] writes one.
// Errors name the line.
//
// # Generation
//
// [Generator] plays a definition into caller buffers frame by frame with
// phase-continuous oscillators and no allocation per frame.
package tone
