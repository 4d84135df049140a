package sdp

import (
	"errors"
	"fmt"
	"net/netip"
	"strings"
	"testing"

	"github.com/potsgate/potsgate/media/t38"
)

// A far end's re-INVITE moving a call to T.38, as gateways send it.
const t38OfferText = "v=0\r\no=- 1 2 IN IP4 192.0.2.7\r\ns=-\r\nc=IN IP4 192.0.2.7\r\nt=0 0\r\n" +
	"m=image 40000 udptl t38\r\na=T38FaxVersion:0\r\na=T38MaxBitRate:14400\r\na=T38FaxRateManagement:transferredTCF\r\n" +
	"a=T38FaxMaxBuffer:200\r\na=T38FaxMaxDatagram:72\r\na=T38FaxUdpEC:t38UDPFEC\r\na=T38FaxFillBitRemoval\r\n"

var ourT38 = t38.Params{Version: 0, MaxBitRate: 9600, RateManagement: t38.TransferredTCF, MaxBuffer: 2000, MaxDatagram: 1400, UDPEC: t38.ECRedundancy}

// TestT38OfferAnswer: a T.38 offer is answered with our image line (the
// lower bit rate, redundancy for FEC, no fill bit removal), which reads
// back as the same choice.
func TestT38OfferAnswer(t *testing.T) {
	offer, err := Parse([]byte(t38OfferText))
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := offer.Audio(); ok || offer.T38Index() != 0 {
		t.Fatalf("audio or no T.38 line: %+v", offer.Media)
	}
	c, err := NegotiateT38(offer, ourT38)
	if err != nil {
		t.Fatal(err)
	}
	want := T38{Remote: netip.MustParseAddrPort("192.0.2.7:40000"), Params: t38.Params{MaxBitRate: 9600,
		RateManagement: t38.TransferredTCF, MaxBuffer: 2000, MaxDatagram: 1400, UDPEC: t38.ECRedundancy}}
	if !c.T38.Enabled() || c.T38 != want {
		t.Fatalf("choice %+v, want %+v", c.T38, want)
	}
	ans := AnswerT38(offer, c, netip.MustParseAddr("192.0.2.1"), 50000, 7)
	text := string(ans.Marshal())
	for _, line := range []string{"m=image 50000 udptl t38\r\n", "a=T38FaxVersion:0\r\n", "a=T38MaxBitRate:9600\r\n",
		"a=T38FaxRateManagement:transferredTCF\r\n", "a=T38FaxMaxDatagram:1400\r\n", "a=T38FaxUdpEC:t38UDPRedundancy\r\n"} {
		if !strings.Contains(text, line) {
			t.Errorf("answer lacks %q:\n%s", line, text)
		}
	}
	if strings.Contains(text, "sendrecv") || strings.Contains(text, "FillBit") {
		t.Errorf("answer:\n%s", text)
	}
	back, err := Parse([]byte(text))
	if err != nil {
		t.Fatal(err)
	}
	got, err := AcceptT38(back)
	if err != nil {
		t.Fatal(err)
	}
	if got.T38.Params != c.T38.Params || got.T38.Remote != netip.MustParseAddrPort("192.0.2.1:50000") {
		t.Errorf("accepted %+v", got.T38)
	}
	// Our own offer reads the same way.
	o, err := Parse(T38Offer(netip.MustParseAddr("192.0.2.1"), 50002, 1, ourT38).Marshal())
	if err != nil || o.T38Index() != 0 || o.Media[0].Fmt[0] != "t38" {
		t.Fatalf("our offer: %+v, %v", o, err)
	}
	if p, _ := t38.ParseAttributes(o.Media[0].Attributes); p != ourT38 {
		t.Errorf("our offer's parameters %+v", p)
	}
}

// TestT38Bad: bad attribute values, localTCF over UDPTL, a refused or
// missing T.38 line are errors saying so.
func TestT38Bad(t *testing.T) {
	for _, c := range []struct {
		name, sdp string
		want      error
	}{
		{"bad bit rate", strings.Replace(t38OfferText, "T38MaxBitRate:14400", "T38MaxBitRate:fast", 1), t38.ErrAttribute},
		{"bad version", strings.Replace(t38OfferText, "T38FaxVersion:0", "T38FaxVersion:9", 1), t38.ErrAttribute},
		{"bad EC", strings.Replace(t38OfferText, "t38UDPFEC", "t38UDPMagic", 1), t38.ErrAttribute},
		{"localTCF", strings.Replace(t38OfferText, "transferredTCF", "localTCF", 1), ErrT38},
		{"port 0", strings.Replace(t38OfferText, "image 40000", "image 0", 1), ErrNoT38},
		{"not t38", strings.Replace(t38OfferText, "udptl t38", "udptl t4", 1), ErrNoT38},
		{"TCP", strings.Replace(t38OfferText, "udptl t38", "tcp t38", 1), ErrNoT38},
		{"no address", strings.Replace(t38OfferText, "c=IN IP4 192.0.2.7\r\n", "", 1), ErrT38},
	} {
		s, err := Parse([]byte(c.sdp))
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		_, err = NegotiateT38(s, ourT38)
		_, err2 := AcceptT38(s)
		if !errors.Is(err, c.want) || !errors.Is(err2, c.want) {
			t.Errorf("%s: %v / %v, want %v", c.name, err, err2, c.want)
		}
		t.Logf("%s: %v", c.name, err)
	}
}

// FuzzT38: any SDP that parses is answered or refused cleanly; an
// answer we make reads back as the same T.38 choice.
func FuzzT38(f *testing.F) {
	f.Add([]byte(t38OfferText))
	f.Add([]byte("v=0\r\nc=IN IP4 192.0.2.1\r\nm=image 5 udptl t38\r\na=T38FaxVersion:3\r\na=T38FaxUdpEC:t38UDPFEC\r\nm=audio 0 RTP/AVP 0\r\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		s, err := Parse(b)
		if err != nil {
			return
		}
		c, err := NegotiateT38(s, ourT38)
		if err != nil {
			return
		}
		if !c.T38.Enabled() {
			t.Fatalf("a T.38 choice without an address: %+v", c)
		}
		ans := AnswerT38(s, c, netip.MustParseAddr("192.0.2.1"), 5000, 1)
		back, err := Parse(ans.Marshal())
		if err != nil {
			t.Fatalf("our answer does not parse: %v\n%s", err, ans.Marshal())
		}
		got, err := AcceptT38(back)
		if err != nil || got.T38.Params != c.T38.Params {
			t.Fatalf("our answer reads back as %+v, %v; want %+v\n%s", got.T38, err, c.T38, ans.Marshal())
		}
	})
}

// A far end's re-INVITE to T.38 answered with our image line.
func ExampleNegotiateT38() {
	offer, _ := Parse([]byte("v=0\r\no=- 1 2 IN IP4 192.0.2.7\r\ns=-\r\nc=IN IP4 192.0.2.7\r\nt=0 0\r\n" +
		"m=image 40000 udptl t38\r\na=T38FaxVersion:0\r\na=T38MaxBitRate:14400\r\na=T38FaxRateManagement:transferredTCF\r\na=T38FaxUdpEC:t38UDPRedundancy\r\n"))
	ours := t38.Params{MaxBitRate: 9600, RateManagement: t38.TransferredTCF, MaxDatagram: 1400, UDPEC: t38.ECRedundancy}
	c, _ := NegotiateT38(offer, ours)
	fmt.Println(c.T38.Remote, c.T38.Params.MaxBitRate)
	ans := string(AnswerT38(offer, c, netip.MustParseAddr("192.0.2.1"), 6000, 1).Marshal())
	fmt.Print(strings.ReplaceAll(ans[strings.Index(ans, "m="):], "\r", ""))
	// Output:
	// 192.0.2.7:40000 9600
	// m=image 6000 udptl t38
	// a=T38FaxVersion:0
	// a=T38MaxBitRate:9600
	// a=T38FaxRateManagement:transferredTCF
	// a=T38FaxMaxDatagram:1400
	// a=T38FaxUdpEC:t38UDPRedundancy
}
