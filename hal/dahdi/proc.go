package dahdi

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
)

// ChannelInfo is one channel as /proc/dahdi lists it.
type ChannelInfo struct {
	Channel    int
	Name       string // "WCTDM/0/0"
	Signalling string // "FXOKS", "FXSKS", "Unconfigured", ...
	// Kind is the port the signalling makes: FXS for FXO signalling, FXO
	// for FXS signalling, AnyKind for a channel that is not an analog
	// port (unconfigured, digital).
	Kind  Kind
	InUse bool
}

// maxProcLine bounds a line of a /proc/dahdi file.
const maxProcLine = 4096

// ParseProc reads one /proc/dahdi/SPAN file: the span line, then a line
// per channel ("\t   1 WCTDM/0/0 FXOKS (In use) ").
func ParseProc(r io.Reader) ([]ChannelInfo, error) {
	var out []ChannelInfo
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 256), maxProcLine)
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		if !strings.HasPrefix(line, "\t") {
			continue // the span line, counters' blank lines
		}
		f := strings.Fields(line)
		if len(f) < 2 {
			continue
		}
		ch, err := strconv.Atoi(f[0])
		if err != nil {
			continue // "\tIRQ misses: 0" and the like
		}
		if ch < 1 || ch > 1024 { // DAHDI_MAX_CHANNELS
			return nil, fmt.Errorf("dahdi: /proc line %d: channel %d out of range", n, ch)
		}
		ci := ChannelInfo{Channel: ch, Name: f[1], Signalling: "Unconfigured"}
		if len(f) > 2 && !strings.HasPrefix(f[2], "(") {
			ci.Signalling = f[2]
		}
		switch ci.Signalling {
		case "FXOKS", "FXOLS", "FXOGS":
			ci.Kind = FXS
		case "FXSKS", "FXSLS", "FXSGS":
			ci.Kind = FXO
		}
		ci.InUse = strings.Contains(line, "(In use)")
		out = append(out, ci)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("dahdi: /proc: %w", err)
	}
	return out, nil
}

// ProcChannels lists the channels of every span in dir (/proc/dahdi when
// empty), by channel number.
func ProcChannels(dir string) ([]ChannelInfo, error) {
	if dir == "" {
		dir = "/proc/dahdi"
	}
	ents, err := os.ReadDir(dir)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("dahdi: %s does not exist: is the DAHDI driver loaded? %w", dir, err)
		}
		return nil, fmt.Errorf("dahdi: %w", err)
	}
	var all []ChannelInfo
	for _, e := range ents {
		if _, err := strconv.Atoi(e.Name()); err != nil {
			continue
		}
		f, err := os.Open(filepath.Join(dir, e.Name()))
		if err != nil {
			return nil, fmt.Errorf("dahdi: %w", err)
		}
		chans, err := ParseProc(f)
		f.Close()
		if err != nil {
			return nil, fmt.Errorf("dahdi: span %s: %w", e.Name(), err)
		}
		all = append(all, chans...)
	}
	slices.SortFunc(all, func(a, b ChannelInfo) int { return a.Channel - b.Channel })
	return all, nil
}

// AnalogChannels is the FXS and FXO channels of chans, in order.
func AnalogChannels(chans []ChannelInfo) []ChannelInfo {
	var out []ChannelInfo
	for _, c := range chans {
		if c.Kind != AnyKind {
			out = append(out, c)
		}
	}
	return out
}
