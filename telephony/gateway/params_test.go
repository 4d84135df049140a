package gateway

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/potsgate/potsgate/provisioning"
)

func TestBadDigitMapIsRejectedOnItsLine(t *testing.T) {
	reg, err := NewRegistry()
	if err != nil {
		t.Fatal(err)
	}
	_, err = reg.ApplyText(reg.Defaults(), "gw.ini", []byte("MaxDigits = 10\nDigitMapping = '1xx|[9-'\nMinFlashHookTime = 5\n"))
	var ae *provisioning.ApplyError
	if !errors.As(err, &ae) || len(ae.Problems) != 2 {
		t.Fatalf("err = %v, want two problems", err)
	}
	if p := ae.Problems[0]; p.Pos.Line != 2 || !strings.Contains(p.Err.Error(), "[") {
		t.Errorf("first problem %v", p)
	}
	if p := ae.Problems[1]; p.Pos.Line != 3 || p.Name != ParamMinFlashHookTime {
		t.Errorf("second problem %v", p)
	}
}

func TestLineConfigFromDefaults(t *testing.T) {
	reg, _ := NewRegistry()
	fxs, err := FXSConfig(reg.Defaults(), 1)
	if err != nil {
		t.Fatal(err)
	}
	if fxs.MaxDigits != 30 || fxs.TimeBetweenDigits.Seconds() != 4 || fxs.FlashHookPeriod.Milliseconds() != 700 || fxs.DigitMap.String() != "" {
		t.Fatalf("FXS defaults %+v", fxs)
	}
	fxo, _ := FXOConfig(reg.Defaults(), 1)
	if !fxo.TwoStageDial || !fxo.WaitForDialTone || fxo.WaitForDialTime.Milliseconds() != 1000 || !fxo.DisconnectOnBusyTone {
		t.Fatalf("FXO defaults %+v", fxo)
	}
}

func TestSIPConfigFromIni(t *testing.T) {
	reg, _ := NewRegistry()
	res, err := reg.ApplyText(reg.Defaults(), "gw.ini", []byte(`LocalSIPPort = 5070
ProxyIP = '192.0.2.10:5060'
EnableSIPRemoteReset = 1
EnableProxyKeepAlive = 1
ProxyKeepAliveTime = 30
SIPSessionExpires = 1800
SessionExpiresMethod = 1
RegistrarIP = '192.0.2.20'
[ ProxySet ]
FORMAT ProxySet_Index = ProxySet_IpAddress;
ProxySet 0 = 192.0.2.11:5060;
[ \ProxySet ]
[ CodersGroup0 ]
FORMAT CodersGroup0_Index = CodersGroup0_Name, CodersGroup0_pTime;
CodersGroup0 0 = g711Alaw64k, 30;
CodersGroup0 1 = g711Ulaw64k, 20;
[ \CodersGroup0 ]
`))
	if err != nil {
		t.Fatal(err)
	}
	sc, err := SIPConfig(res.Config, "potsgate/test")
	if err != nil {
		t.Fatal(err)
	}
	if sc.ListenAddr != "127.0.0.1:5070" || sc.Codecs[0].Name != "PCMA" || sc.PacketTime.Milliseconds() != 30 ||
		sc.DTMFPayloadType != 101 || !sc.EnableRemoteReset || fmt.Sprint(sc.TrustedHosts) != "[192.0.2.10 192.0.2.11 192.0.2.20]" ||
		fmt.Sprint(sc.Proxies) != "[192.0.2.10:5060 192.0.2.11:5060]" || sc.KeepAlive.Seconds() != 30 ||
		sc.SessionExpires.Seconds() != 1800 || !sc.SessionRefreshByUpdate {
		t.Fatalf("SIP config %+v", sc)
	}
	_, err = reg.ApplyText(reg.Defaults(), "gw.ini", []byte("[ CodersGroup0 ]\nFORMAT CodersGroup0_Index = CodersGroup0_Name;\nCodersGroup0 0 = g723;\n[ \\CodersGroup0 ]\n"))
	if err == nil || !strings.Contains(err.Error(), "g723") {
		t.Fatalf("unsupported coder accepted: %v", err)
	}
}

func TestPortNumbersFromTrunkGroup(t *testing.T) {
	reg, _ := NewRegistry()
	res, err := reg.ApplyText(reg.Defaults(), "gw.ini", []byte(`[ TrunkGroup ]
FORMAT TrunkGroup_Index = TrunkGroup_TrunkGroupNum, TrunkGroup_FirstBChannel, TrunkGroup_LastBChannel, TrunkGroup_FirstPhoneNumber;
TrunkGroup 0 = 1, 1, 4, 101;
TrunkGroup 1 = 2, 6, 7, 0200;
[ \TrunkGroup ]
`))
	if err != nil {
		t.Fatal(err)
	}
	got, err := PortNumbers(res.Config)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(got, ",") != "101,102,103,104,,0200,0201" {
		t.Fatalf("numbers %q", got)
	}
}

// OffhookDebounceTiming is milliseconds, 0 to 500, and reaches the FXS
// machine as OffhookDebounce.
func TestOffhookDebounceTiming(t *testing.T) {
	reg, err := NewRegistry()
	if err != nil {
		t.Fatal(err)
	}
	if fxs, _ := FXSConfig(reg.Defaults(), 1); fxs.OffhookDebounce != 0 {
		t.Fatalf("default debounce %v, want 0", fxs.OffhookDebounce)
	}
	res, err := reg.ApplyText(reg.Defaults(), "gw.ini", []byte("OffhookDebounceTiming = 40\n"))
	if err != nil {
		t.Fatal(err)
	}
	fxs, err := FXSConfig(res.Config, 1)
	if err != nil {
		t.Fatal(err)
	}
	if fxs.OffhookDebounce != 40*time.Millisecond {
		t.Fatalf("OffhookDebounce %v, want 40ms", fxs.OffhookDebounce)
	}
	_, err = reg.ApplyText(reg.Defaults(), "gw.ini", []byte("OffhookDebounceTiming = 600\n"))
	var ae *provisioning.ApplyError
	if !errors.As(err, &ae) || len(ae.Problems) != 1 || ae.Problems[0].Name != ParamOffhookDebounceTiming {
		t.Fatalf("600 ms: err = %v, want one problem with %s", err, ParamOffhookDebounceTiming)
	}
}

// EnableCurrentDisconnect with CurrentDisconnectDuration reaches the FXS
// machine as its disconnect pulse; without it there is none.
func TestCurrentDisconnectParameters(t *testing.T) {
	reg, err := NewRegistry()
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		ini  string
		want time.Duration
	}{
		{"", 0},
		{"CurrentDisconnectDuration = 400\n", 0},
		{"EnableCurrentDisconnect = 1\n", 900 * time.Millisecond},
		{"EnableCurrentDisconnect = 1\nCurrentDisconnectDuration = 250\n", 250 * time.Millisecond},
	} {
		res, err := reg.ApplyText(reg.Defaults(), "gw.ini", []byte(c.ini))
		if err != nil {
			t.Fatal(err)
		}
		fxs, err := FXSConfig(res.Config, 1)
		if err != nil {
			t.Fatal(err)
		}
		if fxs.CurrentDisconnect != c.want {
			t.Errorf("%q: CurrentDisconnect %v, want %v", c.ini, fxs.CurrentDisconnect, c.want)
		}
	}
	if _, err := reg.ApplyText(reg.Defaults(), "gw.ini", []byte("CurrentDisconnectDuration = 100\n")); err == nil {
		t.Fatal("100 ms taken; the range is 200-1500")
	}
}
