package rtpsession

import (
	"fmt"
	"time"

	"github.com/potsgate/potsgate/media"
)

// FaxJitterDelay is the least delay a session in fax mode holds: room for
// the jitter of a loaded network, fixed so that the modems' timing holds.
const FaxJitterDelay = 100 * time.Millisecond

// SetCodec switches the session to codec, as a re-INVITE may (to G.711
// for fax): audio is coded with it from the next frame, packets of its
// payload type are decoded by it, and what the jitter buffer held for the
// old one is dropped.
func (s *Session) SetCodec(codec media.Codec) error {
	if codec == nil || codec.ClockRate() != media.SampleRate {
		return fmt.Errorf("%w: codec %v", ErrConfig, codec)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.dtmfPT != 0 && codec.PayloadType() == s.dtmfPT {
		return fmt.Errorf("%w: payload type %d is telephone-event's", ErrConfig, s.dtmfPT)
	}
	s.codec = codec
	s.audioPT = codec.PayloadType()
	s.enc, s.dec = codec.NewEncoder(), codec.NewDecoder()
	s.frames, _ = codec.(frameCodec)
	s.pcm, s.payload = s.pcm[:0], s.payload[:0]
	s.pktSamples, s.pktFrames = 0, 0
	s.talkspurt = true
	s.jb.Reset()
	s.fifo = s.fifo[:0]
	return nil
}

// Codec is the session's codec.
func (s *Session) Codec() media.Codec {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.codec
}

// SetFaxMode prepares the session for fax or modem audio (G.711
// pass-through): the jitter buffer stops adapting, at its delay or
// FaxJitterDelay if more, and lost packets are played as silence instead
// of being concealed, since a modem copes with a gap better than with
// made-up signal. It lasts for the session.
func (s *Session) SetFaxMode() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.fax {
		return
	}
	s.fax = true
	s.jb.Fix(FaxJitterDelay)
}

// FaxMode reports whether SetFaxMode was called.
func (s *Session) FaxMode() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.fax
}

// concealLocked fills n samples of missing audio: the decoder's
// concealment, or silence in fax mode.
func (s *Session) concealLocked(fifo []int16, n int) []int16 {
	if s.fax {
		return append(fifo, make([]int16, n)...)
	}
	return s.dec.Conceal(fifo, n)
}
