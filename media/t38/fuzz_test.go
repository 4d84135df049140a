package t38

import (
	"bytes"
	"strings"
	"testing"
)

// FuzzIFP: any octets decode or fail cleanly; what decodes encodes to a
// packet that decodes the same (padding bits are not kept).
func FuzzIFP(f *testing.F) {
	for _, v := range ifpVectors {
		f.Add(h(v.hex))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		var p IFP
		if p.Unmarshal(b) != nil {
			return
		}
		again, err := p.Marshal()
		if err != nil {
			t.Fatalf("%x decoded to %v, which does not encode: %v", b, p, err)
		}
		var q IFP
		if err := q.Unmarshal(again); err != nil || q.String() != p.String() {
			t.Fatalf("%x decoded to %v, which encodes to %x, decoded %v, %v", b, p, again, q, err)
		}
	})
}

// FuzzUDPTL: any datagram decodes or fails cleanly; what decodes
// re-encodes to a datagram that decodes the same.
func FuzzUDPTL(f *testing.F) {
	f.Add(h("0002010600010102"))
	f.Add(h("012c0ad001b00004010203040580010302" + "03aabbcc01dd"))
	f.Add(h("ffff0ad001b000040102030405000207c001900001ff130106"))
	f.Fuzz(func(t *testing.T, b []byte) {
		var u UDPTL
		if u.Unmarshal(b) != nil {
			return
		}
		again, err := u.Marshal()
		if err != nil {
			t.Fatalf("%x decoded, does not encode: %v", b, err)
		}
		var v UDPTL
		if err := v.Unmarshal(again); err != nil || v.Seq != u.Seq || !bytes.Equal(v.Primary, u.Primary) || len(v.Secondary) != len(u.Secondary) || (v.FEC == nil) != (u.FEC == nil) {
			t.Fatalf("%x decoded to %+v, which encodes to %x, decoded %+v, %v", b, u, again, v, err)
		}
	})
}

// FuzzSDPAttributes: any attribute lines parse or fail with
// ErrAttribute; what parses survives Attributes and back.
func FuzzSDPAttributes(f *testing.F) {
	f.Add("T38FaxVersion:0\nT38MaxBitRate:14400\nT38FaxRateManagement:transferredTCF\nT38FaxUdpEC:t38UDPRedundancy")
	f.Add("T38FaxMaxBuffer:262\nT38FaxMaxDatagram:90\nT38FaxFillBitRemoval\nT38FaxTranscodingMMR:0")
	f.Add("t38faxversion: 3\nrtpmap:0 PCMU/8000")
	f.Fuzz(func(t *testing.T, s string) {
		p, err := ParseAttributes(strings.Split(s, "\n"))
		if err != nil {
			return
		}
		back, err := ParseAttributes(p.Attributes())
		if err != nil || back != p {
			t.Fatalf("%q: %+v -> %v -> %+v, %v", s, p, p.Attributes(), back, err)
		}
	})
}
