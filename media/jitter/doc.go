// Package jitter is potsgate's adaptive RTP jitter buffer: it takes RTP
// payloads as they arrive from the network and hands them out in order, at
// the pace of the line's clock, keeping only as much delay as the measured
// network jitter requires.
//
// # Clock
//
// The buffer never reads the time: [Buffer.Push] and [Buffer.Next] take
// the current time as an argument. The reader (the analog line, every
// 10 ms) calls Next whenever it needs audio; Next returns the next packet
// ([FrameAudio]), a gap to conceal ([FrameLost]) or silence ([FrameEmpty]),
// each with its length in samples. Packets are keyed by RTP sequence number
// (order, duplicates, loss) and timestamp (timing, silence gaps); both are
// extended over their wraparound.
//
// # Adaptation
//
// Every packet's transit time (arrival minus timestamp) is compared with
// the smallest transit seen: the difference is how late the network made
// it. A peak tracker of that lateness rises at once to a new peak and
// decays with a time constant of about 512 packets (10 s at 20 ms), and the
// target delay is that peak plus 10 ms, kept between MinDelay (20 ms) and
// MaxDelay (200 ms); it starts at InitialDelay (40 ms). The buffer grows
// towards a larger target at once, by holding playout for one packet (the
// decoder conceals), and shrinks towards a smaller one slowly, by dropping
// at most one packet every half second. A packet that is missing when its
// turn comes while later ones are waiting is lost; one that is missing with
// nothing behind it makes the buffer hold up to the target delay (an
// underrun) before it goes on.
//
// # Resynchronisation
//
// A new SSRC, a jump of more than 2 s of timestamps or 1000 sequence
// numbers, 25 late packets in a row (a sender that numbers backwards), or a packet too far ahead for the
// buffer restart it. A marker bit (start of a talkspurt), or a packet that
// would already be late, arriving while the buffer is empty re-anchors the
// playout point to the target delay: silence absorbs the adjustment.
//
// # Allocation
//
// The buffer keeps 64 slots whose payload storage is reused: once each
// slot has seen its largest payload, Push and Next allocate nothing.
package jitter
