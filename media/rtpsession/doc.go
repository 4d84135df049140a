// Package rtpsession runs the RTP and RTCP of one call leg: it packetises
// 10 ms frames of line audio through a [media.Codec], sends them, receives
// the far end's packets into an adaptive jitter buffer (media/jitter) and
// hands 10 ms frames back to the line, with loss concealment. RTP headers
// and RTCP packets are built and parsed with github.com/pion/rtp and
// github.com/pion/rtcp.
//
// # Sending
//
// [Session.WriteFrame] takes 10 ms of PCM from the line, collects
// [Config.PacketTime] of it (10 to 60 ms, default 20 ms), encodes it and
// sends one packet from the caller's goroutine: UDP sends do not block. The
// SSRC and the first sequence number and timestamp are random; the
// timestamp advances by the samples of every frame, also while sending is
// paused (hold) or a digit is sent; the marker bit is set on the first
// packet of each talkspurt only (the first packet, and the first after a
// pause or a digit). The header is marshalled with rtp.Header.MarshalTo
// into a buffer the session reuses: the send path allocates nothing.
//
// A codec with discontinuous transmission (G.729 Annex B: media/g729.Codec
// has PayloadSamples and FrameEndsPacket) is packetised frame by frame: a
// frame the encoder does not transmit ends the packet in progress, the
// next packet carrying the timestamp of its own first frame; a SID frame
// is the last of its packet (RFC 3551 section 4.5.6); the marker bit opens
// each talkspurt. Received payloads last what the codec says, so the gaps
// between them are played as gaps (comfort noise from the decoder).
//
// # Receiving
//
// One goroutine owned by the session reads the RTP socket (and another the
// RTCP socket, when there is one; without it RTCP is multiplexed on the
// RTP port, RFC 5761). Packets of the codec's payload type go to the jitter
// buffer; [Session.ReadFrame] pulls from it at the line's pace and decodes,
// conceals or plays silence. Malformed packets and unknown payload types
// are counted and dropped. With [Config.Symmetric] the remote address
// latches to the source of received RTP (symmetric RTP, RFC 4961), as
// gateways behind NAT need.
//
// # Telephone events
//
// With [Config.DTMFPayloadType] set (usually 101, negotiated in SDP),
// [Session.SendDTMF] queues a digit as RFC 4733 events: audio stops for
// the digit, an event packet (same timestamp, growing duration, marker on
// the first) goes out every packet time, and the end packet is sent three
// times. Sending is paced by WriteFrame, so digits go out only while the
// line keeps writing frames. Received events call [Config.OnDTMF] once at
// the start and once at the end of each digit, whatever the number of
// retransmissions.
//
// # RTCP
//
// Every five seconds (by the injected clock, checked from WriteFrame and
// ReadFrame) the session sends a sender report, or a receiver report when
// it has not sent, with a reception report block (fraction lost,
// cumulative lost, extended highest sequence number, interarrival jitter of
// RFC 3550 A.8, LSR and DLSR) and an SDES CNAME. Reports received about
// our stream fill the Remote fields of [Stats], and the round-trip time.
//
// # SRTP
//
// With [Config.SRTPSend] and [Config.SRTPReceive] set (keys from SDES,
// media/srtp) the session sends SRTP and SRTCP (RFC 3711) and accepts
// only packets that authenticate under the far end's key: a packet that
// fails is dropped before anything reads it (symmetric latching
// included) and counted in Stats.SRTPAuthFailed, a replayed one in
// Stats.SRTPReplayed; neither is ever played. Protection works in buffers
// the session reuses: SRTP adds no allocation per packet.
// [Session.SetKeys] rekeys (a re-INVITE with new a=crypto lines); a
// direction whose key is unchanged keeps its rollover counter and replay
// window, and the previous receiving key is honoured until the first
// packet under the new one authenticates.
//
// # Ports
//
// [PortAllocator] hands out even/odd RTP/RTCP port pairs from a range and
// takes them back; it is safe for concurrent use. With [PortAllocator.DSCP]
// set, both sockets of each pair are marked with that DiffServ code point
// (media/diffserv) when they are bound.
package rtpsession
