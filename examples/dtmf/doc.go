// Command dtmf writes DTMF digits to an 8 kHz WAV file, or detects the
// digits in one.
//
// # Usage
//
//	go run ./examples/dtmf -digits 123# -out d.wav
//	go run ./examples/dtmf -detect d.wav
package main
