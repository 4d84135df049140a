package gateway

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/potsgate/potsgate/hal/dahdi"
	"github.com/potsgate/potsgate/provisioning"
)

// DAHDI: the ports on a Linux telephony card (hal/dahdi). The ports the
// TrunkGroup table numbers are given DAHDI channels in order, from
// DAHDIChannelMap or, when it is empty, from every analog channel
// /proc/dahdi lists.
const (
	// ParamDAHDIChannelMap is the DAHDI channel of each port, in port
	// order: '1-2:fxs,3-4:fxo' gives ports 1 and 2 channels 1 and 2 (FXS),
	// ports 3 and 4 channels 3 and 4 (FXO). A kind, when given, must
	// match the channel's signalling; without one the signalling decides.
	// Items are separated by commas (the value is then quoted in the ini
	// file) or spaces.
	ParamDAHDIChannelMap = "DAHDIChannelMap"
	// ParamDAHDIDriverEchoTail turns the DAHDI driver's echo canceller on
	// with that tail (ms); 0 leaves it off, echo being the gateway's own
	// canceller's (IsEchoCancellerEnabled).
	ParamDAHDIDriverEchoTail = "DAHDIDriverEchoTail"
)

// DAHDIParams are the DAHDI parameters.
func DAHDIParams() []provisioning.Param {
	return []provisioning.Param{
		{Name: ParamDAHDIChannelMap, Kind: provisioning.KindString, MaxLen: 1024, RestartRequired: true,
			Check:       func(s string) error { _, err := ParseDAHDIChannelMap(s); return err },
			Description: "with -hal dahdi: the DAHDI channel of each port in port order, e.g. '1-2:fxs,3-4:fxo' (empty: every FXS/FXO channel of /proc/dahdi)"},
		{Name: ParamDAHDIDriverEchoTail, Kind: provisioning.KindInt, Min: 0, Max: 256, Default: "0", RestartRequired: true,
			Description: "with -hal dahdi: the driver's echo canceller tail in ms, 0 = off (needs an echocanceller= line in system.conf; turn IsEchoCancellerEnabled off with it)"},
	}
}

// DAHDIChannel is the DAHDI channel of one port.
type DAHDIChannel struct {
	Channel int
	Kind    dahdi.Kind // AnyKind: as the channel's signalling says
}

// ParseDAHDIChannelMap parses a DAHDIChannelMap value: items separated by
// commas or spaces, each a channel or a range of channels ("3", "1-4"),
// with an optional kind (":fxs" or ":fxo").
func ParseDAHDIChannelMap(s string) ([]DAHDIChannel, error) {
	var out []DAHDIChannel
	seen := map[int]bool{}
	for _, item := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || unicode.IsSpace(r) }) {
		chans, kindText, _ := strings.Cut(item, ":")
		kind := dahdi.AnyKind
		switch strings.ToLower(strings.TrimSpace(kindText)) {
		case "":
		case "fxs":
			kind = dahdi.FXS
		case "fxo":
			kind = dahdi.FXO
		default:
			return nil, fmt.Errorf("%q: the kind is fxs or fxo, not %q", item, kindText)
		}
		lo, hi, isRange := strings.Cut(chans, "-")
		first, err := channelNumber(lo)
		if err != nil {
			return nil, fmt.Errorf("%q: %w", item, err)
		}
		last := first
		if isRange {
			if last, err = channelNumber(hi); err != nil {
				return nil, fmt.Errorf("%q: %w", item, err)
			}
			if last < first {
				return nil, fmt.Errorf("%q: the range ends before it starts", item)
			}
		}
		for ch := first; ch <= last; ch++ {
			if seen[ch] {
				return nil, fmt.Errorf("channel %d is mapped twice", ch)
			}
			seen[ch] = true
			out = append(out, DAHDIChannel{Channel: ch, Kind: kind})
		}
	}
	return out, nil
}

func channelNumber(s string) (int, error) {
	n, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil || n < 1 || n > 1024 {
		return 0, fmt.Errorf("%q is not a DAHDI channel number (1-1024)", strings.TrimSpace(s))
	}
	return n, nil
}

// DAHDIChannels is the channel of each of nports ports: DAHDIChannelMap,
// or the first nports analog channels of /proc/dahdi (procDir; default
// /proc/dahdi) when the map is empty.
func DAHDIChannels(c provisioning.Config, nports int, procDir string) ([]DAHDIChannel, error) {
	m, err := ParseDAHDIChannelMap(c.String(ParamDAHDIChannelMap))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", ParamDAHDIChannelMap, err)
	}
	if len(m) == 0 {
		chans, err := dahdi.ProcChannels(procDir)
		if err != nil {
			return nil, err
		}
		for _, ch := range dahdi.AnalogChannels(chans) {
			m = append(m, DAHDIChannel{Channel: ch.Channel, Kind: ch.Kind})
		}
		if len(m) < nports {
			return nil, fmt.Errorf("dahdi: %d ports in the TrunkGroup table, %d FXS/FXO channels configured in DAHDI (run dahdi_genconf and dahdi_cfg, or set %s)", nports, len(m), ParamDAHDIChannelMap)
		}
		return m[:nports], nil
	}
	if len(m) != nports {
		return nil, fmt.Errorf("%s maps %d channels for the %d ports of the TrunkGroup table", ParamDAHDIChannelMap, len(m), nports)
	}
	return m, nil
}

// DAHDIPorts opens a DAHDI channel for each port of numbers (as
// PortNumbers gives them), FXS or FXO as the channel's signalling says,
// with the driver's echo canceller as DAHDIDriverEchoTail says and its
// receive flash time (the longest hook flash) as FlashHookPeriod says,
// unless opts sets them.
// close closes them all (after the gateway built on them is closed). An
// error names the port and the channel; nothing stays open then.
func DAHDIPorts(c provisioning.Config, numbers []string, opts dahdi.Options, procDir string) (ports []Port, close func(), err error) {
	chans, err := DAHDIChannels(c, len(numbers), procDir)
	if err != nil {
		return nil, nil, err
	}
	if opts.RxFlash == 0 {
		// DAHDI reports a hang-up once the on-hook outlasts the longest
		// hook flash.
		opts.RxFlash = time.Duration(c.Int(ParamFlashHookPeriod)) * time.Millisecond
	}
	if opts.DriverEcho == 0 {
		opts.DriverEcho = time.Duration(c.Int(ParamDAHDIDriverEchoTail)) * time.Millisecond
	}
	var opened []*dahdi.Port
	close = func() {
		for _, p := range opened {
			_ = p.Close()
		}
	}
	for i, ch := range chans {
		p, err := dahdi.Open(ch.Channel, ch.Kind, opts)
		if err != nil {
			close()
			return nil, nil, fmt.Errorf("port %d: %w", i+1, err)
		}
		opened = append(opened, p)
		switch p.Kind() {
		case dahdi.FXS:
			ports = append(ports, Port{Number: numbers[i], FXS: p})
		case dahdi.FXO:
			ports = append(ports, Port{Number: numbers[i], FXO: p})
		default:
			close()
			return nil, nil, errors.New("dahdi: channel of no kind")
		}
	}
	return ports, close, nil
}
