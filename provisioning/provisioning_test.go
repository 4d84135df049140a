package provisioning

import (
	"bytes"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/potsgate/potsgate/provisioning/ini"
)

func testRegistry(t *testing.T) *Registry {
	t.Helper()
	r := NewRegistry()
	if err := r.Register(AutoUpdateParams()...); err != nil {
		t.Fatal(err)
	}
	err := r.Register(
		Param{Name: "RegistrationTime", Kind: KindInt, Min: 10, Max: 2000000, Default: "3600"},
		Param{Name: "EnableCallerID", Kind: KindBool, Default: "0", RestartRequired: true},
		Param{Name: "CallerIDType", Kind: KindEnum, Default: "0", Enum: []EnumValue{{0, "Bellcore"}, {1, "ETSI"}, {16, "ETSI DTMF"}}},
		Param{Name: "RegistrarIP", Kind: KindHostPort},
		Param{Name: "SyslogServerIP", Kind: KindIP},
		Param{Name: "EmergencyNumbers", Kind: KindList, Default: "911"},
		Param{Name: "SNMPReadOnlyCommunityString", Kind: KindString, Default: "public", Secret: true},
		Param{Name: "SNMPTrustedMgr", Kind: KindList, MaxLen: 15, Indexed: true},
	)
	if err != nil {
		t.Fatal(err)
	}
	err = r.RegisterTable(TableDef{Name: "PREFIX", MaxRows: 10, Columns: []Column{
		{Name: "RouteName", Kind: KindString},
		{Name: "DestinationPrefix", Kind: KindString, Default: "*"},
		{Name: "DestAddress", Kind: KindHostPort},
		{Name: "DestPort", Kind: KindInt, Min: 0, Max: 65535, Default: "5060"},
	}}, TableDef{Name: "Authentication", Columns: []Column{
		{Name: "UserId", Kind: KindString},
		{Name: "UserPassword", Kind: KindString, Secret: true},
		{Name: "Port", Kind: KindInt, Min: 1, Max: 24, Default: "1"},
	}})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func apply(t *testing.T, r *Registry, cur Config, text string) ApplyResult {
	t.Helper()
	res, err := r.ApplyText(cur, "test.ini", []byte(text))
	if err != nil {
		t.Fatalf("apply: %v", err)
	}
	return res
}

func TestDefaultsAndTypedGetters(t *testing.T) {
	r := testRegistry(t)
	c := r.Defaults()
	if c.Int("registrationtime") != 3600 || c.Bool("EnableCallerID") || c.String(ParamAupdHTTPUserAgent) != DefaultUserAgent {
		t.Fatalf("defaults wrong: %d %v %q", c.Int("RegistrationTime"), c.Bool("EnableCallerID"), c.String(ParamAupdHTTPUserAgent))
	}
	if got := c.List("EmergencyNumbers"); !slices.Equal(got, []string{"911"}) {
		t.Fatalf("list default = %q", got)
	}
	if c.String("NoSuchParam") != "" || c.Int("NoSuchParam") != 0 {
		t.Fatal("unknown names should read as zero values")
	}
}

func TestApplyValues(t *testing.T) {
	r := testRegistry(t)
	res := apply(t, r, r.Defaults(), `
registrationtime = 1800
CallerIDType = 'ETSI'
RegistrarIP = 'sip.example.net:5070'
SyslogServerIP = 10.0.0.5
EmergencyNumbers = '911', '112', ''
AutoUpdatePredefinedTime = '3:05'
FutureParam = 7
[ PREFIX ]
FORMAT PREFIX_Index = PREFIX_DestAddress, PREFIX_DestinationPrefix;
PREFIX 3 = "10.0.0.1", "10";
PREFIX 1 = "10.0.0.2", $$;
[ \PREFIX ]
`)
	c := res.Config
	if c.Int("RegistrationTime") != 1800 || c.Int("CallerIDType") != 1 || c.String("RegistrarIP") != "sip.example.net:5070" {
		t.Fatalf("values: %d %d %q", c.Int("RegistrationTime"), c.Int("CallerIDType"), c.String("RegistrarIP"))
	}
	if c.String(ParamAutoUpdatePredefinedTime) != "03:05" {
		t.Fatalf("time of day not normalised: %q", c.String(ParamAutoUpdatePredefinedTime))
	}
	if got := c.List("EmergencyNumbers"); !slices.Equal(got, []string{"911", "112", ""}) {
		t.Fatalf("list = %q", got)
	}
	rows := c.Table("prefix")
	if len(rows) != 2 || rows[0].Index != 1 || rows[0].String("DestinationPrefix") != "*" || rows[1].String("DestAddress") != "10.0.0.1" || rows[1].Int("DestPort") != 5060 {
		t.Fatalf("table rows = %+v", rows)
	}
	if len(res.Warnings) != 1 || !strings.Contains(res.Warnings[0].String(), "test.ini:8:1: unknown parameter FutureParam") {
		t.Fatalf("warnings = %v", res.Warnings)
	}
	if !slices.Contains(res.Changed, "RegistrationTime") || !slices.Contains(res.Changed, "PREFIX") || slices.Contains(res.Changed, "EnableCallerID") {
		t.Fatalf("changed = %v", res.Changed)
	}
}

func TestApplyRejectsWholeFileListingEveryBadLine(t *testing.T) {
	r := testRegistry(t)
	running := apply(t, r, r.Defaults(), "RegistrationTime = 1200\n").Config
	_, err := r.ApplyText(running, "bad.ini", []byte(`RegistrationTime = 5
EnableCallerID = 2
CallerIDType = 3
SyslogServerIP = 10.0.0.300
AutoUpdatePredefinedTime = '25:00'
RegistrarIP = 'bad host!'
broken line
[ PREFIX ]
FORMAT PREFIX_Index = PREFIX_DestPort, PREFIX_Nope;
[ \PREFIX ]
[ Authentication ]
FORMAT Authentication_Index = Authentication_Port;
Authentication 0 = 99;
[ \Authentication ]
`))
	var ae *ApplyError
	if !errors.As(err, &ae) {
		t.Fatalf("err = %v, want *ApplyError", err)
	}
	lines := map[int]bool{}
	for _, p := range ae.Problems {
		lines[p.Pos.Line] = true
	}
	for _, want := range []int{1, 2, 3, 4, 5, 6, 7, 9, 13} {
		if !lines[want] {
			t.Errorf("line %d not reported; got:\n%v", want, err)
		}
	}
	if !strings.Contains(err.Error(), "bad.ini:1:1: RegistrationTime: 5 is out of range [10, 2000000]") {
		t.Errorf("message lacks file:line and reason:\n%v", err)
	}
	if running.Int("RegistrationTime") != 1200 {
		t.Fatal("running configuration changed by a rejected file")
	}
}

func TestSetDefaultOnIniFileProcess(t *testing.T) {
	r := testRegistry(t)
	running := apply(t, r, r.Defaults(), "RegistrationTime = 1200\nEnableCallerID = 1\n").Config

	reset := apply(t, r, running, "EnableCallerID = 1\n").Config
	if reset.Int("RegistrationTime") != 3600 {
		t.Fatalf("SetDefaultOnIniFileProcess=1: missing parameter kept %d, want default", reset.Int("RegistrationTime"))
	}
	keep := apply(t, r, running, "SetDefaultOnIniFileProcess = 0\nEnableCallerID = 0\n")
	if keep.Config.Int("RegistrationTime") != 1200 || keep.Config.Bool("EnableCallerID") {
		t.Fatalf("SetDefaultOnIniFileProcess=0: got %d %v", keep.Config.Int("RegistrationTime"), keep.Config.Bool("EnableCallerID"))
	}
	if !slices.Equal(keep.RestartRequired, []string{"EnableCallerID"}) {
		t.Fatalf("restart required = %v", keep.RestartRequired)
	}
}

func TestAutoUpdateParamsSurviveDefaultReset(t *testing.T) {
	r := testRegistry(t)
	running := apply(t, r, r.Defaults(), "IniFileURL = 'http://prov/<MAC>.ini'\nAUPDRetryTime = 30\nEnableSIPRemoteReset = 1\nRegistrationTime = 1200\n").Config
	next := apply(t, r, running, "EnableCallerID = 1\n").Config
	if next.String("IniFileURL") != "http://prov/<MAC>.ini" || next.Int("AUPDRetryTime") != 30 {
		t.Fatalf("a file without the update URL cut the device off: IniFileURL %q, AUPDRetryTime %d", next.String("IniFileURL"), next.Int("AUPDRetryTime"))
	}
	if next.Int("RegistrationTime") != 3600 || next.Bool("EnableSIPRemoteReset") {
		t.Fatal("parameters outside Automatic Update must still return to their defaults")
	}
	// A file that names the parameter still changes it.
	if got := apply(t, r, running, "IniFileURL = ''\n").Config.String("IniFileURL"); got != "" {
		t.Fatalf("explicit empty IniFileURL kept %q", got)
	}
}

func TestResetNowIsAnActionNotAValue(t *testing.T) {
	r := testRegistry(t)
	res := apply(t, r, r.Defaults(), "ResetNow = 1\n")
	if !res.ResetNow {
		t.Fatal("ResetNow not reported")
	}
	if f := res.Config.Export(); len(f.Params) != 0 {
		t.Fatalf("ResetNow exported: %+v", f.Params)
	}
}

func TestExportMasksSecretsAndRoundTrips(t *testing.T) {
	r := testRegistry(t)
	running := apply(t, r, r.Defaults(), `RegistrationTime = 1800
SNMPReadOnlyCommunityString = 'topsecret'
AUPDDigestPassword = 'pw'
EmergencyNumbers = '911', '112'
[ Authentication ]
FORMAT Authentication_Index = Authentication_UserId, Authentication_UserPassword, Authentication_Port;
Authentication 0 = "101", "s3cret", 1;
[ \Authentication ]
`).Config
	var buf bytes.Buffer
	if err := ini.Write(&buf, running.Export()); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	if strings.Contains(out, "topsecret") || strings.Contains(out, "s3cret") || strings.Contains(out, "'pw'") {
		t.Fatalf("export leaks a secret:\n%s", out)
	}
	if strings.Contains(out, "AupdHttpUserAgent") {
		t.Fatalf("export lists a default value:\n%s", out)
	}
	back := apply(t, r, running, out).Config
	if len(back.Changed(running)) != 0 {
		t.Fatalf("export -> apply changed %v\n%s", back.Changed(running), out)
	}
	if back.String("SNMPReadOnlyCommunityString") != "topsecret" || back.Table("Authentication")[0].String("UserPassword") != "s3cret" {
		t.Fatal("masked secrets not kept on import")
	}
	// The saved form keeps secrets, so a fresh start from it has them.
	buf.Reset()
	if err := ini.Write(&buf, running.ExportWithSecrets()); err != nil {
		t.Fatal(err)
	}
	fresh := apply(t, r, r.Defaults(), buf.String()).Config
	if fresh.String("AUPDDigestPassword") != "pw" || fresh.Table("Authentication")[0].String("UserPassword") != "s3cret" || len(fresh.Changed(running)) != 0 {
		t.Fatalf("saved configuration does not restore the running one:\n%s", buf.String())
	}
}

// TestIndexedParameters: SNMPTrustedMgr_x, the device's spelling, sets
// one element; the whole-list form still works; export writes _x lines
// that apply back to the same list.
func TestIndexedParameters(t *testing.T) {
	r := testRegistry(t)
	res := apply(t, r, r.Defaults(), "snmptrustedmgr_0 = 10.0.0.5\nSNMPTrustedMgr_2 = '10.0.0.7'\n")
	if got := res.Config.List("SNMPTrustedMgr"); !slices.Equal(got, []string{"10.0.0.5", "", "10.0.0.7"}) {
		t.Fatalf("list = %q", got)
	}
	if !slices.Contains(res.Changed, "SNMPTrustedMgr") {
		t.Errorf("Changed = %v", res.Changed)
	}
	// A later file that keeps what it omits changes one element only.
	next := apply(t, r, res.Config, "SetDefaultOnIniFileProcess = 0\nSNMPTrustedMgr_1 = 10.0.0.6\nSNMPTrustedMgr_2 = ''\n").Config
	if got := next.List("SNMPTrustedMgr"); !slices.Equal(got, []string{"10.0.0.5", "10.0.0.6"}) {
		t.Fatalf("after the second file: %q", got)
	}
	var buf bytes.Buffer
	if err := ini.Write(&buf, next.Export()); err != nil {
		t.Fatal(err)
	}
	if out := buf.String(); !strings.Contains(out, "SNMPTrustedMgr_0 = '10.0.0.5'") || !strings.Contains(out, "SNMPTrustedMgr_1 = '10.0.0.6'") {
		t.Fatalf("export:\n%s", out)
	}
	if back := apply(t, r, r.Defaults(), buf.String()).Config; len(back.Changed(next)) != 0 {
		t.Fatalf("export -> apply changed %v", back.Changed(next))
	}
	whole := apply(t, r, next, "SNMPTrustedMgr = 10.0.0.9, 10.0.0.10\n").Config
	if got := whole.List("SNMPTrustedMgr"); !slices.Equal(got, []string{"10.0.0.9", "10.0.0.10"}) {
		t.Fatalf("whole-list form: %q", got)
	}

	_, err := r.ApplyText(res.Config, "bad.ini", []byte("SNMPTrustedMgr_64 = 10.0.0.1\nSNMPTrustedMgr_3 = 'far-too-long-for-fifteen'\nSNMPTrustedMgr_1 = a, b\n"))
	var ae *ApplyError
	if !errors.As(err, &ae) || len(ae.Problems) != 3 {
		t.Fatalf("want three problems, got %v", err)
	}
	for i, want := range []string{"bad.ini:1:1: SNMPTrustedMgr_64: index 64 out of range 0-63", "bad.ini:2:", "bad.ini:3:1: SNMPTrustedMgr_1: expects one value, got 2"} {
		if got := ae.Problems[i].Error(); !strings.HasPrefix(got, want) {
			t.Errorf("problem %d = %q, want prefix %q", i, got, want)
		}
	}
	// Not an index: an unknown name, as before.
	if res := apply(t, r, r.Defaults(), "SNMPTrustedMgr_x = 1\nRegistrationTime_0 = 5\n"); len(res.Warnings) != 2 {
		t.Fatalf("warnings %v", res.Warnings)
	}
	if err := NewRegistry().Register(Param{Name: "X", Kind: KindInt, Indexed: true}); err == nil {
		t.Fatal("an indexed int was registered")
	}
}

func TestRegisterRejectsBadDefinitions(t *testing.T) {
	r := NewRegistry()
	if err := r.Register(Param{Name: "A", Kind: KindInt, Min: 1, Max: 5, Default: "9"}); err == nil {
		t.Fatal("default out of range accepted")
	}
	if err := r.Register(Param{Name: "A", Kind: KindInt, Default: "1"}, Param{Name: "a", Kind: KindInt, Default: "1"}); err == nil {
		t.Fatal("duplicate name accepted")
	}
	if _, ok := r.Param("A"); ok {
		t.Fatal("a failed Register added parameters")
	}
}
