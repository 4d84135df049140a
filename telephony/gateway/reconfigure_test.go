package gateway

import (
	"strings"
	"testing"
	"time"

	"github.com/potsgate/potsgate/hal/sim"
	"github.com/potsgate/potsgate/provisioning"
)

func applyIni(t *testing.T, c provisioning.Config, ini string) provisioning.Config {
	t.Helper()
	res, err := c.Registry().ApplyText(c, "update.ini", []byte("SetDefaultOnIniFileProcess = 0\n"+ini))
	if err != nil {
		t.Fatal(err)
	}
	return res.Config
}

// TestReconfigureDigitMapAndPerCallParams: a new digit map reaches an idle
// line (102 dialled without # rings at once once 1xx is a rule); what is
// read per call (EnableCallWaiting) follows the new configuration.
func TestReconfigureDigitMapAndPerCallParams(t *testing.T) {
	a, b := sim.NewPhone(), sim.NewPhone()
	g := newTestGateway(t, noMedia{}, a, b)
	t.Cleanup(func() { g.Close() })
	dial102 := func() bool {
		a.PickUp()
		a.Wait(300 * time.Millisecond)
		a.DialDTMF("102")
		stepAll(t, g, 1200*time.Millisecond)
		ringing := b.Ringing()
		a.HangUp()
		stepAll(t, g, time.Second)
		return ringing
	}
	if dial102() {
		t.Fatal("102 rings before # or the inter-digit timeout with no digit map")
	}
	cfg := applyIni(t, g.config(), "DigitMapping = '1xx'\nEnableCallWaiting = 0\n")
	if err := g.Reconfigure(cfg); err != nil {
		t.Fatal(err)
	}
	if !dial102() {
		t.Fatal("the new digit map 1xx did not dial 102 at its third digit")
	}
	if g.config().Bool(ParamEnableCallWaiting) {
		t.Fatal("EnableCallWaiting not taken")
	}
}

// TestReconfigureRefusesWhatDoesNotBuild: a configuration the gateway
// cannot take changes nothing.
func TestReconfigureRefusesWhatDoesNotBuild(t *testing.T) {
	g := newTestGateway(t, noMedia{}, sim.NewPhone())
	t.Cleanup(func() { g.Close() })
	before := g.config()
	if err := g.Reconfigure(provisioning.Config{}); err == nil {
		t.Fatal("an empty configuration was taken")
	}
	// A Tel-to-IP route with nowhere to go.
	bad := applyIni(t, before, `[ PREFIX ]
FORMAT PREFIX_Index = PREFIX_DestinationPrefix;
PREFIX 0 = 9;
[ \PREFIX ]
`)
	if err := g.Reconfigure(bad); err == nil || !strings.Contains(err.Error(), "no DestAddress") {
		t.Fatalf("Reconfigure = %v, want the PREFIX row refused", err)
	}
	if len(g.config().Table(TablePrefix)) != 0 || len(g.routes().tel2ip) != 0 {
		t.Fatal("a refused configuration was taken")
	}
}
