package sdp

import (
	"errors"
	"fmt"
	"net/netip"
	"os"
	"strings"
	"testing"
	"time"
)

var (
	pcmu = Format{PayloadType: 0, Name: "PCMU", ClockRate: 8000}
	pcma = Format{PayloadType: 8, Name: "PCMA", ClockRate: 8000}
)

func TestParseAndNegotiateSIPpOffer(t *testing.T) {
	b, err := os.ReadFile("testdata/sipp-offer.sdp")
	if err != nil {
		t.Fatal(err)
	}
	offer, err := Parse(b)
	if err != nil {
		t.Fatal(err)
	}
	c, err := Negotiate(offer, []Format{pcma, pcmu}, true)
	if err != nil {
		t.Fatal(err)
	}
	if c.Codec.Name != "PCMU" || c.Codec.PayloadType != 0 || c.DTMF.PayloadType != 101 ||
		c.Remote != netip.MustParseAddrPort("127.0.0.1:6000") || c.PacketTime != 20*time.Millisecond || c.Direction != SendRecv {
		t.Fatalf("choice %+v", c)
	}
	ans := Answer(offer, c, netip.MustParseAddr("127.0.0.1"), 20000, 7, 20*time.Millisecond)
	text := string(ans.Marshal())
	for _, want := range []string{"m=audio 20000 RTP/AVP 0 101\r\n", "a=rtpmap:101 telephone-event/8000\r\n", "a=fmtp:101 0-15\r\n", "c=IN IP4 127.0.0.1\r\n", "a=sendrecv\r\n"} {
		if !strings.Contains(text, want) {
			t.Errorf("answer lacks %q:\n%s", want, text)
		}
	}
	// The offerer reads our answer back.
	back, err := Parse(ans.Marshal())
	if err != nil {
		t.Fatal(err)
	}
	got, err := Accept(offer, back)
	if err != nil || got.Codec.Name != "PCMU" || got.Remote.Port() != 20000 || !got.HasDTMF() {
		t.Fatalf("Accept = %+v, %v", got, err)
	}
}

func TestHoldAndRefusal(t *testing.T) {
	hold := "v=0\r\no=- 1 2 IN IP4 10.0.0.1\r\ns=-\r\nc=IN IP4 10.0.0.1\r\nt=0 0\r\nm=video 5000 RTP/AVP 96\r\nm=audio 4000 RTP/AVP 8\r\na=sendonly\r\n"
	offer, err := Parse([]byte(hold))
	if err != nil {
		t.Fatal(err)
	}
	c, err := Negotiate(offer, []Format{pcmu, pcma}, true)
	if err != nil || c.Direction != RecvOnly || c.HasDTMF() || c.Codec.Name != "PCMA" {
		t.Fatalf("hold offer: %+v %v", c, err)
	}
	ans := Answer(offer, c, netip.MustParseAddr("10.0.0.2"), 30000, 1, 0)
	if ans.Media[0].Port != 0 || ans.Media[1].Port != 30000 || ans.Media[1].Direction != RecvOnly {
		t.Fatalf("answer media %+v", ans.Media)
	}
	g729only := "v=0\r\no=- 1 2 IN IP4 10.0.0.1\r\ns=-\r\nc=IN IP4 10.0.0.1\r\nt=0 0\r\nm=audio 4000 RTP/AVP 18\r\n"
	offer, _ = Parse([]byte(g729only))
	if _, err := Negotiate(offer, []Format{pcmu}, true); !errors.Is(err, ErrNoCommonCodec) {
		t.Fatalf("G.729-only offer: %v", err)
	}
}

func TestParseErrorsNameTheLine(t *testing.T) {
	for _, bad := range []string{
		"o=- 1 1 IN IP4 1.2.3.4\r\n",                                // no v=
		"v=0\r\nc=IN IP4 not-an-ip\r\n",                             // address
		"v=0\r\nm=audio 99999 RTP/AVP 0\r\n",                        // port
		"v=0\r\nm=audio 4000 RTP/AVP 300\r\n",                       // payload type
		"v=0\r\nm=audio 4000 RTP/AVP 0\r\na=rtpmap:0 PCMU/zero\r\n", // rate
		"v=0\r\nbroken\r\n",
	} {
		_, err := Parse([]byte(bad))
		if !errors.Is(err, ErrSyntax) {
			t.Errorf("Parse(%q) = %v, want a syntax error", bad, err)
		}
	}
	_, err := Parse([]byte("v=0\r\nc=IN IP4 x\r\n"))
	if err == nil || !strings.Contains(err.Error(), "line 2") {
		t.Errorf("error does not name line 2: %v", err)
	}
}

func FuzzParse(f *testing.F) {
	b, _ := os.ReadFile("testdata/sipp-offer.sdp")
	f.Add(b)
	f.Add([]byte("v=0\r\nm=audio 1 RTP/AVP 0 8 101\r\na=rtpmap:101 telephone-event/8000\r\na=sendonly\r\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		s, err := Parse(b)
		if err != nil {
			return
		}
		again, err := Parse(s.Marshal())
		if err != nil {
			t.Fatalf("marshalled SDP does not parse: %v\n%s", err, s.Marshal())
		}
		if len(again.Media) != len(s.Media) {
			t.Fatalf("media lost in round trip")
		}
		_, _ = Negotiate(s, []Format{pcmu, pcma}, true)
	})
}

func ExampleNegotiate() {
	offer, _ := Parse([]byte("v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 192.0.2.1\r\nt=0 0\r\nm=audio 4000 RTP/AVP 8 0 101\r\na=rtpmap:101 telephone-event/8000\r\n"))
	c, _ := Negotiate(offer, []Format{{PayloadType: 0, Name: "PCMU", ClockRate: 8000}, {PayloadType: 8, Name: "PCMA", ClockRate: 8000}}, true)
	fmt.Println(c.Codec.Name, c.DTMF.PayloadType, c.Remote)
	// Output: PCMA 101 192.0.2.1:4000
}
