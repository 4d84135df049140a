package tone

import (
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"
)

// ErrUnknownCountry is returned by [Country] for a country without presets.
var ErrUnknownCountry = errors.New("tone: no presets for country")

// Set is the call progress tones of one country.
type Set struct {
	Country string // ISO 3166 alpha-2 code, upper case
	Tones   []Definition
}

// Tone returns the first definition of type t, the one a gateway
// generates.
func (s Set) Tone(t Type) (Definition, bool) {
	for _, d := range s.Tones {
		if d.Type == t {
			return d, true
		}
	}
	return Definition{}, false
}

const ms = time.Millisecond

func cont(t Type, f1, f2, l1, l2 float64) Definition {
	return Definition{Type: t, Form: Continuous, Low: f1, High: f2, LowLevel: l1, HighLevel: l2}
}

// cad builds a repeating cadence from on/off pairs in milliseconds.
func cad(t Type, f1, f2, l1, l2 float64, onOff ...int) Definition {
	d := Definition{Type: t, Form: Cadence, Low: f1, High: f2, LowLevel: l1, HighLevel: l2}
	for i := 0; i+1 < len(onOff) && i/2 < MaxCadence; i += 2 {
		d.Cadence[i/2] = Step{On: time.Duration(onOff[i]) * ms, Off: time.Duration(onOff[i+1]) * ms}
	}
	return d
}

func burst(t Type, f1, f2, l1, l2 float64, onOff ...int) Definition {
	d := cad(t, f1, f2, l1, l2, onOff...)
	d.Form = Burst
	return d
}

// presets returns fresh definitions for a country code, nil if unknown.
// Sources: ITU-T E.180 Supplement 2 (Various tones used in national
// networks), the North American Precise Tone Plan, BT SIN 350, ETSI
// TR 101 041-2.
func presets(code string) []Definition {
	switch code {
	case "US":
		return []Definition{
			cont(Dial, 350, 440, -13, -13),
			cad(Ringback, 440, 480, -19, -19, 2000, 4000),
			cad(Busy, 480, 620, -24, -24, 500, 500),
			cad(Congestion, 480, 620, -24, -24, 250, 250),
			cad(Reorder, 480, 620, -24, -24, 250, 250),
			burst(Confirmation, 350, 440, -13, -13, 100, 100, 100, 100, 100, 100),
			burst(CallWaiting, 440, 0, -13, 0, 300, 9700),
			cad(StutterDial, 350, 440, -13, -13, 100, 100),
			// The real howler adds 2060, 2450 and 2600 Hz, above the
			// 1980 Hz limit of a definition; 1400 Hz alone keeps its
			// cadence and character.
			cad(OffHookWarning, 1400, 0, -3, 0, 100, 100),
			cad(Warning, 1400, 0, -13, 0, 500, 15000),
			cad(Hold, 440, 0, -19, 0, 300, 9700),
		}
	case "GB":
		return []Definition{
			cont(Dial, 350, 440, -13, -13),
			cad(Ringback, 400, 450, -19, -19, 400, 200, 400, 2000),
			cad(Busy, 400, 0, -20, 0, 375, 375),
			cad(Congestion, 400, 0, -20, 0, 400, 350, 225, 525),
			cont(Reorder, 400, 0, -20, 0), // number unobtainable
			burst(Confirmation, 1400, 0, -13, 0, 100, 100, 100, 100, 100, 100),
			cad(CallWaiting, 400, 0, -20, 0, 100, 3000),
			cad(StutterDial, 350, 440, -13, -13, 750, 750),
			cad(OffHookWarning, 1400, 0, -3, 0, 100, 100),
			cad(Warning, 1400, 0, -13, 0, 400, 15000),
			cad(Hold, 400, 0, -20, 0, 100, 2000),
		}
	case "DE":
		return []Definition{
			cont(Dial, 425, 0, -10, 0),
			cad(Ringback, 425, 0, -10, 0, 1000, 4000),
			cad(Busy, 425, 0, -10, 0, 480, 480),
			cad(Congestion, 425, 0, -10, 0, 240, 240),
			cad(Reorder, 425, 0, -10, 0, 240, 240),
			burst(Confirmation, 425, 0, -10, 0, 100, 100, 100, 100, 100, 100),
			cad(CallWaiting, 425, 0, -10, 0, 200, 200, 200, 5000),
			cont(StutterDial, 400, 425, -10, -10), // Sonderwählton
			cad(OffHookWarning, 1400, 0, -3, 0, 100, 100),
			cad(Warning, 425, 0, -10, 0, 240, 240, 240, 1280),
			cad(Hold, 425, 0, -10, 0, 150, 150, 150, 8000),
		}
	case "FR":
		return []Definition{
			cont(Dial, 440, 0, -10, 0),
			cad(Ringback, 440, 0, -10, 0, 1500, 3500),
			cad(Busy, 440, 0, -10, 0, 500, 500),
			cad(Congestion, 440, 0, -10, 0, 250, 250),
			cad(Reorder, 440, 0, -10, 0, 250, 250),
			burst(Confirmation, 440, 0, -10, 0, 100, 100, 100, 100, 100, 100),
			cad(CallWaiting, 440, 0, -10, 0, 300, 10000),
			cad(StutterDial, 440, 0, -10, 0, 100, 100),
			cad(OffHookWarning, 1400, 0, -3, 0, 100, 100),
			cad(Warning, 440, 0, -10, 0, 250, 250, 250, 1250),
			cad(Hold, 440, 0, -10, 0, 300, 10000),
		}
	case "IL":
		return []Definition{
			cont(Dial, 400, 0, -10, 0),
			cad(Ringback, 400, 0, -10, 0, 1000, 3000),
			cad(Busy, 400, 0, -10, 0, 500, 500),
			cad(Congestion, 400, 0, -10, 0, 250, 250),
			cad(Reorder, 400, 0, -10, 0, 250, 250),
			burst(Confirmation, 400, 0, -10, 0, 100, 100, 100, 100, 100, 100),
			cad(CallWaiting, 400, 0, -10, 0, 300, 9700),
			cad(StutterDial, 400, 0, -10, 0, 100, 100),
			cad(OffHookWarning, 1400, 0, -3, 0, 100, 100),
			cad(Warning, 1400, 0, -13, 0, 500, 15000),
			cad(Hold, 400, 0, -10, 0, 300, 9700),
		}
	}
	return nil
}

// Country returns the tone set of a country by ISO 3166 alpha-2 code,
// case-insensitive; "UK" is accepted for GB.
func Country(code string) (Set, error) {
	c := strings.ToUpper(strings.TrimSpace(code))
	if c == "UK" {
		c = "GB"
	}
	defs := presets(c)
	if defs == nil {
		return Set{}, fmt.Errorf("%w %q (have %s)", ErrUnknownCountry, code, strings.Join(Countries(), ", "))
	}
	return Set{Country: c, Tones: defs}, nil
}

// Countries lists the codes with presets, sorted.
func Countries() []string {
	c := []string{"US", "GB", "DE", "FR", "IL"}
	sort.Strings(c)
	return c
}
