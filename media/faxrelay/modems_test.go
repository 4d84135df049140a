package faxrelay_test

import (
	"strings"
	"testing"

	"github.com/potsgate/potsgate/media/faxrelay"
)

// needModem skips a case whose modem this branch does not have yet.
func needModem(t *testing.T, modems string) {
	t.Helper()
	for _, m := range strings.Split(modems, ",") {
		if !faxrelay.HasModem(m) {
			t.Skipf("no %s modem in this build", m)
		}
	}
}
