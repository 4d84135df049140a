// Package sim simulates analog ports with deterministic time: a [Phone]
// behind an FXS port and a [Line] (a PBX or central office line) behind an
// FXO port. Each implements the hal port interface for the gateway side and
// offers a script for the test side: go off hook, dial DTMF as audio or
// pulses, flash, hang up, play audio (samples, or an 8 kHz WAV file with
// [Phone.SayWAV] and [Line.PlayWAV]), record what it hears.
//
// # Devices
//
// [Phone.Attach] puts a [Device] on the line, such as a fax machine run by
// a test: it hears what the gateway sends and talks back, one frame per
// Exchange, in simulated time.
//
// # Echo
//
// [Line.SetEcho] and [Phone.SetHybrid] put a 2-wire/4-wire hybrid on the
// port: an [EchoPath] (an impulse response, a delay and an ERL) returns
// part of what the gateway sends, as a real line does. The eight network
// hybrid models of ITU-T G.168 Annex D are [G168Models].
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
