// Package echo is a line echo canceller after ITU-T G.168, one per
// channel, in pure Go.
//
// An analog port meets a 2-wire/4-wire hybrid, which returns part of what
// the gateway sends (Rin, the far end's voice) into what it hears (Sin).
// A [Canceller] models that echo path with an adaptive filter over a tail
// of 32, 64 or 128 ms and subtracts its estimate, frame by frame:
//
//	c, _ := echo.New(echo.Config{Tail: echo.Tail64})
//	c.Process(rin, sin, out) // 80 samples each, every 10 ms
//
// # Filter
//
// Both directions first pass a 100 Hz high-pass (which removes DC). The
// filter is a proportionate NLMS (IPNLMS): each tap's step follows its
// size, so the few milliseconds of a network echo path inside a long tail
// converge first. It is two-path: a background filter adapts on every
// sample of far-end speech, and the foreground filter that makes the output
// takes the background's coefficients only when they cancel clearly better
// over about 40 ms. A diverging background (double talk the detector
// missed) never reaches the output, and is reset from the foreground; a new
// echo path (an extension picked up) is learnt by the background and taken
// over as soon as it beats the old one. Once the output cancels by 30 dB
// or more without double talk, the canceller runs on one path: the
// foreground is the background's copy at the start of each frame and the
// output is the background's own estimate, which saves the foreground's
// pass over the tail and cancels a little better (the background is ahead);
// the first frame of double talk, of a changed path or of a rising residual
// returns to two paths with that copy as the foreground.
//
// # Double talk
//
// A Geigel detector (Sin above half the largest Rin of the tail, the G.168
// 6 dB ERL assumption), refined once converged by the residual (a Geigel
// alarm with a small residual is echo, not the near end), cuts the
// background's step and stops the foreground from copying.
//
// # NLP and comfort noise
//
// While only the far end speaks and the residual is 20 dB under it, the
// non-linear processor replaces the residual with comfort noise at the
// near end's background level (tracked on the residual: falling at once,
// rising slowly). Near-end speech lifts the residual and passes untouched.
//
// # Tone disabler
//
// A 2100 Hz answer tone with phase reversals every 450 ms (G.165; V.8
// ANSam) in either direction disables the canceller, so that modems and
// fax run their own; 2100 Hz without reversals does not (G.164 disables
// echo suppressors on it, not cancellers). The canceller is enabled again
// after 250 ms under -36 dBm0 on both sides, or by [Canceller.Reset] at
// the end of a call.
//
// # Counters
//
// [Canceller.Stats] returns the state, ERL, ERLE and counts, readable from
// any goroutine: what the status page and SNMP show.
//
// # Allocation
//
// New allocates the filters; Process allocates nothing and its output is
// bounded (no NaN, no wrap-around, whatever the input). Per sample of far
// end it makes one pass over the tail for the background (its update for
// the previous sample fused with its output for this one); per frame, one
// blocked pass for the proportionate normalisers and, on two paths, one
// for the foreground's output (the foreground and the gains change only
// between frames). Frames whose tail holds no far end skip the filters.
package echo
