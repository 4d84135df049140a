package peer

import (
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// BuildC compiles the C driver src (a test's testdata program) with gcc
// -O2 against the pkg-config packages pkgs into the test's temporary
// directory and returns the program's path. Without pkg-config, gcc or a
// package the test skips, or fails when peers are required
// (POTSGATE_REQUIRE_PEERS): the drivers are how tests reach reference
// implementations such as spandsp, never linked into our code.
func BuildC(t testing.TB, src string, pkgs ...string) string {
	t.Helper()
	pc := Require(t, "pkg-config")
	cc := Require(t, "gcc")
	var flags []string
	if len(pkgs) > 0 {
		out, err := exec.Command(pc, append([]string{"--cflags", "--libs"}, pkgs...)...).Output()
		if err != nil {
			missing(t, "pkg-config finds no "+strings.Join(pkgs, " or ")+" (see the apt-get list in scripts/test)")
		}
		flags = strings.Fields(string(out))
	}
	name := strings.TrimSuffix(filepath.Base(src), ".c")
	prog := filepath.Join(t.TempDir(), name)
	args := append([]string{"-O2", "-o", prog, src}, flags...)
	args = append(args, "-lm")
	if out, err := exec.Command(cc, args...).CombinedOutput(); err != nil {
		t.Fatalf("building %s: %v\n%s", src, err, out)
	}
	return prog
}
