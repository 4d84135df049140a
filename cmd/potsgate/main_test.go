package main

import (
	"bytes"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/potsgate/potsgate/provisioning/autoupdate"
)

func runCmd(args ...string) (code int, stdout, stderr string) {
	var o, e bytes.Buffer
	code = run(args, &o, &e)
	return code, o.String(), e.String()
}

func writeFile(t *testing.T, name, text string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestIniCheck(t *testing.T) {
	good := writeFile(t, "good.ini", "[Automatic Update]\nAutoUpdateFrequency = 60\nIniFileURL = 'http://prov/<MAC>.ini'\nVendorThing = 3\n")
	bad := writeFile(t, "bad.ini", "AutoUpdateFrequency = 60\nAUPDRetryTime = 0\nAUPDCheckIfIniChanged = 5\nthis is not ini\n")

	code, out, _ := runCmd("ini", "check", good)
	if code != 0 || !strings.Contains(out, "good.ini:4:1: unknown parameter VendorThing ignored (warning)") {
		t.Fatalf("good file: exit %d, output %q", code, out)
	}
	code, out, _ = runCmd("ini", "check", good, bad)
	if code != 1 {
		t.Fatalf("bad file: exit %d, want 1\n%s", code, out)
	}
	for _, want := range []string{"bad.ini:2:1: AUPDRetryTime", "bad.ini:3:1: AUPDCheckIfIniChanged", "bad.ini:4:"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if code, _, _ := runCmd("ini", "check"); code != 2 {
		t.Errorf("no file: exit %d, want 2", code)
	}
	if code, _, _ := runCmd("ini", "check", filepath.Join(t.TempDir(), "missing.ini")); code != 1 {
		t.Errorf("missing file: exit %d, want 1", code)
	}
}

func TestUpdateCommand(t *testing.T) {
	img, err := autoupdate.EncodeFirmware("potsgate", "9.9.9", []byte("image"))
	if err != nil {
		t.Fatal(err)
	}
	var userAgent string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/cfg/00908f000001.ini":
			userAgent = r.UserAgent()
			fmt.Fprint(w, "INIFileVersion = 'v3'\nAUPDDigestPassword = 'hunter2'\n")
		case "/fw.img":
			w.Write(img)
		case "/cpt.dat":
			fmt.Fprint(w, "tones")
		default:
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()
	state := t.TempDir()
	cfg := writeFile(t, "gw.ini", fmt.Sprintf("IniFileURL = '%[1]s/cfg/<MAC>.ini'\nCmpFileURL = '%[1]s/fw.img'\nCptFileUrl = '%[1]s/cpt.dat'\n", srv.URL))
	code, out, errOut := runCmd("update", "-config", cfg, "-state", state, "-mac", "00:90:8f:00:00:01", "-model", "MP-114")
	if code != 0 {
		t.Fatalf("exit %d\n%s%s", code, out, errOut)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 4 || !strings.HasPrefix(lines[0], "ini ") || !strings.Contains(lines[0], "applied") ||
		!strings.HasPrefix(lines[1], "firmware ") || !strings.HasPrefix(lines[2], "cpt ") || !strings.HasPrefix(lines[3], "restart needed: firmware 9.9.9") {
		t.Fatalf("output:\n%s", out)
	}
	if !strings.Contains(userAgent, "MP-114;") || !strings.Contains(userAgent, "00908f000001") {
		t.Errorf("User-Agent %q", userAgent)
	}
	store := autoupdate.DirStore{Dir: state}
	if b, _ := os.ReadFile(store.FilePath(autoupdate.FileCPT)); string(b) != "tones" {
		t.Errorf("cpt file %q", b)
	}
	if b, _ := os.ReadFile(store.StagedFirmwarePath()); !bytes.Equal(b, img) {
		t.Error("staged firmware differs from the image served")
	}
	running, _ := os.ReadFile(filepath.Join(state, "running.ini"))
	if !strings.Contains(string(running), "v3") || !strings.Contains(string(running), "hunter2") {
		t.Errorf("running.ini does not hold the applied configuration:\n%s", running)
	}
	if strings.Contains(out+errOut, "hunter2") {
		t.Error("the command printed a secret")
	}

	// Second run: the same content is unchanged and firmware is not staged again.
	code, out, _ = runCmd("update", "-config", cfg, "-state", state, "-mac", "00:90:8f:00:00:01")
	if code != 0 || strings.Contains(out, "applied") || strings.Contains(out, "restart") {
		t.Fatalf("second run: exit %d\n%s", code, out)
	}

	// A failing file makes the command fail.
	bad := writeFile(t, "bad.ini", fmt.Sprintf("IniFileURL = '%s/missing.ini'\n", srv.URL))
	code, out, _ = runCmd("update", "-config", bad, "-state", t.TempDir())
	if code != 1 || !strings.Contains(out, "failed") || !strings.Contains(out, "404") {
		t.Fatalf("missing file: exit %d\n%s", code, out)
	}
	if code, _, _ := runCmd("update", "-config", bad); code != 2 {
		t.Errorf("without -state: exit %d, want 2", code)
	}
}
