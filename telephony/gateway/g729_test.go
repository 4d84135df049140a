package gateway

import (
	"testing"

	"github.com/potsgate/potsgate/media/g729"
	"github.com/potsgate/potsgate/sip/sdp"
)

// TestCodersGroupG729: the vendor's coder rows with G.729, its silence
// suppression column deciding Annex B, become SDP formats and codecs.
func TestCodersGroupG729(t *testing.T) {
	reg, _ := NewRegistry()
	res, err := reg.ApplyText(reg.Defaults(), "gw.ini", []byte(`[ CodersGroup0 ]
FORMAT CodersGroup0_Index = CodersGroup0_Name, CodersGroup0_pTime, CodersGroup0_rate, CodersGroup0_PayloadType, CodersGroup0_Sce;
CodersGroup0 0 = g729, 20, 0, 255, 0;
CodersGroup0 1 = g711Ulaw64k, 20, 0, 255, 0;
[ \CodersGroup0 ]
`))
	if err != nil {
		t.Fatal(err)
	}
	sc, err := SIPConfig(res.Config, "potsgate/test")
	if err != nil {
		t.Fatal(err)
	}
	want := sdp.Format{PayloadType: 18, Name: "G729", ClockRate: 8000, Params: "annexb=no"}
	if len(sc.Codecs) != 2 || sc.Codecs[0] != want || sc.Codecs[1].Name != "PCMU" || sc.PacketTime.Milliseconds() != 20 {
		t.Fatalf("codecs %+v, ptime %v", sc.Codecs, sc.PacketTime)
	}

	res, err = reg.ApplyText(reg.Defaults(), "gw.ini", []byte(`[ CodersGroup0 ]
FORMAT CodersGroup0_Index = CodersGroup0_Name, CodersGroup0_pTime, CodersGroup0_rate, CodersGroup0_PayloadType, CodersGroup0_Sce;
CodersGroup0 0 = G729, 40, 0, 255, 1;
[ \CodersGroup0 ]
`))
	if err != nil {
		t.Fatal(err)
	}
	if sc, err = SIPConfig(res.Config, "potsgate/test"); err != nil {
		t.Fatal(err)
	}
	if len(sc.Codecs) != 1 || sc.Codecs[0].Params != "annexb=yes" || sc.PacketTime.Milliseconds() != 40 {
		t.Fatalf("codecs %+v, ptime %v", sc.Codecs, sc.PacketTime)
	}

	for params, annexB := range map[string]bool{"annexb=no": false, "annexb=yes": true, "": true} {
		c, err := codecFor(sdp.Format{PayloadType: 18, Name: "G729", ClockRate: 8000, Params: params})
		if err != nil || c != (g729.Codec{AnnexB: annexB}) {
			t.Errorf("codec for G729 %q: %v, %v", params, c, err)
		}
	}
}
