package gateway

import (
	"errors"
	"strings"
	"testing"

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
