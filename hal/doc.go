// Package hal is what an analog telephone port is to software: hook and
// ring signalling plus 8 kHz 16-bit PCM audio in 10 ms frames, for FXS ports
// (the gateway feeds a phone) and FXO ports (the gateway is a phone on a PBX
// or PSTN line). It depends on nothing else in the SDK, so a board support
// package implements it without pulling in SIP or media.
//
// # Frames
//
// A port is driven one frame at a time by its owner (the line's goroutine):
// [FXSPort.Exchange] and [FXOPort.Exchange] play one frame toward the
// phone or line, return the frame heard from it, and report the signalling
// events detected during that frame. Hardware ports block until the frame
// boundary, which paces the line in real time; simulated ports ([sim]) return
// at once and advance their own clock by one frame, which makes tests
// deterministic and fast.
//
// # Signalling
//
// FXS ports report raw hook changes; the line state machine tells a hook
// flash, pulse digits and a hang-up apart by timing. Hardware that does that
// itself may report [Flash] and [PulseDigit] directly. FXO ports report ring
// bursts, polarity reversals and loop current loss.
package hal
