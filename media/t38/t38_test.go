package t38

import (
	"bytes"
	"encoding/hex"
	"errors"
	"testing"
)

func h(s string) []byte {
	b, err := hex.DecodeString(s)
	if err != nil {
		panic(err)
	}
	return b
}

// Vectors as spandsp's t38_core_send_* produced them (see
// TestSpandspT38 for the live comparison).
var ifpVectors = []struct {
	hex string
	ifp IFP
}{
	{"02", IFP{Indicator: CNG}},
	{"06", IFP{Indicator: V21Preamble}},
	{"2000", IFP{Indicator: V8ANSam}},
	{"2180", IFP{Indicator: V33_14400Training}},
	{"c001900001ff13", IFP{IsData: true, DataType: V21, Fields: []Field{{HDLCFCSOK, h("ff13")}}}},
	{"d001b000040102030405", IFP{IsData: true, DataType: V17_14400, Fields: []Field{{T4NonECMData, h("0102030405")}}}},
	{"c002800002ff138010", IFP{IsData: true, DataType: V21, Fields: []Field{{HDLCData, h("ff1380")}, {HDLCFCSOK, nil}}}},
	{"e00001c000000041", IFP{IsData: true, DataType: V8, Fields: []Field{{CMMessage, h("41")}}}},
	{"c80138", IFP{IsData: true, DataType: V29_9600, Fields: []Field{{T4NonECMSigEnd, nil}}}},
	{"48", IFP{IsData: true, DataType: V29_9600}},
}

func TestIFPVectors(t *testing.T) {
	for _, v := range ifpVectors {
		b, err := v.ifp.Marshal()
		if err != nil || hex.EncodeToString(b) != v.hex {
			t.Errorf("%v: encoded %x, %v; want %s", v.ifp, b, err, v.hex)
		}
		if n := v.ifp.MarshalSize(); n != len(v.hex)/2 {
			t.Errorf("%v: MarshalSize %d", v.ifp, n)
		}
		var got IFP
		if err := got.Unmarshal(h(v.hex)); err != nil || got.String() != v.ifp.String() {
			t.Errorf("%s: decoded %v, %v; want %v", v.hex, got, err, v.ifp)
		}
	}
}

func TestIFPRoundTripAll(t *testing.T) {
	for i := range numIndicators {
		f := IFP{Indicator: i}
		b, err := f.Marshal()
		var g IFP
		if err != nil || g.Unmarshal(b) != nil || g.Indicator != i || g.IsData {
			t.Errorf("%v: %x %v -> %v", i, b, err, g)
		}
	}
	for d := range numDataTypes {
		for ft := range numFieldTypes {
			f := IFP{IsData: true, DataType: d, Fields: []Field{{ft, bytes.Repeat([]byte{byte(ft)}, 300)}, {HDLCFCSOK, nil}}}
			b, err := f.Marshal()
			var g IFP
			if err != nil || g.Unmarshal(b) != nil || g.String() != f.String() {
				t.Errorf("%v %v: %v -> %v", d, ft, err, g)
			}
		}
	}
}

func TestIFPRejects(t *testing.T) {
	for _, bad := range []string{"", "82", "2", "21c0", "5e", "7f00", "c0", "c000", "c001", "c00190", "c0019000", "c001900005ff", "0600", "c0019000" + "01ff13ff", "c001f8"} {
		var f IFP
		b, _ := hex.DecodeString(bad)
		if err := f.Unmarshal(b); !errors.Is(err, ErrMalformed) {
			t.Errorf("%q: %v, want ErrMalformed", bad, err)
		}
	}
	for _, f := range []IFP{{Indicator: numIndicators}, {IsData: true, DataType: numDataTypes}, {Indicator: CNG, Fields: []Field{{}}},
		{IsData: true, Fields: []Field{{Type: numFieldTypes}}}} {
		if _, err := f.Marshal(); !errors.Is(err, ErrInvalid) {
			t.Errorf("%+v: %v, want ErrInvalid", f, err)
		}
	}
}

func TestUDPTL(t *testing.T) {
	p1, p2, p3 := h("06"), h("c001900001ff13"), h("d001b000040102030405")
	for _, u := range []UDPTL{
		{Seq: 7, Primary: p1},
		{Seq: 0xFFFF, Primary: p3, Secondary: [][]byte{p2, p1}},
		{Seq: 300, Primary: p3, FEC: &FEC{Packets: 3, Data: [][]byte{h("aabbcc"), h("dd")}}},
		{Seq: 1, Primary: bytes.Repeat([]byte{0xd0}, 200)}, // a two-octet length
	} {
		b, err := u.Marshal()
		if err != nil {
			t.Fatal(err)
		}
		var g UDPTL
		if err := g.Unmarshal(b); err != nil {
			t.Fatalf("%x: %v", b, err)
		}
		again, _ := g.Marshal()
		if !bytes.Equal(b, again) || g.Seq != u.Seq || !bytes.Equal(g.Primary, u.Primary) || len(g.Secondary) != len(u.Secondary) || (u.FEC == nil) != (g.FEC == nil) {
			t.Errorf("%+v: round trip %x -> %+v", u, b, g)
		}
	}
	// Known framing: seq 2, primary "06", redundancy with one "02".
	var g UDPTL
	if err := g.Unmarshal(h("0002010600010102")); err != nil || g.Seq != 2 || len(g.Secondary) != 1 || g.Secondary[0][0] != 0x02 {
		t.Fatalf("%+v, %v", g, err)
	}
	for _, bad := range []string{"", "0001", "000100", "0001010600", "00010106", "000101060001", "00010106000102", "0001010680", "000101068002aa", "00010106800101", "0001010600010102ff", "00010106" + "21"} {
		var u UDPTL
		if err := u.Unmarshal(h(bad)); !errors.Is(err, ErrMalformed) {
			t.Errorf("%q: %v, want ErrMalformed", bad, err)
		}
	}
}

func TestSDPAttributes(t *testing.T) {
	attrs := []string{"T38FaxVersion:0", "T38MaxBitRate:14400", "T38FaxFillBitRemoval", "T38FaxRateManagement:transferredTCF",
		"T38FaxMaxBuffer:262", "T38FaxMaxDatagram:90", "T38FaxUdpEC:t38UDPRedundancy", "rtpmap:0 PCMU/8000"}
	p, err := ParseAttributes(attrs)
	want := Params{Version: 0, MaxBitRate: 14400, FillBitRemoval: true, RateManagement: TransferredTCF, MaxBuffer: 262, MaxDatagram: 90, UDPEC: ECRedundancy}
	if err != nil || p != want {
		t.Fatalf("%+v, %v", p, err)
	}
	back, err := ParseAttributes(p.Attributes())
	if err != nil || back != p {
		t.Fatalf("round trip %v -> %+v, %v", p.Attributes(), back, err)
	}
	// Spellings seen in the field.
	if p, err := ParseAttributes([]string{"t38faxversion: 3", "T38FaxFillBitRemoval:0", "T38FaxUdpEC:t38UDPFEC", "T38FaxRateManagement:localTCF"}); err != nil ||
		p.Version != 3 || p.FillBitRemoval || p.UDPEC != ECFEC || p.RateManagement != LocalTCF {
		t.Fatalf("%+v, %v", p, err)
	}
	for _, bad := range []string{"T38FaxVersion:4", "T38FaxVersion", "T38MaxBitRate:fast", "T38MaxBitRate:0", "T38FaxRateManagement:remote",
		"T38FaxMaxBuffer:-1", "T38FaxMaxDatagram:70000", "T38FaxUdpEC:magic", "T38FaxFillBitRemoval:yes"} {
		if _, err := ParseAttributes([]string{bad}); !errors.Is(err, ErrAttribute) {
			t.Errorf("%q: %v, want ErrAttribute", bad, err)
		}
	}
}
