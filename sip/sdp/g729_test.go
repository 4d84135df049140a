package sdp

import (
	"net/netip"
	"strings"
	"testing"
	"time"
)

// G.729 offers and answers (RFC 3551 payload type 18, RFC 4856 annexb):
// Annex B is used only when both sides allow it, absence meaning yes, and
// the answer says which.
func TestG729AnnexBNegotiation(t *testing.T) {
	g729 := func(params string) Format {
		return Format{PayloadType: 18, Name: "G729", ClockRate: 8000, Params: params}
	}
	offer := func(fmtp string) string {
		s := "v=0\r\no=x 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 6000 RTP/AVP 18 0\r\n"
		if fmtp != "" {
			s += "a=fmtp:18 " + fmtp + "\r\n"
		}
		return s + "a=ptime:20\r\n"
	}
	for _, tc := range []struct {
		fmtp, ours, want string
	}{
		{"", "annexb=no", "annexb=no"},
		{"", "annexb=yes", "annexb=yes"},
		{"", "", "annexb=yes"},
		{"annexb=no", "annexb=yes", "annexb=no"},
		{"annexb=yes", "annexb=no", "annexb=no"},
		{"annexb=yes", "annexb=yes", "annexb=yes"},
		{"AnnexB = No", "annexb=yes", "annexb=no"},
	} {
		o, err := Parse([]byte(offer(tc.fmtp)))
		if err != nil {
			t.Fatal(err)
		}
		c, err := Negotiate(o, []Format{g729(tc.ours), pcmu}, false)
		if err != nil {
			t.Fatal(err)
		}
		if c.Codec.Name != "G729" || c.Codec.PayloadType != 18 || c.Codec.Params != tc.want {
			t.Errorf("offer %q, ours %q: chose %+v, want G729 %s", tc.fmtp, tc.ours, c.Codec, tc.want)
		}
		ans := string(Answer(o, c, netip.MustParseAddr("127.0.0.1"), 20000, 1, 20*time.Millisecond).Marshal())
		if !strings.Contains(ans, "m=audio 20000 RTP/AVP 18\r\n") || !strings.Contains(ans, "a=rtpmap:18 G729/8000\r\n") ||
			!strings.Contains(ans, "a=fmtp:18 "+tc.want+"\r\n") {
			t.Errorf("offer %q, ours %q: answer\n%s", tc.fmtp, tc.ours, ans)
		}
	}

	// Our offer carries annexb; the answer's decides.
	ours := Offer(netip.MustParseAddr("127.0.0.1"), 20000, 1, []Format{g729("annexb=yes"), pcmu}, 101, 20*time.Millisecond, SendRecv)
	text := string(ours.Marshal())
	if !strings.Contains(text, "m=audio 20000 RTP/AVP 18 0 101\r\n") || !strings.Contains(text, "a=fmtp:18 annexb=yes\r\n") {
		t.Errorf("offer:\n%s", text)
	}
	for fmtp, want := range map[string]string{"annexb=no": "annexb=no", "": "annexb=yes"} {
		a, err := Parse([]byte(offer(fmtp)))
		if err != nil {
			t.Fatal(err)
		}
		c, err := Accept(ours, a)
		if err != nil || c.Codec.Name != "G729" || c.Codec.Params != want {
			t.Errorf("answer %q: %+v, %v; want G729 %s", fmtp, c.Codec, err, want)
		}
	}
	// Without G.729 on our side, an offer of G.729 then PCMU gets PCMU.
	o, _ := Parse([]byte(offer("annexb=no")))
	if c, err := Negotiate(o, []Format{pcmu}, false); err != nil || c.Codec.Name != "PCMU" || c.Codec.Params != "" {
		t.Errorf("G.711 only: %+v, %v", c.Codec, err)
	}
}
