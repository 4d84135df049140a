package sas

import (
	"bytes"
	"testing"
	"time"
)

// FuzzTooLargeResponse feeds raw datagrams to the pre-parser that answers
// oversized requests: it must never panic and only ever build a 513 that
// copies lines of the input.
func FuzzTooLargeResponse(f *testing.F) {
	f.Add([]byte("INVITE sip:1@x SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\nFrom: <sip:a@b>;tag=1\r\nTo: <sip:c@d>\r\nCall-ID: x\r\nCSeq: 1 INVITE\r\n\r\n"))
	f.Add([]byte("REGISTER sip:x SIP/2.0\r\nv: SIP/2.0/UDP h\r\nf: a\r\nt: b\r\ni: c\r\nCSeq: 1 REGISTER\r\n"))
	f.Add([]byte("SIP/2.0 200 OK\r\n\r\n"))
	f.Add([]byte("ACK sip:x SIP/2.0\r\n"))
	f.Add([]byte{0, 1, 2})
	f.Fuzz(func(t *testing.T, data []byte) {
		out := tooLargeResponse(data)
		if out == nil {
			return
		}
		if !bytes.HasPrefix(out, []byte("SIP/2.0 513 ")) || !bytes.HasSuffix(out, []byte("\r\n\r\n")) {
			t.Fatalf("bad response %q", out)
		}
		if len(out) > len(data)+64 {
			t.Fatalf("response %d bytes for %d input bytes", len(out), len(data))
		}
	})
}

// FuzzVerify feeds hostile Authorization values to the digest checker: it
// must never panic nor accept credentials it did not compute.
func FuzzVerify(f *testing.F) {
	f.Add(`Digest username="1001", realm="potsgate", nonce="0000000000000000aaaaaaaaaaaaaaaaaaaaaaaa", uri="sip:x", response="00", qop=auth, nc=00000001, cnonce="x"`)
	f.Add(`Digest username="1001"`)
	f.Add(`Basic abc`)
	f.Add(`Digest realm="potsgate", nonce="zz", algorithm=SHA-512-256, qop=auth-int`)
	a, err := newAuthenticator("potsgate", map[string]string{"1001": "secret"})
	if err != nil {
		f.Fatal(err)
	}
	now := time.Unix(1_700_000_000, 0)
	f.Fuzz(func(t *testing.T, h string) {
		if _, err := a.verify([]string{h}, "REGISTER", now); err == nil {
			t.Fatalf("accepted %q", h)
		}
	})
}
