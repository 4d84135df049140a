// Package media holds the contracts shared by potsgate's audio code: the
// [Codec] interface that every coder implements (G.711 here, G.729 in
// media/g729) and the per-channel [Encoder] and [Decoder] it makes.
//
// # Layout
//
// Sub-packages are cut by feature: media/g729 (the G.729A/B coder),
// media/rtpsession (RTP/RTCP sessions on pion/rtp and pion/rtcp),
// media/jitter (the adaptive jitter buffer), media/rfc4733 (telephone-event
// packets), media/dtmf (in-band DTMF generation and detection), media/tone
// (call progress tones) and media/callerid (caller ID signals).
//
// # Allocation
//
// Encoders and decoders append to caller-owned slices so that a channel's hot
// path, one call every 10-60 ms per call, allocates nothing once its buffers
// have grown.
package media
