package callerid

import (
	"errors"
	"testing"
	"time"
)

var decodeErrors = []error{ErrTruncated, ErrChecksum, ErrUnknownType, ErrInvalidMessage}

func knownError(err error) bool {
	for _, e := range decodeErrors {
		if errors.Is(err, e) {
			return true
		}
	}
	return false
}

// FuzzDecode: bytes from the line (the FSK receiver's output) never panic
// the decoder, every error is one of ours, and what decodes as a call
// setup message encodes again to a message that decodes the same.
func FuzzDecode(f *testing.F) {
	m := Message{Time: time.Date(0, 11, 26, 9, 30, 0, 0, time.UTC), Number: "5551234", Name: "ALICE"}
	for _, std := range []Standard{Bellcore, ETSI} {
		for _, format := range []Format{SDMF, MDMF} {
			m.Format = format
			if b, err := Encode(std, m); err == nil {
				f.Add(b)
			}
		}
	}
	f.Add([]byte{0x82, 0x00, 0x7e})
	f.Fuzz(func(t *testing.T, b []byte) {
		got, err := Decode(b)
		if err != nil {
			if !knownError(err) {
				t.Fatalf("error %v is none of the package's", err)
			}
			return
		}
		if got.Kind != CallSetup || got.Format != MDMF || got.Number == "" || got.Name == "" {
			return
		}
		again, err := Encode(Bellcore, got)
		if err != nil {
			return // e.g. a name longer than a message may carry
		}
		back, err := Decode(again)
		if err != nil || back.Number != got.Number || back.Name != got.Name {
			t.Fatalf("re-encoded %+v decodes as %+v (%v)", got, back, err)
		}
	})
}

// FuzzDecodeDTMF: DTMF caller ID digit strings never panic the decoder and
// fail with the package's errors.
func FuzzDecodeDTMF(f *testing.F) {
	for _, s := range []string{"A5551234C", "B00C", "B10C", "D1#", "A"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if _, err := DecodeDTMF(s); err != nil && !knownError(err) {
			t.Fatalf("error %v is none of the package's", err)
		}
	})
}
