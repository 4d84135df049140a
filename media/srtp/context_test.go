package srtp

import (
	"bytes"
	"crypto/rand"
	"errors"
	"testing"

	"github.com/pion/rtcp"
	"github.com/pion/rtp"
)

func keying(t testing.TB, s Suite) Keying {
	t.Helper()
	k, err := NewKey(s, rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return Crypto{Tag: 1, Suite: s, Keys: []KeyParam{k}}.Keying()
}

// pair is two ends of a call keyed against each other.
func pair(t testing.TB, s Suite) (a, b *Context) {
	t.Helper()
	ka, kb := keying(t, s), keying(t, s)
	a, err := NewContext(ka, kb)
	if err != nil {
		t.Fatal(err)
	}
	b, err = NewContext(kb, ka)
	if err != nil {
		t.Fatal(err)
	}
	return a, b
}

func rtpPacket(t testing.TB, seq uint16, payload []byte) []byte {
	t.Helper()
	p := rtp.Packet{Header: rtp.Header{Version: 2, PayloadType: 0, SequenceNumber: seq, Timestamp: uint32(seq) * 160, SSRC: 0x1234}, Payload: payload}
	b, err := p.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestProtectUnprotectSuites(t *testing.T) {
	for _, s := range Suites() {
		t.Run(s.String(), func(t *testing.T) {
			a, b := pair(t, s)
			payload := bytes.Repeat([]byte{0x55}, 160)
			plain := rtpPacket(t, 1000, payload)
			enc, err := a.ProtectRTP(nil, plain)
			if err != nil {
				t.Fatal(err)
			}
			if len(enc) != len(plain)+s.TagLen() {
				t.Fatalf("protected %d bytes, want %d + tag %d", len(enc), len(plain), s.TagLen())
			}
			if bytes.Contains(enc, payload[:16]) {
				t.Fatal("the payload went out in clear")
			}
			dec, err := b.UnprotectRTP(nil, enc)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(dec, plain) {
				t.Fatal("round trip changed the packet")
			}
		})
	}
}

func TestTamperedWrongKeyReplay(t *testing.T) {
	a, b := pair(t, AES_CM_128_HMAC_SHA1_80)
	enc, _ := a.ProtectRTP(nil, rtpPacket(t, 1, make([]byte, 160)))
	bad := bytes.Clone(enc)
	bad[20] ^= 1
	if _, err := b.UnprotectRTP(nil, bad); !errors.Is(err, ErrAuth) {
		t.Fatalf("tampered payload: %v, want ErrAuth", err)
	}
	bad = bytes.Clone(enc)
	bad[len(bad)-1] ^= 1
	if _, err := b.UnprotectRTP(nil, bad); !errors.Is(err, ErrAuth) {
		t.Fatalf("tampered tag: %v, want ErrAuth", err)
	}
	if _, err := b.UnprotectRTP(nil, enc); err != nil {
		t.Fatalf("the genuine packet after tampered copies: %v", err)
	}
	if _, err := b.UnprotectRTP(nil, enc); !errors.Is(err, ErrReplay) {
		t.Fatalf("replayed: %v, want ErrReplay", err)
	}
	if _, err := b.UnprotectRTP(nil, enc[:8]); !errors.Is(err, ErrMalformed) {
		t.Fatalf("short: %v, want ErrMalformed", err)
	}
	// A third party with its own key.
	c, _ := pair(t, AES_CM_128_HMAC_SHA1_80)
	other, _ := c.ProtectRTP(nil, rtpPacket(t, 2, make([]byte, 160)))
	if _, err := b.UnprotectRTP(nil, other); !errors.Is(err, ErrAuth) {
		t.Fatalf("wrong key: %v, want ErrAuth", err)
	}
	// Old packets inside the window are fine, once each.
	for seq := uint16(10); seq > 2; seq-- {
		e, _ := a.ProtectRTP(nil, rtpPacket(t, seq, make([]byte, 160)))
		if _, err := b.UnprotectRTP(nil, e); err != nil {
			t.Fatalf("seq %d out of order: %v", seq, err)
		}
	}
}

func TestSRTCP(t *testing.T) {
	a, b := pair(t, AES_CM_128_HMAC_SHA1_32)
	plain, err := rtcp.Marshal([]rtcp.Packet{&rtcp.ReceiverReport{SSRC: 77}, &rtcp.SourceDescription{Chunks: []rtcp.SourceDescriptionChunk{{Source: 77,
		Items: []rtcp.SourceDescriptionItem{{Type: rtcp.SDESCNAME, Text: "secret-cname"}}}}}})
	if err != nil {
		t.Fatal(err)
	}
	enc, err := a.ProtectRTCP(nil, plain)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(enc, []byte("secret-cname")) {
		t.Fatal("SRTCP left the CNAME in clear")
	}
	dec, err := b.UnprotectRTCP(nil, enc)
	if err != nil || !bytes.Equal(dec, plain) {
		t.Fatalf("SRTCP round trip: %v", err)
	}
	if _, err := b.UnprotectRTCP(nil, enc); !errors.Is(err, ErrReplay) {
		t.Fatalf("replayed SRTCP: %v", err)
	}
	enc2, _ := a.ProtectRTCP(nil, plain)
	enc2[10] ^= 0x80
	if _, err := b.UnprotectRTCP(nil, enc2); !errors.Is(err, ErrAuth) {
		t.Fatalf("tampered SRTCP: %v", err)
	}
}

func TestRekey(t *testing.T) {
	a, b := pair(t, AES_CM_128_HMAC_SHA1_80)
	atx, arx := a.Keys()
	inFlight, _ := a.ProtectRTP(nil, rtpPacket(t, 5, make([]byte, 160)))
	// a draws a new sending key; b learns it.
	ntx := keying(t, AES_CM_128_HMAC_SHA1_32)
	if err := a.Rekey(ntx, arx); err != nil {
		t.Fatal(err)
	}
	if err := b.Rekey(arx, ntx); err != nil {
		t.Fatal(err)
	}
	if _, err := b.UnprotectRTP(nil, inFlight); err != nil {
		t.Fatalf("a packet under the old key, in flight at the switch: %v", err)
	}
	fresh, _ := a.ProtectRTP(nil, rtpPacket(t, 6, make([]byte, 160)))
	if _, err := b.UnprotectRTP(nil, fresh); err != nil {
		t.Fatalf("under the new key: %v", err)
	}
	// Once the new key worked, the old one is gone.
	old, _ := NewContext(atx, arx)
	late, _ := old.ProtectRTP(nil, rtpPacket(t, 7, make([]byte, 160)))
	if _, err := b.UnprotectRTP(nil, late); !errors.Is(err, ErrAuth) {
		t.Fatalf("old key after the switch: %v, want ErrAuth", err)
	}
	if err := a.Rekey(Keying{Suite: AES_CM_128_HMAC_SHA1_80, Key: "short"}, arx); !errors.Is(err, ErrKeying) {
		t.Fatalf("short key: %v", err)
	}
}

func TestMKI(t *testing.T) {
	c, err := ParseCrypto("1 AES_CM_128_HMAC_SHA1_80 inline:WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz|2^20|3:2")
	if err != nil {
		t.Fatal(err)
	}
	k := c.Keying()
	a, err := NewContext(k, k)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := NewContext(k, k)
	plain := rtpPacket(t, 9, make([]byte, 160))
	enc, _ := a.ProtectRTP(nil, plain)
	if len(enc) != len(plain)+2+10 {
		t.Fatalf("protected %d bytes, want MKI and tag after %d", len(enc), len(plain))
	}
	if _, err := b.UnprotectRTP(nil, enc); err != nil {
		t.Fatal(err)
	}
}

// Protect and unprotect reuse the caller's buffers: nothing allocated per
// packet once an SSRC has been seen.
func TestNoAllocations(t *testing.T) {
	a, b := pair(t, AES_CM_128_HMAC_SHA1_80)
	plain := rtpPacket(t, 0, make([]byte, 160))
	enc := make([]byte, 0, 1500)
	dec := make([]byte, 0, 1500)
	seq := uint16(0)
	step := func() {
		seq++
		plain[2], plain[3] = byte(seq>>8), byte(seq)
		e, err := a.ProtectRTP(enc, plain)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := b.UnprotectRTP(dec, e); err != nil {
			t.Fatal(err)
		}
	}
	step()
	if n := testing.AllocsPerRun(200, step); n != 0 && !raceEnabled {
		t.Fatalf("%.1f allocations per packet", n)
	}
}
