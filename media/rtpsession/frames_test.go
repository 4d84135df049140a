package rtpsession

import (
	"testing"
	"time"

	"github.com/pion/rtp"

	"github.com/potsgate/potsgate/media"
	"github.com/potsgate/potsgate/media/g729"
)

// dtxCodec is a stand-in for G.729 Annex B: an 80-sample frame whose first
// sample is 1 codes to a 10-byte speech frame, 2 to a 2-byte SID, anything
// else to nothing. Decoding gives each frame's first byte as samples.
type dtxCodec struct{}

func (dtxCodec) Name() string              { return "DTX" }
func (dtxCodec) PayloadType() uint8        { return 18 }
func (dtxCodec) ClockRate() int            { return 8000 }
func (dtxCodec) FrameSamples() int         { return 80 }
func (dtxCodec) NewEncoder() media.Encoder { return dtxEncoder{} }
func (dtxCodec) NewDecoder() media.Decoder { return dtxDecoder{} }
func (dtxCodec) PayloadSamples(p []byte) int {
	return len(p)/10*80 + len(p)%10/2*80
}
func (dtxCodec) FrameEndsPacket(n int) bool { return n != 10 }

type dtxEncoder struct{}

func (dtxEncoder) Encode(dst []byte, pcm []int16) ([]byte, error) {
	for off := 0; off < len(pcm); off += 80 {
		switch pcm[off] {
		case 1:
			dst = append(dst, byte(pcm[off+1]), 0, 0, 0, 0, 0, 0, 0, 0, 0)
		case 2:
			dst = append(dst, byte(pcm[off+1]), 0)
		}
	}
	return dst, nil
}

type dtxDecoder struct{}

func (dtxDecoder) Decode(dst []int16, p []byte) ([]int16, error) {
	for len(p) > 0 {
		n := min(len(p), 10)
		for range 80 {
			dst = append(dst, int16(p[0]))
		}
		p = p[n:]
	}
	return dst, nil
}

func (dtxDecoder) Conceal(dst []int16, n int) []int16 {
	for range n {
		dst = append(dst, -1)
	}
	return dst
}

// TestDTXPacketisation: with a codec that may code a frame to a SID or to
// nothing, packets start at their first transmitted frame, a SID ends its
// packet, and the marker bit opens each talkspurt (RFC 3551 4.5.6, 4.1).
func TestDTXPacketisation(t *testing.T) {
	far := listen(t)
	s := newSession(t, Config{Codec: dtxCodec{}, Remote: addrOf(far), PacketTime: 20 * time.Millisecond, RTCPInterval: -1})
	// Frame kinds, 10 ms each: S speech, I SID, - nothing.
	script := "SSSS" + "SI" + "--" + "-S" + "SS" + "I-" + "--" + "IS" + "S-"
	type pkt struct {
		dts    uint32 // timestamp after the first packet's
		size   int
		marker bool
		first  byte // the first frame's tag: its index in the script
	}
	want := []pkt{
		{0, 20, true, 0}, {160, 20, false, 2},
		{320, 12, false, 4}, // a SID ends its packet
		{720, 20, true, 9},  // after frames not sent: own timestamp, marker
		{880, 12, false, 11},
		{1280, 2, false, 16}, // a lone SID: no marker
		{1360, 20, true, 17}, // the talkspurt after it has one
	}
	frame := make([]int16, 80)
	for i, k := range script {
		clear(frame)
		switch k {
		case 'S':
			frame[0] = 1
		case 'I':
			frame[0] = 2
		}
		frame[1] = int16(i)
		if err := s.WriteFrame(frame); err != nil {
			t.Fatal(err)
		}
	}
	buf := make([]byte, 1500)
	var base uint32
	for i, w := range want {
		far.SetReadDeadline(time.Now().Add(2 * time.Second))
		n, _, err := far.ReadFrom(buf)
		if err != nil {
			t.Fatalf("packet %d: %v", i, err)
		}
		var p rtp.Packet
		if err := p.Unmarshal(buf[:n]); err != nil {
			t.Fatal(err)
		}
		if i == 0 {
			base = p.Timestamp
		}
		got := pkt{p.Timestamp - base, len(p.Payload), p.Marker, p.Payload[0]}
		if got != w {
			t.Errorf("packet %d: %+v, want %+v", i, got, w)
		}
	}
	far.SetReadDeadline(time.Now().Add(100 * time.Millisecond))
	if n, _, err := far.ReadFrom(buf); err == nil {
		t.Errorf("an extra packet of %d bytes", n)
	}
}

// TestDTXReceiveDurations: a received payload's duration comes from the
// codec (a 10-byte frame and a SID make 160 samples), so the jitter buffer
// plays the gaps of discontinuous transmission as gaps.
func TestDTXReceiveDurations(t *testing.T) {
	clk := newClock()
	ca, cb := listen(t), listen(t)
	a := newSession(t, Config{Conn: ca, Remote: addrOf(cb), Codec: dtxCodec{}, Now: clk.Now, RTCPInterval: -1})
	b := newSession(t, Config{Conn: cb, Remote: addrOf(ca), Codec: dtxCodec{}, Now: clk.Now, RTCPInterval: -1})
	frame := make([]int16, 80)
	// 200 ms of speech, then a SID and 300 ms of nothing, then speech.
	script := ""
	for range 20 {
		script += "S"
	}
	script += "I"
	for range 29 {
		script += "-"
	}
	for range 20 {
		script += "S"
	}
	var heard []int16
	sent := uint64(0)
	for _, k := range script {
		clear(frame)
		switch k {
		case 'S':
			frame[0] = 1
			frame[1] = 7
		case 'I':
			frame[0] = 2
			frame[1] = 9
		}
		before := a.Stats().PacketsSent
		a.WriteFrame(frame)
		sent += a.Stats().PacketsSent - before
		waitReceived(t, b, sent)
		clk.Advance(10 * time.Millisecond)
		out := make([]int16, 80)
		b.ReadFrame(out)
		heard = append(heard, out...)
	}
	// The SID's 80 samples are played once, then the gap is concealment
	// (the decoder's comfort noise), not a repetition of the SID.
	sid := 0
	for _, v := range heard {
		if v == 9 {
			sid++
		}
	}
	if sid != 80 {
		t.Errorf("the SID was played for %d samples, want 80", sid)
	}
}

// TestG729BetweenSessions: a tone, a second of silence and the tone again
// through two sessions with G.729 Annex B: the silence goes out as SID
// frames (few packets), the tones arrive, the silence is played as
// comfort noise far below the tone, and nothing is counted lost.
func TestG729BetweenSessions(t *testing.T) {
	for _, annexB := range []bool{false, true} {
		codec := g729.Codec{AnnexB: annexB}
		t.Run(codec.FormatParameters(), func(t *testing.T) {
			clk := newClock()
			ca, cb := listen(t), listen(t)
			a := newSession(t, Config{Conn: ca, Remote: addrOf(cb), Codec: codec, Now: clk.Now, RTCPInterval: -1})
			b := newSession(t, Config{Conn: cb, Remote: addrOf(ca), Codec: codec, Now: clk.Now, RTCPInterval: -1})
			frame := make([]int16, 80)
			var got []int16
			for i := range 300 {
				toneFrame(frame, i*80, 1000, 8000)
				if i >= 100 && i < 200 {
					clear(frame)
				}
				if err := a.WriteFrame(frame); err != nil {
					t.Fatal(err)
				}
				waitReceived(t, b, a.Stats().PacketsSent)
				b.ReadFrame(frame)
				got = append(got, frame...)
				clk.Advance(10 * time.Millisecond)
			}
			as, bs := a.Stats(), b.Stats()
			t.Logf("sent %d packets, %d bytes; receiver lost %d, concealed %d", as.PacketsSent, as.BytesSent, bs.Lost, bs.Concealed)
			if annexB && as.PacketsSent > 120 || !annexB && as.PacketsSent != 150 {
				t.Errorf("annexb %v: %d packets for 3 s with 1 s of silence", annexB, as.PacketsSent)
			}
			if bs.Lost != 0 {
				t.Errorf("lost %d", bs.Lost)
			}
			power := func(s []int16) float64 {
				var e float64
				for _, v := range s {
					e += float64(v) * float64(v)
				}
				return e / float64(len(s))
			}
			// The jitter buffer delays by 40 ms or so: look inside each part.
			tone1, quiet, tone2 := got[1600:7200], got[10400:15200], got[18400:23200]
			if power(tone1) < 1e6 || power(tone2) < 1e6 || power(quiet) > power(tone1)/1000 {
				t.Errorf("power: tone %.3g, silence %.3g, tone %.3g", power(tone1), power(quiet), power(tone2))
			}
		})
	}
}
