// Command g729 codes raw 16-bit little-endian 8 kHz PCM to the ITU serial
// bitstream of the G.729 test vectors and back, with the pure-Go coder of
// media/g729, so its output can be compared with the ITU conformance
// vectors (cmp SPEECH.BIT out.bit).
//
// # Usage
//
//	go run ./examples/g729 -encode -in SPEECH.IN -out speech.bit
//	go run ./examples/g729 -decode -in SPEECH.BIT -out speech.pst
//	go run ./examples/g729 -encode -annexb -in tstseq1.bin -out tstseq1a.bit
//
// -annexb turns on voice activity detection and discontinuous transmission
// in the encoder (SID frames and frames not transmitted, G.729 Annex B).
// The decoder always understands SID frames, frames not transmitted and
// erased frames (bit words of zero), which it conceals.
package main
