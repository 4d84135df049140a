package sdp

import (
	"bytes"
	"errors"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/potsgate/potsgate/media/srtp"
)

const (
	key1 = "WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz"
	key2 = "NzkyM2FjNzQ2ZDgxYjg0MzQwMGVmMGUxMzdmNWFm"
)

func offerSDP(proto string, crypto ...string) []byte {
	s := "v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 192.0.2.1\r\nt=0 0\r\nm=audio 4000 " + proto + " 0 18 101\r\na=rtpmap:101 telephone-event/8000\r\n"
	for _, c := range crypto {
		s += "a=crypto:" + c + "\r\n"
	}
	return []byte(s)
}

var ours = []Format{{PayloadType: 0, Name: "PCMU", ClockRate: 8000}, {PayloadType: 18, Name: "G729", ClockRate: 8000}}

func TestAnswerOfferPolicy(t *testing.T) {
	c80 := "1 AES_CM_128_HMAC_SHA1_32 inline:" + key1
	c32 := "2 AES_CM_128_HMAC_SHA1_80 inline:" + key2 + "|2^31"
	f8 := "3 F8_128_HMAC_SHA1_80 inline:" + key1
	kdr := "4 AES_CM_128_HMAC_SHA1_80 inline:" + key1 + " KDR=3"
	tests := []struct {
		name    string
		mode    SecurityMode
		suites  []srtp.Suite
		offer   []byte
		wantErr bool
		wantTag int // 0 = plain RTP
	}{
		{"off/plain", SecurityOff, nil, offerSDP("RTP/AVP"), false, 0},
		{"off/avp+crypto ignored", SecurityOff, nil, offerSDP("RTP/AVP", c80), false, 0},
		{"off/savp refused", SecurityOff, nil, offerSDP("RTP/SAVP", c80), true, 0},
		{"preferable/plain falls back", SecurityPreferable, nil, offerSDP("RTP/AVP"), false, 0},
		{"preferable/avp+crypto taken", SecurityPreferable, nil, offerSDP("RTP/AVP", c80, c32), false, 2},
		{"preferable/savp", SecurityPreferable, nil, offerSDP("RTP/SAVP", c80, c32), false, 2},
		{"preferable/our order: _32 first", SecurityPreferable, []srtp.Suite{srtp.AES_CM_128_HMAC_SHA1_32, srtp.AES_CM_128_HMAC_SHA1_80}, offerSDP("RTP/SAVP", c32, c80), false, 1},
		{"preferable/savp without usable crypto", SecurityPreferable, nil, offerSDP("RTP/SAVP", f8, kdr), true, 0},
		{"preferable/avp with unusable crypto: plain", SecurityPreferable, nil, offerSDP("RTP/AVP", f8), false, 0},
		{"preferable/only suites we do not offer", SecurityPreferable, []srtp.Suite{srtp.AES_256_CM_HMAC_SHA1_80}, offerSDP("RTP/SAVP", c80), true, 0},
		{"mandatory/plain refused", SecurityMandatory, nil, offerSDP("RTP/AVP"), true, 0},
		{"mandatory/savp without crypto refused", SecurityMandatory, nil, offerSDP("RTP/SAVP"), true, 0},
		{"mandatory/unusable refused", SecurityMandatory, nil, offerSDP("RTP/AVP", f8), true, 0},
		{"mandatory/savp", SecurityMandatory, nil, offerSDP("RTP/SAVP", f8, c80), false, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			offer, err := Parse(tt.offer)
			if err != nil {
				t.Fatal(err)
			}
			c, err := Negotiate(offer, ours, true)
			if err != nil {
				t.Fatal(err)
			}
			sec := Security{Mode: tt.mode, Suites: tt.suites}
			err = sec.AnswerOffer(offer, &c, SRTP{})
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v, want error %v", err, tt.wantErr)
			}
			if err != nil {
				if !errors.Is(err, ErrSecurity) {
					t.Fatalf("%v does not wrap ErrSecurity", err)
				}
				return
			}
			if c.SRTP.Tag != tt.wantTag || c.SRTP.Enabled() != (tt.wantTag != 0) {
				t.Fatalf("SRTP %+v, want tag %d", c.SRTP, tt.wantTag)
			}
			ans, err := Parse(Answer(offer, c, netip.MustParseAddr("192.0.2.9"), 5000, 2, 20*time.Millisecond).Marshal())
			if err != nil {
				t.Fatal(err)
			}
			am, _ := ans.Audio()
			om, _ := offer.Audio()
			if am.Proto != om.Proto {
				t.Errorf("answer profile %s, offer %s", am.Proto, om.Proto)
			}
			if tt.wantTag == 0 {
				if len(am.Crypto) != 0 {
					t.Errorf("plain answer with crypto %v", am.Crypto)
				}
				return
			}
			if len(am.Crypto) != 1 || am.Crypto[0].Tag != tt.wantTag || am.Crypto[0].Suite != c.SRTP.Receive.Suite {
				t.Fatalf("answer crypto %+v", am.Crypto)
			}
			if got := am.Crypto[0].Keying(); got != c.SRTP.Send || got.Key == c.SRTP.Receive.Key {
				t.Errorf("answer key is not our own fresh key")
			}
		})
	}
}

// TestRekeyOnReoffer: a re-offer with the key in use keeps ours (a
// session refresh); a new key from the far end gets a new one of ours.
func TestRekeyOnReoffer(t *testing.T) {
	sec := Security{Mode: SecurityMandatory}
	answer := func(b []byte, cur SRTP) SRTP {
		offer, err := Parse(b)
		if err != nil {
			t.Fatal(err)
		}
		c, _ := Negotiate(offer, ours, true)
		if err := sec.AnswerOffer(offer, &c, cur); err != nil {
			t.Fatal(err)
		}
		return c.SRTP
	}
	first := answer(offerSDP("RTP/SAVP", "1 AES_CM_128_HMAC_SHA1_80 inline:"+key1), SRTP{})
	same := answer(offerSDP("RTP/SAVP", "1 AES_CM_128_HMAC_SHA1_80 inline:"+key1), first)
	if same != first {
		t.Errorf("a refresh changed the keys")
	}
	next := answer(offerSDP("RTP/SAVP", "1 AES_CM_128_HMAC_SHA1_80 inline:"+key2), first)
	if next.Receive == first.Receive || next.Send == first.Send || !next.Enabled() {
		t.Errorf("new far-end key: ours not renewed (%v)", next.Send == first.Send)
	}
}

func TestSecureOfferAndAcceptAnswer(t *testing.T) {
	for _, mode := range []SecurityMode{SecurityPreferable, SecurityMandatory} {
		sec := Security{Mode: mode, Suites: []srtp.Suite{srtp.AES_CM_128_HMAC_SHA1_80, srtp.AES_CM_128_HMAC_SHA1_32}}
		offer := Offer(netip.MustParseAddr("192.0.2.1"), 4000, 1, ours, 101, 20*time.Millisecond, SendRecv)
		if err := sec.SecureOffer(offer); err != nil {
			t.Fatal(err)
		}
		text := string(offer.Marshal())
		wantProto := map[SecurityMode]string{SecurityPreferable: "RTP/AVP", SecurityMandatory: "RTP/SAVP"}[mode]
		if !strings.Contains(text, "m=audio 4000 "+wantProto+" ") || !strings.Contains(text, "a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:") ||
			!strings.Contains(text, "a=crypto:2 AES_CM_128_HMAC_SHA1_32 inline:") {
			t.Fatalf("%v offer:\n%s", mode, text)
		}
		om, _ := offer.Audio()
		// The far end answers _32 with its key.
		ansText := offerSDP(wantProto, "2 AES_CM_128_HMAC_SHA1_32 inline:"+key2)
		accept := func(b []byte) (Choice, error) {
			ans, err := Parse(b)
			if err != nil {
				t.Fatal(err)
			}
			c, err := Accept(offer, ans)
			if err != nil {
				t.Fatal(err)
			}
			return c, sec.AcceptAnswer(offer, ans, &c)
		}
		c, err := accept(ansText)
		if err != nil {
			t.Fatal(err)
		}
		if c.SRTP.Tag != 2 || c.SRTP.Send != om.Crypto[1].Keying() || c.SRTP.Receive.Suite != srtp.AES_CM_128_HMAC_SHA1_32 {
			t.Fatalf("%v: accepted %+v", mode, c.SRTP)
		}
		for _, bad := range [][]byte{
			offerSDP(wantProto, "7 AES_CM_128_HMAC_SHA1_32 inline:"+key2),
			offerSDP(wantProto, "1 AES_CM_128_HMAC_SHA1_32 inline:"+key2),
		} {
			if _, err := accept(bad); !errors.Is(err, ErrSecurity) {
				t.Errorf("%v: answer with a tag or suite not offered: %v", mode, err)
			}
		}
		_, err = accept(offerSDP("RTP/AVP"))
		if mode == SecurityMandatory && !errors.Is(err, ErrSecurity) {
			t.Errorf("mandatory: a plain answer was accepted")
		}
		if mode == SecurityPreferable && err != nil {
			t.Errorf("preferable: a plain answer refused: %v", err)
		}
		// A hold re-offer keeps our key.
		re := Offer(netip.MustParseAddr("192.0.2.1"), 4000, 2, ours[:1], 0, 20*time.Millisecond, SendOnly)
		Reoffer(re, c.SRTP)
		rm, _ := re.Audio()
		if rm.Proto != wantProto || len(rm.Crypto) != 1 || rm.Crypto[0].Tag != 2 || rm.Crypto[0].Keying() != c.SRTP.Send {
			t.Errorf("%v: re-offer %+v", mode, rm)
		}
	}
	off := Offer(netip.MustParseAddr("192.0.2.1"), 4000, 1, ours, 0, 0, SendRecv)
	Security{}.SecureOffer(off)
	if bytes.Contains(off.Marshal(), []byte("crypto")) {
		t.Error("media security off offered crypto")
	}
}

func TestCryptoParseErrors(t *testing.T) {
	for _, c := range []string{
		"1 AES_CM_128_HMAC_SHA1_80 inline:QUJD",
		"x AES_CM_128_HMAC_SHA1_80 inline:" + key1,
	} {
		_, err := Parse(offerSDP("RTP/SAVP", c))
		if !errors.Is(err, ErrSyntax) || !errors.Is(err, srtp.ErrSDES) || !strings.Contains(err.Error(), "line 8") {
			t.Errorf("%q: %v", c, err)
		}
		if err != nil && strings.Contains(err.Error(), key1[:10]) {
			t.Errorf("the error shows the key: %v", err)
		}
	}
	_, err := Parse(offerSDP("RTP/SAVP", "1 AES_CM_128_HMAC_SHA1_80 inline:"+key1, "1 AES_CM_128_HMAC_SHA1_32 inline:"+key2))
	if !errors.Is(err, ErrSyntax) || !strings.Contains(err.Error(), "tag 1 twice") {
		t.Errorf("duplicate tag: %v", err)
	}
}

func FuzzSecurity(f *testing.F) {
	f.Add(offerSDP("RTP/SAVP", "1 AES_CM_128_HMAC_SHA1_80 inline:"+key1+"|2^20|1:4"))
	f.Fuzz(func(t *testing.T, b []byte) {
		s, err := Parse(b)
		if err != nil {
			if !errors.Is(err, ErrSyntax) {
				t.Fatalf("error %v does not wrap ErrSyntax", err)
			}
			return
		}
		if _, err := Parse(s.Marshal()); err != nil {
			t.Fatalf("what parsed does not parse once written: %v\n%s", err, s.Marshal())
		}
		sec := Security{Mode: SecurityPreferable}
		if c, err := Negotiate(s, ours, true); err == nil {
			_ = sec.AnswerOffer(s, &c, SRTP{})
		}
	})
}

// TestTwoMediaLines: an offer carrying the stream twice, RTP/AVP then
// RTP/SAVP: with security on, the SAVP line is answered and the other
// refused (port 0); with security off, the plain one.
func TestTwoMediaLines(t *testing.T) {
	b := "v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 192.0.2.1\r\nt=0 0\r\n" +
		"m=audio 4000 RTP/AVP 0\r\n" +
		"m=audio 4002 RTP/SAVP 0\r\na=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:" + key1 + "\r\n"
	offer, err := Parse([]byte(b))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		mode  SecurityMode
		index int
		port  uint16
	}{{SecurityPreferable, 1, 4002}, {SecurityMandatory, 1, 4002}, {SecurityOff, 0, 4000}} {
		c, err := Security{Mode: tc.mode}.Negotiate(offer, ours, true, SRTP{})
		if err != nil {
			t.Fatalf("%v: %v", tc.mode, err)
		}
		if c.Media != tc.index || c.Remote.Port() != tc.port || c.SRTP.Enabled() != (tc.index == 1) {
			t.Fatalf("%v: line %d, remote %v, SRTP %v", tc.mode, c.Media, c.Remote, c.SRTP.Enabled())
		}
		ans := Answer(offer, c, netip.MustParseAddr("192.0.2.9"), 5000, 2, 0)
		if len(ans.Media) != 2 || ans.Media[tc.index].Port != 5000 || ans.Media[1-tc.index].Port != 0 {
			t.Fatalf("%v: answer %s", tc.mode, ans.Marshal())
		}
		if tc.index == 1 && (ans.Media[1].Proto != ProfileSAVP || len(ans.Media[1].Crypto) != 1) {
			t.Fatalf("%v: answer %s", tc.mode, ans.Marshal())
		}
	}
	// Security off, SAVP first: the plain alternative is answered.
	rev, _ := Parse([]byte("v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 192.0.2.1\r\nt=0 0\r\n" +
		"m=audio 4002 RTP/SAVP 0\r\na=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:" + key1 + "\r\nm=audio 4000 RTP/AVP 0\r\n"))
	if c, err := (Security{}).Negotiate(rev, ours, true, SRTP{}); err != nil || c.Media != 1 || c.SRTP.Enabled() {
		t.Fatalf("off, SAVP then AVP: line %d, %v", c.Media, err)
	}
	// Mandatory with no line we can key: refused.
	plain, _ := Parse([]byte("v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 192.0.2.1\r\nt=0 0\r\nm=audio 4000 RTP/AVP 0\r\nm=audio 4002 RTP/AVP 8\r\n"))
	if _, err := (Security{Mode: SecurityMandatory}).Negotiate(plain, ours, true, SRTP{}); !errors.Is(err, ErrSecurity) {
		t.Fatalf("mandatory, two plain lines: %v", err)
	}
}
