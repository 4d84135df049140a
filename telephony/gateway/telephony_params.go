package gateway

import (
	"fmt"
	"time"

	"github.com/potsgate/potsgate/provisioning"
	"github.com/potsgate/potsgate/telephony/digitmap"
	"github.com/potsgate/potsgate/telephony/line"
)

// Names of the analog line parameters (spec section 3).
const (
	ParamDigitMapping                  = "DigitMapping"
	ParamMaxDigits                     = "MaxDigits"
	ParamTimeBetweenDigits             = "TimeBetweenDigits"
	ParamTimeForDialTone               = "TimeForDialTone"
	ParamTimeForReorderTone            = "TimeForReorderTone"
	ParamMinFlashHookTime              = "MinFlashHookTime"
	ParamFlashHookPeriod               = "FlashHookPeriod"
	ParamOffhookDebounceTiming         = "OffhookDebounceTiming"
	ParamRingOnPeriod                  = "RingOnPeriod"
	ParamRingOffPeriod                 = "RingOffPeriod"
	ParamEnableReversalPolarity        = "EnableReversalPolarity"
	ParamEnableCallerID                = "EnableCallerID"
	ParamCallerIDType                  = "CallerIDType"
	ParamFXONumberOfRings              = "FXONumberOfRings"
	ParamIsTwoStageDial                = "IsTwoStageDial"
	ParamIsWaitForDialTone             = "IsWaitForDialTone"
	ParamWaitForDialTime               = "WaitForDialTime"
	ParamEnableCurrentDisconnect       = "EnableCurrentDisconnect"
	ParamCurrentDisconnectDuration     = "CurrentDisconnectDuration"
	ParamDisconnectOnBusyTone          = "DisconnectOnBusyTone"
	ParamEnableCallWaiting             = "EnableCallWaiting"
	ParamEnableSilenceDisconnect       = "EnableSilenceDisconnect"
	ParamFarEndDisconnectSilencePeriod = "FarEndDisconnectSilencePeriod"
	TableTargetOfChannel               = "TargetOfChannel"
)

// CallerIDType values.
const (
	CallerIDBellcore = 0
	CallerIDETSI     = 1
	CallerIDETSIDTMF = 16
)

// TelephonyParams are the analog line parameters.
func TelephonyParams() []provisioning.Param {
	checkMap := func(s string) error { _, err := digitmap.Parse(s); return err }
	return []provisioning.Param{
		{Name: ParamDigitMapping, Kind: provisioning.KindString, MaxLen: digitmap.MaxLength, Check: checkMap,
			Description: "digit map: rules separated by |, with x, [n-m], ., T and S"},
		{Name: ParamMaxDigits, Kind: provisioning.KindInt, Min: 1, Max: 49, Default: "30",
			Description: "digits after which dialling ends"},
		{Name: ParamTimeBetweenDigits, Kind: provisioning.KindInt, Min: 1, Max: 10, Default: "4",
			Description: "inter-digit timeout in seconds"},
		{Name: ParamTimeForDialTone, Kind: provisioning.KindInt, Min: 0, Max: 255, Default: "16",
			Description: "seconds of dial tone before the off-hook warning"},
		{Name: ParamTimeForReorderTone, Kind: provisioning.KindInt, Min: 0, Max: 255, Default: "30",
			Description: "seconds of busy or reorder tone before the off-hook warning"},
		{Name: ParamMinFlashHookTime, Kind: provisioning.KindInt, Min: 25, Max: 300, Default: "90",
			Description: "ms: a shorter on-hook is a dial pulse or a glitch"},
		{Name: ParamFlashHookPeriod, Kind: provisioning.KindInt, Min: 25, Max: 3000, Default: "700",
			Description: "ms: a longer on-hook is a hang-up"},
		// 0 by default: hardware drivers debounce the hook already.
		{Name: ParamOffhookDebounceTiming, Kind: provisioning.KindInt, Min: 0, Max: 500, Default: "0",
			Description: "FXS: ms a hook change must last to count; shorter ones are contact bounce (0 = none)"},
		{Name: ParamRingOnPeriod, Kind: provisioning.KindInt, Min: 100, Max: 10000, Default: "2000",
			Description: "ms of ringing in each ring cycle"},
		{Name: ParamRingOffPeriod, Kind: provisioning.KindInt, Min: 100, Max: 10000, Default: "4000",
			Description: "ms of silence in each ring cycle"},
		{Name: ParamEnableReversalPolarity, Kind: provisioning.KindBool, Default: "0",
			Description: "FXS: reverse polarity on answer and restore it on disconnect; FXO: polarity reversal means disconnect"},
		{Name: ParamEnableCallerID, Kind: provisioning.KindBool, Default: "0",
			Description: "send caller ID (FXS) or detect it (FXO)"},
		{Name: ParamCallerIDType, Kind: provisioning.KindEnum, Default: "0",
			Enum:        []provisioning.EnumValue{{Value: CallerIDBellcore, Name: "Bellcore"}, {Value: CallerIDETSI, Name: "ETSI FSK"}, {Value: CallerIDETSIDTMF, Name: "ETSI DTMF"}},
			Description: "caller ID standard"},
		{Name: ParamEnableCallWaiting, Kind: provisioning.KindBool, Default: "0",
			Description: "FXS: alert a caller in a call to a second call (tone, then type 2 caller ID)"},
		{Name: ParamEnable3WayConference, Kind: provisioning.KindBool, Default: "0",
			Description: "FXS: the number dialled after a hook flash is a consultation call; a flash in it makes a three-way conference mixed in the gateway"},
		{Name: ParamFXONumberOfRings, Kind: provisioning.KindInt, Min: 0, Max: 255, Default: "0",
			Description: "rings before an FXO port answers in two-stage dialling"},
		{Name: ParamIsTwoStageDial, Kind: provisioning.KindBool, Default: "1",
			Description: "FXO: answer the line and collect the number from the caller"},
		{Name: ParamIsWaitForDialTone, Kind: provisioning.KindBool, Default: "1",
			Description: "FXO: dial only after dial tone is detected"},
		{Name: ParamWaitForDialTime, Kind: provisioning.KindInt, Min: 0, Max: 20000, Default: "1000",
			Description: "FXO: ms between seizing and dialling when not waiting for dial tone"},
		{Name: ParamEnableCurrentDisconnect, Kind: provisioning.KindBool, Default: "0",
			Description: "FXO: loop current loss means disconnect; FXS: the far end's hang-up cuts the loop current for CurrentDisconnectDuration"},
		{Name: ParamCurrentDisconnectDuration, Kind: provisioning.KindInt, Min: 200, Max: 1500, Default: "900",
			Description: "FXS: ms the loop current is cut when the far end hangs up (EnableCurrentDisconnect = 1)"},
		{Name: ParamEnableSilenceDisconnect, Kind: provisioning.KindBool, Default: "0",
			Description: "FXO: end a call after FarEndDisconnectSilencePeriod without sound on the line"},
		{Name: ParamFarEndDisconnectSilencePeriod, Kind: provisioning.KindInt, Min: 10, Max: 28800, Default: "120",
			Description: "FXO: seconds of silence that end a call when EnableSilenceDisconnect = 1"},
		{Name: ParamDisconnectOnBusyTone, Kind: provisioning.KindBool, Default: "1",
			Description: "FXO: busy or reorder tone on the line means disconnect"},
	}
}

// TelephonyTables are the analog line tables.
func TelephonyTables() []provisioning.TableDef {
	return []provisioning.TableDef{{
		Name: TableTargetOfChannel, MaxRows: 24,
		Columns: []provisioning.Column{
			{Name: "Destination", Kind: provisioning.KindString, MaxLen: 50},
			{Name: "Type", Kind: provisioning.KindEnum, Default: "1",
				Enum: []provisioning.EnumValue{{Value: 0, Name: "disabled"}, {Value: 1, Name: "immediate"}, {Value: 2, Name: "after HotLineToneDuration"}}},
			{Name: "Port", Kind: provisioning.KindInt, Min: 1, Max: 24, Default: "1"},
			{Name: "HotLineToneDuration", Kind: provisioning.KindInt, Min: 0, Max: 60, Default: "16"},
		},
	}}
}

func seconds(c provisioning.Config, name string) time.Duration {
	return time.Duration(c.Int(name)) * time.Second
}

func millis(c provisioning.Config, name string) time.Duration {
	return time.Duration(c.Int(name)) * time.Millisecond
}

// FXSConfig builds the line configuration of FXS port (1-based) from a
// validated configuration.
func FXSConfig(c provisioning.Config, port int) (line.FXSConfig, error) {
	dm, err := digitmap.Parse(c.String(ParamDigitMapping))
	if err != nil {
		return line.FXSConfig{}, fmt.Errorf("%s: %w", ParamDigitMapping, err)
	}
	lc := line.FXSConfig{
		DigitMap:          dm,
		MaxDigits:         int(c.Int(ParamMaxDigits)),
		TimeBetweenDigits: seconds(c, ParamTimeBetweenDigits),
		TimeForDialTone:   seconds(c, ParamTimeForDialTone),
		TimeForReorder:    seconds(c, ParamTimeForReorderTone),
		MinFlashHookTime:  millis(c, ParamMinFlashHookTime),
		FlashHookPeriod:   millis(c, ParamFlashHookPeriod),
		OffhookDebounce:   millis(c, ParamOffhookDebounceTiming),
		RingOn:            millis(c, ParamRingOnPeriod),
		RingOff:           millis(c, ParamRingOffPeriod),
		CallerID:          c.Bool(ParamEnableCallerID),
		ReversePolarity:   c.Bool(ParamEnableReversalPolarity),
		CallWaiting:       c.Bool(ParamEnableCallWaiting),
		Transfer:          c.Bool(ParamEnableTransfer),
		Conference:        c.Bool(ParamEnable3WayConference),
	}
	if c.Bool(ParamEnableCurrentDisconnect) {
		lc.CurrentDisconnect = millis(c, ParamCurrentDisconnectDuration)
	}
	for _, r := range c.Table(TableTargetOfChannel) {
		if int(r.Int("Port")) != port || r.Int("Type") == 0 || r.String("Destination") == "" {
			continue
		}
		lc.Hotline = r.String("Destination")
		if r.Int("Type") == 2 {
			lc.HotlineDelay = time.Duration(r.Int("HotLineToneDuration")) * time.Second
		}
	}
	return lc, nil
}

// FXOConfig builds the line configuration of FXO port (1-based).
func FXOConfig(c provisioning.Config, port int) (line.FXOConfig, error) {
	dm, err := digitmap.Parse(c.String(ParamDigitMapping))
	if err != nil {
		return line.FXOConfig{}, fmt.Errorf("%s: %w", ParamDigitMapping, err)
	}
	lc := line.FXOConfig{
		NumberOfRings:   int(c.Int(ParamFXONumberOfRings)),
		TwoStageDial:    c.Bool(ParamIsTwoStageDial),
		WaitForDialTone: c.Bool(ParamIsWaitForDialTone),
		WaitForDialTime: millis(c, ParamWaitForDialTime),
		// The first reversal after dialling is the answer, the next the
		// disconnect.
		AnswerOnPolarity:        c.Bool(ParamEnableReversalPolarity),
		DisconnectOnPolarity:    c.Bool(ParamEnableReversalPolarity),
		DisconnectOnCurrentLoss: c.Bool(ParamEnableCurrentDisconnect),
		DisconnectOnBusyTone:    c.Bool(ParamDisconnectOnBusyTone),
		DigitMap:                dm,
		TimeBetweenDigits:       seconds(c, ParamTimeBetweenDigits),
		MaxDigits:               int(c.Int(ParamMaxDigits)),
	}
	if c.Bool(ParamEnableSilenceDisconnect) {
		lc.SilenceTimeout = seconds(c, ParamFarEndDisconnectSilencePeriod)
	}
	for _, r := range c.Table(TableTargetOfChannel) {
		if int(r.Int("Port")) == port && r.Int("Type") != 0 {
			lc.Target = r.String("Destination")
		}
	}
	return lc, nil
}
