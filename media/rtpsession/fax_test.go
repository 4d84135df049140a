package rtpsession

import (
	"testing"
	"time"

	"github.com/pion/rtp"

	"github.com/potsgate/potsgate/media/g711"
	"github.com/potsgate/potsgate/media/g729"
)

// TestSetCodec: two sessions start in G.729 and both switch to PCMA, as
// after a re-INVITE for fax: the tone then passes with G.711's fidelity.
func TestSetCodec(t *testing.T) {
	clk := newClock()
	ca, cb := listen(t), listen(t)
	a := newSession(t, Config{Conn: ca, Remote: addrOf(cb), Codec: g729.Codec{}, Now: clk.Now})
	b := newSession(t, Config{Conn: cb, Remote: addrOf(ca), Codec: g729.Codec{}, Now: clk.Now})
	frame := make([]int16, 80)
	talk := func(frames int) []int16 {
		var got []int16
		sent := a.Stats().PacketsSent
		received := b.Stats().PacketsReceived
		for i := range frames {
			if err := a.WriteFrame(toneFrame(frame, i*80, 1000, 12000)); err != nil {
				t.Fatal(err)
			}
			if s := a.Stats().PacketsSent; s > sent {
				received += s - sent
				sent = s
				waitReceived(t, b, received)
			}
			b.ReadFrame(frame)
			got = append(got, frame...)
			clk.Advance(10 * time.Millisecond)
		}
		return got
	}
	before, _ := bestSNR(talk(300), 1000, 12000)
	if err := a.SetCodec(g711.PCMA); err != nil {
		t.Fatal(err)
	}
	if err := b.SetCodec(g711.PCMA); err != nil {
		t.Fatal(err)
	}
	after, _ := bestSNR(talk(300), 1000, 12000)
	t.Logf("SNR in G.729 %.1f dB, after the switch to PCMA %.1f dB", before, after)
	if after < 30 || after < before+5 {
		t.Errorf("SNR %.1f dB after the switch (G.729: %.1f dB), want G.711's > 30 dB", after, before)
	}
	if b.Codec() != g711.PCMA || b.Stats().UnknownPayload != 0 {
		t.Errorf("codec %v, unknown payloads %d", b.Codec(), b.Stats().UnknownPayload)
	}
	if err := a.SetCodec(nil); err == nil {
		t.Error("SetCodec(nil) accepted")
	}
}

// TestFaxModeSilenceForLoss: in fax mode a lost packet is played as
// silence, not concealed from the previous audio; the jitter buffer's
// target is fixed.
func TestFaxModeSilenceForLoss(t *testing.T) {
	for _, fax := range []bool{false, true} {
		clk := newClock()
		src, cb := listen(t), listen(t)
		b := newSession(t, Config{Conn: cb, Remote: addrOf(src), Now: clk.Now})
		if fax {
			b.SetFaxMode()
		}
		enc := g711.PCMU.NewEncoder()
		frame := make([]int16, 160)
		var got []int16
		out := make([]int16, 80)
		received := uint64(0)
		for i := range 50 {
			payload, err := enc.Encode(nil, toneFrame(frame, i*160, 1000, 12000))
			if err != nil {
				t.Fatal(err)
			}
			if i != 30 { // packet 30 is lost
				pkt := rtp.Packet{Header: rtp.Header{Version: 2, PayloadType: 0, SequenceNumber: uint16(i), Timestamp: uint32(i * 160), SSRC: 7}, Payload: payload}
				raw, _ := pkt.Marshal()
				if _, err := src.WriteTo(raw, cb.LocalAddr()); err != nil {
					t.Fatal(err)
				}
				received++
				waitReceived(t, b, received)
			}
			for range 2 {
				b.ReadFrame(out)
				got = append(got, out...)
				clk.Advance(10 * time.Millisecond)
			}
		}
		st := b.Stats()
		// The gap is the quietest 20 ms in what b played after it started.
		quiet := 1e18
		for off := 800; off+160 <= len(got)-800; off += 80 {
			var e float64
			for _, v := range got[off : off+160] {
				e += float64(v) * float64(v)
			}
			quiet = min(quiet, e/160)
		}
		t.Logf("fax %v: concealed %d, quietest 20 ms mean square %.0f, target %v", fax, st.Concealed, quiet, st.JitterDelay)
		if st.Concealed == 0 {
			t.Fatalf("fax %v: nothing was lost", fax)
		}
		if fax && quiet != 0 {
			t.Errorf("fax mode: the lost packet played as %.0f, want silence", quiet)
		}
		if !fax && quiet == 0 {
			t.Errorf("voice: the lost packet was not concealed")
		}
		if fax && (st.JitterDelay != FaxJitterDelay || !b.FaxMode()) {
			t.Errorf("fax mode: jitter target %v, want %v fixed", st.JitterDelay, FaxJitterDelay)
		}
	}
}
