package rtpsession

import (
	"bytes"
	"crypto/rand"
	"errors"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/pion/rtp"

	"github.com/potsgate/potsgate/media"
	"github.com/potsgate/potsgate/media/g711"
	"github.com/potsgate/potsgate/media/g729"
	"github.com/potsgate/potsgate/media/srtp"
)

func newKeying(t testing.TB, s srtp.Suite) srtp.Keying {
	t.Helper()
	k, err := srtp.NewKey(s, rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return srtp.Crypto{Tag: 1, Suite: s, Keys: []srtp.KeyParam{k}}.Keying()
}

// forward reads one packet sent to relay and returns a copy.
func forward(t testing.TB, r *net.UDPConn) []byte {
	t.Helper()
	var got []byte
	relay(t, r, func(b []byte) { got = append([]byte(nil), b...) })
	return got
}

// TestSRTPTone: a tone crosses from A to B through a relay that sees the
// wire. The wire carries no G.711 of the tone; tampered, replayed and
// foreign-key packets injected by the relay are counted and never played.
func TestSRTPTone(t *testing.T) {
	for _, suite := range []srtp.Suite{srtp.AES_CM_128_HMAC_SHA1_80, srtp.AES_CM_128_HMAC_SHA1_32, srtp.AES_256_CM_HMAC_SHA1_80} {
		t.Run(suite.String(), func(t *testing.T) {
			clk := newClock()
			ka, kb := newKeying(t, suite), newKeying(t, suite)
			relayConn, cb := listen(t), listen(t)
			a := newSession(t, Config{Remote: addrOf(relayConn), Now: clk.Now, RTCPInterval: -1, SRTPSend: ka, SRTPReceive: kb})
			b := newSession(t, Config{Conn: cb, Now: clk.Now, RTCPInterval: -1, SRTPSend: kb, SRTPReceive: ka})
			// What a plain session would send for the same frames.
			enc := g711.PCMU.NewEncoder()
			var plain []byte
			intruder, err := srtp.NewContext(newKeying(t, suite), newKeying(t, suite))
			if err != nil {
				t.Fatal(err)
			}
			frame := make([]int16, 80)
			var got []int16
			var wire [][]byte
			injected := struct{ auth, replay uint64 }{}
			for i := range 300 {
				toneFrame(frame, i*80, 1000, 12000)
				plain, _ = enc.Encode(plain, frame)
				a.WriteFrame(frame)
				if i%2 == 1 {
					pkt := forward(t, relayConn)
					wire = append(wire, pkt)
					if len(pkt) != 12+160+suite.TagLen() {
						t.Fatalf("SRTP packet of %d bytes, want 12 + 160 + %d", len(pkt), suite.TagLen())
					}
					to := net.UDPAddrFromAddrPort(addrOf(cb))
					if i%20 == 1 {
						// A tampered copy first (same sequence number: the
						// replay window has not seen it, authentication fails).
						bad := bytes.Clone(pkt)
						bad[40] ^= 0x20
						relayConn.WriteTo(bad, to)
						injected.auth++
						// A loud packet under another key, further on.
						var h rtp.Header
						h.Unmarshal(pkt)
						h.SequenceNumber += 1
						loud, _ := (&rtp.Packet{Header: h, Payload: bytes.Repeat([]byte{0x80}, 160)}).Marshal()
						forged, _ := intruder.ProtectRTP(nil, loud)
						relayConn.WriteTo(forged, to)
						injected.auth++
					}
					relayConn.WriteTo(pkt, to)
					if i%20 == 1 {
						relayConn.WriteTo(pkt, to) // replayed
						injected.replay++
					}
					waitStat(t, b, func(st Stats) bool {
						return st.PacketsReceived == uint64(i/2+1) && st.SRTPAuthFailed == injected.auth && st.SRTPReplayed == injected.replay
					})
				}
				b.ReadFrame(frame)
				got = append(got, frame...)
				clk.Advance(10 * time.Millisecond)
			}
			all := bytes.Join(wire, nil)
			for off := 0; off+16 <= len(plain); off += 160 {
				if bytes.Contains(all, plain[off:off+16]) {
					t.Fatalf("G.711 of the tone (bytes %d..) is on the wire in clear", off)
				}
			}
			snr, _ := bestSNR(got, 1000, 12000)
			st := b.Stats()
			t.Logf("SNR %.1f dB; receiver %+v", snr, st)
			if snr < 30 {
				t.Errorf("SNR %.1f dB: something besides the tone was played", snr)
			}
			if !st.Secure || st.Lost != 0 || st.Concealed != 0 || st.Malformed != 0 {
				t.Errorf("secure %v lost %d concealed %d malformed %d", st.Secure, st.Lost, st.Concealed, st.Malformed)
			}
		})
	}
}

func waitStat(t testing.TB, s *Session, ok func(Stats) bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !ok(s.Stats()) {
		if time.Now().After(deadline) {
			t.Fatalf("stats %+v", s.Stats())
		}
		time.Sleep(100 * time.Microsecond)
	}
}

func TestSRTPWrongKey(t *testing.T) {
	clk := newClock()
	ka := newKeying(t, srtp.AES_CM_128_HMAC_SHA1_80)
	ca, cb := listen(t), listen(t)
	a := newSession(t, Config{Conn: ca, Remote: addrOf(cb), Now: clk.Now, RTCPInterval: -1, SRTPSend: ka, SRTPReceive: ka})
	wrong := newKeying(t, srtp.AES_CM_128_HMAC_SHA1_80)
	b := newSession(t, Config{Conn: cb, Remote: addrOf(ca), Now: clk.Now, RTCPInterval: -1, SRTPSend: wrong, SRTPReceive: wrong, Symmetric: true})
	frame := toneFrame(make([]int16, 80), 0, 1000, 12000)
	for range 20 {
		a.WriteFrame(frame)
	}
	waitStat(t, b, func(st Stats) bool { return st.SRTPAuthFailed == 10 })
	st := b.Stats()
	if st.PacketsReceived != 0 || st.Latched != 0 {
		t.Fatalf("packets under a wrong key accepted %d, latched %d", st.PacketsReceived, st.Latched)
	}
	b.ReadFrame(frame)
	for _, v := range frame {
		if v > 100 || v < -100 {
			t.Fatal("a packet under the wrong key was played")
		}
	}
	// A plain RTP packet to a secure session is no better.
	plainA := newSession(t, Config{Remote: addrOf(cb), Now: clk.Now, RTCPInterval: -1})
	for range 4 {
		plainA.WriteFrame(frame)
	}
	waitStat(t, b, func(st Stats) bool { return st.SRTPAuthFailed+st.Malformed == 12 })
	if b.Stats().PacketsReceived != 0 {
		t.Fatal("plain RTP accepted by an SRTP session")
	}
}

func TestSRTCP(t *testing.T) {
	clk := newClock()
	ka, kb := newKeying(t, srtp.AES_CM_128_HMAC_SHA1_32), newKeying(t, srtp.AES_CM_128_HMAC_SHA1_32)
	relayConn, cb := listen(t), listen(t)
	a := newSession(t, Config{Remote: addrOf(relayConn), Now: clk.Now, SRTPSend: ka, SRTPReceive: kb})
	b := newSession(t, Config{Conn: cb, Now: clk.Now, SRTPSend: kb, SRTPReceive: ka})
	frame := make([]int16, 80)
	a.WriteFrame(frame)
	a.WriteFrame(frame)
	to := net.UDPAddrFromAddrPort(addrOf(cb))
	relayConn.WriteTo(forward(t, relayConn), to)
	if err := a.SendReport(); err != nil {
		t.Fatal(err)
	}
	pkt := forward(t, relayConn)
	if !isRTCP(pkt) || pkt[len(pkt)-10-4]&0x80 == 0 {
		t.Fatalf("not an encrypted SRTCP packet (E flag): % x", pkt)
	}
	if bytes.Contains(pkt, []byte("potsgate-")) {
		t.Fatal("the CNAME went out in clear")
	}
	bad := bytes.Clone(pkt)
	bad[12] ^= 1
	relayConn.WriteTo(bad, to)
	relayConn.WriteTo(pkt, to)
	relayConn.WriteTo(pkt, to)
	waitStat(t, b, func(st Stats) bool {
		return st.RTCPReceived == 1 && st.SRTCPAuthFailed == 1 && st.SRTPAuthFailed == 0 && st.SRTPReplayed == 1
	})
}

// TestSRTPRekey: new keys both ways mid-call (a re-INVITE); the audio goes
// on without a packet refused.
func TestSRTPRekey(t *testing.T) {
	clk := newClock()
	ka, kb := newKeying(t, srtp.AES_CM_128_HMAC_SHA1_80), newKeying(t, srtp.AES_CM_128_HMAC_SHA1_80)
	ca, cb := listen(t), listen(t)
	a := newSession(t, Config{Conn: ca, Remote: addrOf(cb), Now: clk.Now, RTCPInterval: -1, SRTPSend: ka, SRTPReceive: kb})
	b := newSession(t, Config{Conn: cb, Remote: addrOf(ca), Now: clk.Now, RTCPInterval: -1, SRTPSend: kb, SRTPReceive: ka})
	frame := make([]int16, 80)
	var got []int16
	for i := range 300 {
		if i == 150 {
			na, nb := newKeying(t, srtp.AES_CM_128_HMAC_SHA1_32), newKeying(t, srtp.AES_CM_128_HMAC_SHA1_32)
			if err := a.SetKeys(na, nb); err != nil {
				t.Fatal(err)
			}
			if err := b.SetKeys(nb, na); err != nil {
				t.Fatal(err)
			}
		}
		a.WriteFrame(toneFrame(frame, i*80, 1000, 12000))
		if i%2 == 1 {
			waitReceived(t, b, uint64(i/2+1))
		}
		b.ReadFrame(frame)
		got = append(got, frame...)
		clk.Advance(10 * time.Millisecond)
	}
	if snr, _ := bestSNR(got, 1000, 12000); snr < 30 {
		t.Errorf("SNR %.1f dB across the rekey", snr)
	}
	if st := b.Stats(); st.SRTPAuthFailed != 0 || st.Lost != 0 {
		t.Errorf("auth failures %d, lost %d across the rekey", st.SRTPAuthFailed, st.Lost)
	}
	if err := a.SetKeys(newKeying(t, srtp.AES_CM_128_HMAC_SHA1_80), srtp.Keying{}); !errors.Is(err, ErrKeys) {
		t.Errorf("one direction keyed: %v", err)
	}
	if err := a.SetKeys(srtp.Keying{}, srtp.Keying{}); err != nil || a.Stats().Secure {
		t.Errorf("SRTP off: %v, secure %v", err, a.Stats().Secure)
	}
	if _, err := New(Config{Conn: listen(t), Codec: g711.PCMU, SRTPSend: srtp.Keying{Suite: srtp.AES_CM_128_HMAC_SHA1_80, Key: "x"}, SRTPReceive: ka}); !errors.Is(err, ErrKeys) {
		t.Errorf("short key: %v", err)
	}
}

// TestSRTPDTMFAndG729: RFC 4733 events and G.729 frames cross SRTP.
func TestSRTPDTMFAndG729(t *testing.T) {
	for _, codec := range []media.Codec{g711.PCMA, g729.Codec{AnnexB: true}} {
		t.Run(codec.Name(), func(t *testing.T) {
			clk := newClock()
			ka, kb := newKeying(t, srtp.AES_CM_128_HMAC_SHA1_80), newKeying(t, srtp.AES_CM_128_HMAC_SHA1_80)
			ca, cb := listen(t), listen(t)
			var mu sync.Mutex
			var digits []byte
			a := newSession(t, Config{Conn: ca, Remote: addrOf(cb), Codec: codec, Now: clk.Now, RTCPInterval: -1, DTMFPayloadType: 101, SRTPSend: ka, SRTPReceive: kb})
			b := newSession(t, Config{Conn: cb, Remote: addrOf(ca), Codec: codec, Now: clk.Now, RTCPInterval: -1, DTMFPayloadType: 101, SRTPSend: kb, SRTPReceive: ka,
				OnDTMF: func(d byte, end bool) {
					if end {
						mu.Lock()
						digits = append(digits, d)
						mu.Unlock()
					}
				}})
			frame := make([]int16, 80)
			var got []int16
			for i := range 200 {
				if i == 100 {
					a.SendDTMF('7', 100*time.Millisecond)
				}
				a.WriteFrame(toneFrame(frame, i*80, 1000, 8000))
				waitReceived(t, b, a.Stats().PacketsSent)
				b.ReadFrame(frame)
				got = append(got, frame...)
				clk.Advance(10 * time.Millisecond)
			}
			waitStat(t, b, func(st Stats) bool { return st.DTMFReceived == 1 })
			mu.Lock()
			defer mu.Unlock()
			if string(digits) != "7" {
				t.Errorf("digits %q, want 7", digits)
			}
			var e float64
			for _, v := range got[1600:7200] {
				e += float64(v) * float64(v)
			}
			if e/5600 < 1e6 {
				t.Errorf("%s over SRTP: tone power %.3g", codec.Name(), e/5600)
			}
			if st := b.Stats(); st.SRTPAuthFailed != 0 || st.Malformed != 0 {
				t.Errorf("auth failures %d, malformed %d", st.SRTPAuthFailed, st.Malformed)
			}
		})
	}
}

func TestSRTPHotPathAllocations(t *testing.T) {
	clk := newClock()
	ka, kb := newKeying(t, srtp.AES_CM_128_HMAC_SHA1_80), newKeying(t, srtp.AES_CM_128_HMAC_SHA1_80)
	a := newSession(t, Config{Conn: newDiscard(), Remote: addrOf(listen(t)), Now: clk.Now, RTCPInterval: -1, SRTPSend: ka, SRTPReceive: kb})
	b := newSession(t, Config{Conn: newDiscard(), Now: clk.Now, RTCPInterval: -1, SRTPSend: kb, SRTPReceive: ka})
	sender, _ := srtp.NewContext(ka, kb)
	frame := make([]int16, 80)
	send := func() {
		a.WriteFrame(frame)
		a.WriteFrame(frame)
	}
	send()
	if n := testing.AllocsPerRun(200, send); n != 0 && !raceEnabled {
		t.Errorf("SRTP send path: %v allocations per packet", n)
	}
	var pkt [172]byte
	out := make([]byte, 0, 200)
	h := rtp.Header{Version: 2, SSRC: 9}
	seq := uint16(0)
	from := addrOf(listen(t))
	recv := func() {
		h.SequenceNumber, h.Timestamp = seq, uint32(seq)*160
		seq++
		h.MarshalTo(pkt[:])
		enc, _ := sender.ProtectRTP(out, pkt[:])
		b.handlePacket(enc, from, false)
		b.ReadFrame(frame)
		b.ReadFrame(frame)
		clk.Advance(20 * time.Millisecond)
	}
	for range 20 {
		recv()
	}
	if n := testing.AllocsPerRun(200, recv); n != 0 && !raceEnabled {
		t.Errorf("SRTP receive path: %v allocations per packet", n)
	}
	if st := b.Stats(); st.SRTPAuthFailed != 0 || st.PacketsReceived < 200 {
		t.Errorf("receiver %+v", st)
	}
}
