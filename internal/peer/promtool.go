package peer

import (
	"bytes"
	"os/exec"
	"strings"
	"testing"
)

// CheckMetrics runs promtool check metrics (Debian prometheus) on a
// Prometheus text exposition: the test fails on malformed text and on
// names against Prometheus's conventions (promtool's lint), which it
// prints with the text.
func CheckMetrics(t testing.TB, text string) {
	t.Helper()
	cmd := exec.Command(Require(t, "promtool"), "check", "metrics")
	cmd.Stdin = strings.NewReader(text)
	out, err := cmd.CombinedOutput()
	if err != nil || len(bytes.TrimSpace(out)) > 0 {
		t.Fatalf("promtool check metrics: %v\n%s\n--- the metrics:\n%s", err, out, text)
	}
}
