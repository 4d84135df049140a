package srtp

import (
	"bytes"
	"errors"
	"strings"
	"testing"
)

func TestParseCrypto(t *testing.T) {
	key30 := "WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz" // 30 bytes
	tests := []struct {
		in      string
		tag     int
		suite   Suite
		life    uint64
		mki     uint64
		mkiLen  int
		params  int
		usable  bool
		keyLen  int
		written string // "" = same as in
	}{
		{in: "1 AES_CM_128_HMAC_SHA1_80 inline:" + key30, tag: 1, suite: AES_CM_128_HMAC_SHA1_80, usable: true, keyLen: 30},
		{in: "2 AES_CM_128_HMAC_SHA1_32 inline:" + key30 + "|2^31", tag: 2, suite: AES_CM_128_HMAC_SHA1_32, life: 1 << 31, usable: true, keyLen: 30},
		{in: "3 AES_CM_128_HMAC_SHA1_80 inline:" + key30 + "|2^20|1:4", tag: 3, suite: AES_CM_128_HMAC_SHA1_80, life: 1 << 20, mki: 1, mkiLen: 4, usable: true, keyLen: 30},
		{in: "4 AES_CM_128_HMAC_SHA1_80 inline:" + key30 + "|7:2", tag: 4, suite: AES_CM_128_HMAC_SHA1_80, mki: 7, mkiLen: 2, usable: true, keyLen: 30},
		{in: "5 AES_CM_128_HMAC_SHA1_80 inline:" + key30 + "|1048576 KDR=0 WSH=128", tag: 5, suite: AES_CM_128_HMAC_SHA1_80, life: 1048576, params: 2, usable: true, keyLen: 30},
		{in: "6 AES_CM_128_HMAC_SHA1_80 inline:" + key30 + " UNENCRYPTED_SRTP", tag: 6, suite: AES_CM_128_HMAC_SHA1_80, params: 1, keyLen: 30},
		{in: "7 AES_CM_128_HMAC_SHA1_80 inline:" + key30 + " KDR=1", tag: 7, suite: AES_CM_128_HMAC_SHA1_80, params: 1, keyLen: 30},
		{in: "8 F8_128_HMAC_SHA1_80 inline:" + key30, tag: 8, keyLen: 30},
		{in: "9 AES_256_CM_HMAC_SHA1_80 inline:" + "QUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQQ==", tag: 9, suite: AES_256_CM_HMAC_SHA1_80, usable: true, keyLen: 46},
		{in: "10 aes_cm_128_hmac_sha1_80 INLINE:" + key30, tag: 10, suite: AES_CM_128_HMAC_SHA1_80, usable: true, keyLen: 30,
			written: "10 AES_CM_128_HMAC_SHA1_80 inline:" + key30},
		{in: "11 AES_CM_128_HMAC_SHA1_80 inline:" + key30 + "|2^20|1:4;inline:" + key30 + "|2^20|2:4", tag: 11, suite: AES_CM_128_HMAC_SHA1_80, life: 1 << 20, mki: 1, mkiLen: 4, keyLen: 30},
	}
	for _, tt := range tests {
		c, err := ParseCrypto(tt.in)
		if err != nil {
			t.Errorf("%q: %v", tt.in, err)
			continue
		}
		k := c.Keys[0]
		if c.Tag != tt.tag || c.Suite != tt.suite || k.Lifetime != tt.life || k.MKI != tt.mki || k.MKILen != tt.mkiLen || len(c.SessionParams) != tt.params || len(k.Key) != tt.keyLen {
			t.Errorf("%q: got %+v", tt.in, c)
		}
		if err := c.Usable(); (err == nil) != tt.usable {
			t.Errorf("%q: Usable() = %v, want usable %v", tt.in, err, tt.usable)
		} else if err != nil && !errors.Is(err, ErrUnusable) {
			t.Errorf("%q: %v does not wrap ErrUnusable", tt.in, err)
		}
		want := tt.written
		if want == "" {
			want = tt.in
		}
		if got := c.String(); got != want {
			t.Errorf("String() = %q, want %q", got, want)
		}
	}
}

func TestParseCryptoErrors(t *testing.T) {
	key30 := "WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz"
	tests := []struct{ in, mention string }{
		{"", "0 fields"},
		{"1 AES_CM_128_HMAC_SHA1_80", "2 fields"},
		{"1 AES_CM_128_HMAC_SHA1_80 " + key30, "no key method"},
		{"x AES_CM_128_HMAC_SHA1_80 inline:" + key30, "tag"},
		{"1234567890 AES_CM_128_HMAC_SHA1_80 inline:" + key30, "tag"},
		{"1 AES-CM inline:" + key30, "crypto-suite"},
		{"1 AES_CM_128_HMAC_SHA1_80 mikey:" + key30, "inline"},
		{"1 AES_CM_128_HMAC_SHA1_80 inline:!!!!", "base64"},
		{"1 AES_CM_128_HMAC_SHA1_80 inline:QUJD", "3 bytes, AES_CM_128_HMAC_SHA1_80 needs 30"},
		{"1 AES_CM_128_HMAC_SHA1_80 inline:" + key30 + "|2^99", "lifetime"},
		{"1 AES_CM_128_HMAC_SHA1_80 inline:" + key30 + "|0", "lifetime"},
		{"1 AES_CM_128_HMAC_SHA1_80 inline:" + key30 + "|1:0", "MKI"},
		{"1 AES_CM_128_HMAC_SHA1_80 inline:" + key30 + "|300:1", "does not fit"},
		{"1 AES_CM_128_HMAC_SHA1_80 inline:" + key30 + "|1:1|2^20", "out of place"},
		{"1 AES_CM_128_HMAC_SHA1_80 inline:" + key30 + "|1|2|3", "want key||salt"},
		{"1 AES_CM_128_HMAC_SHA1_80 inline:" + key30 + " KDR=x", "KDR"},
		{"1 AES_CM_128_HMAC_SHA1_80 inline:" + key30 + " WSH=2", "WSH"},
		{"1 AES_CM_128_HMAC_SHA1_80 inline:" + key30 + " UNENCRYPTED_SRTP=1", "no value"},
	}
	for _, tt := range tests {
		_, err := ParseCrypto(tt.in)
		if err == nil {
			t.Errorf("%q parsed", tt.in)
			continue
		}
		if !errors.Is(err, ErrSDES) || !strings.Contains(err.Error(), tt.mention) || strings.Contains(err.Error(), key30[:8]) {
			t.Errorf("%q: error %q should wrap ErrSDES, mention %q and not the key", tt.in, err, tt.mention)
		}
	}
}

func TestKeyingMKI(t *testing.T) {
	c, err := ParseCrypto("1 AES_CM_128_HMAC_SHA1_80 inline:WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz|2^20|258:4")
	if err != nil {
		t.Fatal(err)
	}
	k := c.Keying()
	if k.MKI != "\x00\x00\x01\x02" || k.Suite != AES_CM_128_HMAC_SHA1_80 || len(k.Key) != 30 {
		t.Fatalf("keying %+v", k)
	}
}

func TestNewKey(t *testing.T) {
	for _, s := range Suites() {
		k, err := NewKey(s, bytes.NewReader(bytes.Repeat([]byte{7}, 64)))
		if err != nil || len(k.Key) != s.KeyLen()+14 {
			t.Fatalf("%v: %v %d", s, err, len(k.Key))
		}
		c := Crypto{Tag: 1, Suite: s, Keys: []KeyParam{k}}
		back, err := ParseCrypto(c.String())
		if err != nil || back.Suite != s || !bytes.Equal(back.Keys[0].Key, k.Key) {
			t.Fatalf("%v: round trip %q: %v", s, c.String(), err)
		}
	}
	if _, err := NewKey(SuiteUnknown, bytes.NewReader(nil)); !errors.Is(err, ErrUnusable) {
		t.Fatalf("unknown suite: %v", err)
	}
	if _, err := NewKey(AES_CM_128_HMAC_SHA1_80, bytes.NewReader([]byte{1})); err == nil {
		t.Fatal("a short random source gave a key")
	}
}

func FuzzParseCrypto(f *testing.F) {
	f.Add("1 AES_CM_128_HMAC_SHA1_80 inline:WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz|2^20|1:4")
	f.Fuzz(func(t *testing.T, s string) {
		c, err := ParseCrypto(s)
		if err != nil {
			if !errors.Is(err, ErrSDES) {
				t.Fatalf("%q: error %v does not wrap ErrSDES", s, err)
			}
			return
		}
		// What parses writes back to something that parses the same.
		back, err := ParseCrypto(c.String())
		if err != nil {
			t.Fatalf("%q written as %q: %v", s, c.String(), err)
		}
		if back.String() != c.String() {
			t.Fatalf("%q: %q then %q", s, c.String(), back.String())
		}
		if c.Usable() == nil {
			if _, err := NewContext(c.Keying(), c.Keying()); err != nil {
				t.Fatalf("%q usable but does not key a context: %v", s, err)
			}
		}
	})
}
