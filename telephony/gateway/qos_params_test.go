package gateway

import (
	"errors"
	"testing"

	"github.com/potsgate/potsgate/provisioning"
	"github.com/potsgate/potsgate/sip"
)

// TestQoSParams: the DiffServ code points reach the SIP user agent, SAS
// and the RTP port range; the defaults are 40 and 46, a value outside
// 0-63 is refused on its line, and both need a restart.
func TestQoSParams(t *testing.T) {
	reg, _ := NewRegistry()
	check := func(c provisioning.Config, wantSIP, wantRTP int) {
		t.Helper()
		sc, err := SIPConfig(c, "test")
		if err != nil {
			t.Fatal(err)
		}
		m, err := NewRTPMedia(c, sip.Config{})
		if err != nil {
			t.Fatal(err)
		}
		if sc.DSCP != wantSIP || SASConfig(c).DSCP != wantSIP || m.ports.DSCP != wantRTP {
			t.Errorf("SIP %d, SAS %d, RTP %d; want %d, %d, %d", sc.DSCP, SASConfig(c).DSCP, m.ports.DSCP, wantSIP, wantSIP, wantRTP)
		}
	}
	check(reg.Defaults(), 40, 46)
	res, err := reg.ApplyText(reg.Defaults(), "gw.ini", []byte("PremiumServiceClassControlDiffServ = 26\nPremiumServiceClassMediaDiffServ = 0\n"))
	if err != nil {
		t.Fatal(err)
	}
	check(res.Config, 26, 0)
	if len(res.RestartRequired) != 2 {
		t.Errorf("restart required for %v, want both", res.RestartRequired)
	}
	_, err = reg.ApplyText(reg.Defaults(), "gw.ini", []byte("PremiumServiceClassControlDiffServ = 10\nPremiumServiceClassMediaDiffServ = 64\n"))
	var ae *provisioning.ApplyError
	if !errors.As(err, &ae) || len(ae.Problems) != 1 || ae.Problems[0].Pos.Line != 2 {
		t.Fatalf("DSCP 64: %v, want one problem on line 2", err)
	}
}
