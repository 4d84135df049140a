// Package dtmf generates and detects in-band DTMF (dual-tone
// multi-frequency) signals on 8 kHz linear PCM, as an analog line gateway
// needs them: to play digits received as RFC 4733 telephone events towards
// a phone or line, and to collect digits dialled by a phone.
//
// # Digits and frequencies
//
// A [Digit] is one of 0-9, *, #, A-D. Each is the sum of one tone of the
// low group (697, 770, 852, 941 Hz) and one of the high group (1209, 1336,
// 1477, 1633 Hz), per ITU-T Q.23.
//
// # Generation
//
// [Generator] plays queued digit strings with configurable tone and pause
// durations (default 70 ms / 70 ms) and levels (default -9 dBm0 low group,
// -7 dBm0 high group, a +2 dB twist), and can also play one digit for as
// long as the network says (Start / Stop, for RFC 4733 events). It writes
// into caller buffers and allocates nothing per frame.
//
// # Detection
//
// [Detector] follows the ITU-T Q.24 limits: frequency deviation up to
// ±1.5 % accepted and ±3.5 % rejected, tones and pauses of 40 ms accepted,
// twist up to 4 dB forward (high group stronger) and 8 dB reverse accepted,
// signals from -25 dBm0 per tone accepted and below about -30 dBm0
// rejected. It analyses Hann-windowed blocks of 102 samples every 51
// samples, measures each tone's frequency from the phase advance between
// blocks, and requires the tone pair to dominate the block's energy with
// weak second harmonics, which keeps speech from producing digits
// (talk-off). Frames of any length can be fed to [Detector.Process]; it
// reports [Event] values (digit start with its time offset, digit end with
// its duration) in a reused slice, allocating nothing per frame.
package dtmf
