package jitter

import "time"

// Push offers a received packet to the buffer at time now.
func (b *Buffer) Push(now time.Time, p Packet) PushResult {
	b.st.Pushed++
	if len(p.Payload) == 0 {
		b.st.Dropped++
		return Dropped
	}
	if b.epoch.IsZero() {
		b.epoch = now
	}
	samples := int64(p.Samples)
	if samples <= 0 {
		samples = b.lastSamples
	}
	samples = min(samples, b.rate) // one second at most
	arrival := int64(now.Sub(b.epoch)) / 1000 * b.rate / 1_000_000

	if !b.started || p.SSRC != b.ssrc {
		b.restart(p)
		return b.store(p, b.highSeq, b.highTS, samples, arrival, Resynced)
	}
	ext := b.highSeq + int64(int16(p.Seq-uint16(b.highSeq)))
	extTS := b.highTS + int64(int32(p.Timestamp-uint32(b.highTS)))
	if d := ext - b.highSeq; d > maxSeqJump || d < -maxSeqJump ||
		abs(extTS-b.highTS) > maxTSJumpSecs*b.rate || ext >= b.playSeq+slots {
		b.restart(p)
		return b.store(p, b.highSeq, b.highTS, samples, arrival, Resynced)
	}
	if ext < b.playSeq {
		b.st.Late++
		b.lateRun++
		b.observe(arrival - extTS)
		if b.lateRun >= lateResync {
			b.restart(p)
			return b.store(p, b.highSeq, b.highTS, samples, arrival, Resynced)
		}
		return Late
	}
	if s := &b.ring[idx(ext)]; s.full && s.ext == ext {
		b.st.Duplicates++
		return Duplicate
	}
	b.lateRun = 0
	late := b.observe(arrival - extTS)
	if b.count == 0 && ext >= b.highSeq && (p.Marker || extTS-b.playTS+late < 0) {
		// A talkspurt starts, or the stream came back behind the playout
		// point: re-anchor the playout to the target delay.
		b.st.Resyncs++
		b.anchor(ext, extTS, late)
		return b.store(p, ext, extTS, samples, arrival, Resynced)
	}
	// The reader is on average half a packet behind playTS.
	b.delay += (float64(extTS-b.playTS+late+b.lastSamples/2) - b.delay) / 16
	return b.store(p, ext, extTS, samples, arrival, Stored)
}

// restart forgets the stream and starts over with p.
func (b *Buffer) restart(p Packet) {
	if b.started {
		b.st.Resyncs++
	}
	b.clear()
	b.started = true
	b.ssrc = p.SSRC
	b.haveTransit = false
	b.highSeq = int64(p.Seq)
	b.highTS = int64(p.Timestamp)
	b.anchor(b.highSeq, b.highTS, 0)
}

// anchor sets the playout point so that the packet (ext, extTS), which
// came late after the fastest transit, plays after the target delay.
func (b *Buffer) anchor(ext, extTS, late int64) {
	b.playSeq = ext
	b.playTS = extTS - max(0, b.target-late)
	b.delay = float64(max(b.target, late))
	b.held = 0
}

func (b *Buffer) store(p Packet, ext, extTS, samples, arrival int64, r PushResult) PushResult {
	if r == Resynced && !b.haveTransit {
		b.observe(arrival - extTS)
	}
	s := &b.ring[idx(ext)]
	if s.full {
		b.count-- // an old packet a whole ring behind: overwritten
	}
	s.full = true
	s.ext = ext
	s.ts = extTS
	s.seq = p.Seq
	s.marker = p.Marker
	s.samples = int(samples)
	s.payload = append(s.payload[:0], p.Payload...)
	b.count++
	if ext > b.highSeq {
		b.highSeq = ext
		b.highTS = extTS
	}
	return r
}

// observe updates the jitter statistics and the target delay with one
// packet's transit time and returns how late the packet is after the
// fastest transit seen.
func (b *Buffer) observe(transit int64) int64 {
	if !b.haveTransit {
		b.haveTransit = true
		b.minTransit = transit
		b.prevTransit = transit
	}
	d := abs(transit - b.prevTransit)
	b.prevTransit = transit
	b.jitter16 += d - ((b.jitter16 + 8) >> 4)
	if transit < b.minTransit {
		// A faster path: everything measured so far was that much later.
		b.delay -= float64(b.minTransit - transit)
		b.minTransit = transit
	}
	late := transit - b.minTransit
	if l := float64(late); l > b.need {
		b.need = l
	} else {
		b.need -= (b.need - l) / needDecay
	}
	b.target = min(max(int64(b.need)+b.margin(), b.minD), b.maxD)
	return late
}

// Next returns what to play next at time now.
func (b *Buffer) Next(now time.Time) Frame {
	if !b.started {
		return Frame{Kind: FrameEmpty, Samples: int(b.rate / 100)}
	}
	for {
		s := &b.ring[idx(b.playSeq)]
		if !s.full || s.ext != b.playSeq {
			return b.missing()
		}
		if s.ts > b.playTS {
			// A gap in timestamps: silence suppression or a pause.
			n := min(s.ts-b.playTS, b.lastSamples)
			b.playTS += n
			return Frame{Kind: FrameEmpty, Samples: int(n)}
		}
		samples := int64(s.samples)
		if !b.fixed && b.delay < float64(b.target-b.lastSamples/2) && b.delay+float64(b.lastSamples) <= float64(b.maxD) {
			// Too little delay: hold for one packet.
			b.st.Holds++
			b.delay += float64(b.lastSamples)
			return Frame{Kind: FrameLost, Samples: int(b.lastSamples)}
		}
		over := b.target + samples
		if b.fixed {
			// Fixed: a modem loses its place at every skip, so only a
			// delay far over the target (a long stall) is cut.
			over = b.target + b.rate/5
		}
		if b.delay > float64(over) && b.sinceSkip >= b.rate/2 && b.count > 1 {
			nx := &b.ring[idx(b.playSeq+1)]
			if nx.full && nx.ext == b.playSeq+1 {
				// Too much delay: drop this packet, the next follows on.
				b.st.Skipped++
				b.delay -= float64(samples)
				b.sinceSkip = 0
				b.take(s)
				b.playTS = nx.ts
				continue
			}
		}
		b.take(s)
		b.st.Played++
		b.sinceSkip += samples
		return Frame{Kind: FrameAudio, Payload: s.payload, Samples: s.samples, Seq: s.seq, Timestamp: uint32(s.ts)}
	}
}

func (b *Buffer) take(s *slot) {
	s.full = false
	b.count--
	b.playSeq++
	b.playTS = s.ts + int64(s.samples)
	b.lastSamples = int64(s.samples)
	b.held = 0
}

// missing handles a turn whose packet is not there.
func (b *Buffer) missing() Frame {
	if b.count > 0 {
		// Later packets are waiting: this one is lost. Spread the gap up
		// to the next packet over the missing ones.
		for e := b.playSeq + 1; e < b.playSeq+slots; e++ {
			s := &b.ring[idx(e)]
			if !s.full || s.ext != e {
				continue
			}
			n := (s.ts - b.playTS) / (e - b.playSeq)
			n = min(max(n, 1), b.rate)
			b.st.Lost++
			b.playSeq++
			b.playTS += n
			b.held = 0
			return Frame{Kind: FrameLost, Samples: int(n)}
		}
	}
	n := b.lastSamples
	if b.held < b.target {
		// Nothing waiting: the packet may be late. Hold up to the target
		// delay for it.
		b.held += n
		b.st.Underruns++
		b.delay += float64(n)
		return Frame{Kind: FrameLost, Samples: int(n)}
	}
	// The stream stopped: run the clock on in silence.
	b.playTS += n
	b.delay -= float64(n)
	return Frame{Kind: FrameEmpty, Samples: int(n)}
}

func idx(ext int64) int { return int(uint64(ext) % slots) }

func abs(v int64) int64 {
	if v < 0 {
		return -v
	}
	return v
}
