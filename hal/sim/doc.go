// Package sim simulates analog ports with deterministic time: a [Phone]
// behind an FXS port and a [Line] (a PBX or central office line) behind an
// FXO port. Each implements the hal port interface for the gateway side and
// offers a script for the test side: go off hook, dial DTMF as audio or
// pulses, flash, hang up, play audio (samples, or an 8 kHz WAV file with
// [Phone.SayWAV] and [Line.PlayWAV]), record what it hears.
//
// # Time
//
// Simulated time advances only when the gateway side calls Exchange: one
// call is one 10 ms frame. Script methods act at the current simulated time,
// or after the previous scripted action ends, so a script reads in order:
//
//	phone.PickUp()
//	phone.Wait(time.Second)
//	phone.DialPulse("42")
//
// Tests and the embedded gateway drive many frames per real millisecond, or
// pace them with a ticker for real-time audio.
package sim
