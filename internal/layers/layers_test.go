package layers

import (
	"bufio"
	"bytes"
	"os/exec"
	"strings"
	"testing"
)

const module = "github.com/potsgate/potsgate/"

// allowed is the table of ARCHITECTURE.md: for each layer (a directory of
// the module), the module directories and third-party modules its
// non-test code may import besides the standard library and itself.
var allowed = []struct {
	layer   string
	imports []string
}{
	// The DAHDI backend: ioctls through x/sys/unix; its fake card puts
	// hal/sim phones behind it. (Before "hal": the first match wins.)
	{"hal/dahdi", []string{module + "hal", "golang.org/x/sys/unix"}},
	{"hal", nil},
	{"media", []string{"github.com/pion/", "github.com/zaf/"}},
	{"provisioning", []string{"github.com/icholy/digest"}},
	{"snmp", []string{"github.com/gosnmp/gosnmp"}},
	// sipgo and the digest library it authenticates with.
	{"sip", []string{"github.com/emiago/sipgo", "github.com/icholy/digest", module + "media"}},
	{"telephony/gateway", []string{"*"}}, // the composition: everything but cmd
	{"telephony", []string{module + "hal", module + "media"}},
	{"internal", nil},
}

func layerOf(pkg string) (string, []string, bool) {
	rel := strings.TrimPrefix(pkg, module)
	for _, a := range allowed {
		if rel == a.layer || strings.HasPrefix(rel, a.layer+"/") {
			return a.layer, a.imports, true
		}
	}
	return "", nil, false
}

func TestLayers(t *testing.T) {
	out, err := exec.Command("go", "list", "-f", "{{.ImportPath}} {{join .Imports \" \"}}", module+"...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	checked := 0
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		pkg, imports := f[0], f[1:]
		for _, imp := range imports {
			if strings.HasPrefix(imp, module+"cmd") {
				t.Errorf("%s imports %s: nothing imports cmd", pkg, imp)
			}
		}
		layer, ok, known := layerOf(pkg)
		if !known {
			continue // cmd and examples may import everything
		}
		checked++
	imports:
		for _, imp := range imports {
			if !strings.Contains(strings.Split(imp, "/")[0], ".") {
				continue // the standard library
			}
			if imp == module+layer || strings.HasPrefix(imp, module+layer+"/") {
				continue
			}
			for _, a := range ok {
				if a == "*" || imp == a || strings.HasPrefix(imp, a+"/") || (strings.HasSuffix(a, "/") && strings.HasPrefix(imp, a)) {
					continue imports
				}
			}
			t.Errorf("%s imports %s, which layer %s may not", pkg, imp, layer)
		}
	}
	if checked < 15 {
		t.Fatalf("only %d packages checked: is go list seeing the module?", checked)
	}
}

// TestLayerRuleBites: the check refuses what the table forbids.
func TestLayerRuleBites(t *testing.T) {
	layer, ok, _ := layerOf(module + "media/dtmf")
	if layer != "media" {
		t.Fatalf("layer %q", layer)
	}
	for _, a := range ok {
		if strings.HasPrefix(module+"sip", a) || strings.HasPrefix(module+"telephony/line", a) {
			t.Fatalf("media may import %s", a)
		}
	}
	if l, ok, _ := layerOf(module + "hal/dahdi/dahditest"); l != "hal/dahdi" || len(ok) != 2 {
		t.Fatalf("hal/dahdi/dahditest taken as %q", l)
	}
	if _, ok, _ := layerOf(module + "hal/sim"); len(ok) != 0 {
		t.Fatalf("hal/sim may import %v: only hal/dahdi may import x/sys", ok)
	}
	if l, _, _ := layerOf(module + "telephony/gateway"); l != "telephony/gateway" {
		t.Fatalf("telephony/gateway taken as %q", l)
	}
}
