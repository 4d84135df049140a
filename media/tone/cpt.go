package tone

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"time"
)

// ErrCPT is wrapped by every error about a malformed call progress tones
// file.
var ErrCPT = errors.New("tone: malformed call progress tones file")

// SyntaxError is an error at a line of a call progress tones file.
type SyntaxError struct {
	Line int    // 1-based; the line of the section for a whole-tone error
	Msg  string // what is wrong
	Err  error  // an underlying error such as ErrDefinition, or nil
}

func (e *SyntaxError) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("tone: cpt line %d: %s: %v", e.Line, e.Msg, e.Err)
	}
	return fmt.Sprintf("tone: cpt line %d: %s", e.Line, e.Msg)
}

// Unwrap returns ErrCPT and the underlying error.
func (e *SyntaxError) Unwrap() []error {
	if e.Err != nil {
		return []error{ErrCPT, e.Err}
	}
	return []error{ErrCPT}
}

// cptUnit is the time unit of the file.
const cptUnit = 10 * time.Millisecond

// maxCPTTime bounds times in the file, in 10 ms units (one hour).
const maxCPTTime = 360000

var ordinals = [MaxCadence]string{"first", "second", "third", "fourth"}

// normKey lower-cases a key and collapses its spaces.
func normKey(k string) string {
	return strings.Join(strings.Fields(strings.ToLower(k)), " ")
}

type cptTone struct {
	def      Definition
	line     int
	index    int
	seen     map[string]bool
	hasForm  bool
	modType  int
	amFactor int
}

// ParseCPT reads the text source of a call progress tones file: a
// [NUMBER OF CALL PROGRESS TONES] section with the key "Number of Call
// Progress Tones", then that many [CALL PROGRESS TONE #n] sections. Keys
// are matched without regard to case and spacing; levels are in -dBm
// (positive numbers, the sign restored in the result), times in 10 ms
// units. Other sections (such as distinctive ringing) and unknown keys are
// skipped; lines starting with ';' are comments. A tone without "Tone
// Form" is continuous if it has no off time, else a cadence. Definitions
// are returned in file order; the first of each type is the one to
// generate.
func ParseCPT(r io.Reader) ([]Definition, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 4096), 1<<20)
	var (
		tones     []*cptTone
		cur       *cptTone
		section   string // "count", "tone", "other", ""
		count     = -1
		countLine int
		line      int
		indices   = map[int]bool{}
	)
	fail := func(format string, a ...any) error {
		return &SyntaxError{Line: line, Msg: fmt.Sprintf(format, a...)}
	}
	for sc.Scan() {
		line++
		text := strings.TrimSpace(sc.Text())
		if line == 1 {
			text = strings.TrimPrefix(text, "\ufeff")
		}
		if text == "" || text[0] == ';' {
			continue
		}
		if text[0] == '[' {
			end := strings.IndexByte(text, ']')
			if end < 0 {
				return nil, fail("section header without ]")
			}
			name := normKey(text[1:end])
			cur = nil
			switch {
			case name == "number of call progress tones":
				if section != "" && count >= 0 {
					return nil, fail("second [NUMBER OF CALL PROGRESS TONES] section")
				}
				section = "count"
			case strings.HasPrefix(name, "call progress tone #"):
				n, err := strconv.Atoi(strings.TrimSpace(strings.TrimPrefix(name, "call progress tone #")))
				if err != nil || n < 0 {
					return nil, fail("bad tone number in %q", text[:end+1])
				}
				if indices[n] {
					return nil, fail("tone #%d defined twice", n)
				}
				indices[n] = true
				cur = &cptTone{line: line, index: n, seen: map[string]bool{}}
				tones = append(tones, cur)
				section = "tone"
			default:
				section = "other"
			}
			continue
		}
		key, value, ok := strings.Cut(text, "=")
		if !ok {
			return nil, fail("expected key=value or [section], got %q", text)
		}
		key, value = normKey(key), strings.TrimSpace(value)
		switch section {
		case "":
			return nil, fail("key %q before any section", key)
		case "other":
			continue
		case "count":
			if key != "number of call progress tones" {
				continue
			}
			if count >= 0 {
				return nil, fail("number of tones given twice")
			}
			n, err := strconv.Atoi(value)
			if err != nil || n < 0 || n > 1024 {
				return nil, fail("bad number of tones %q", value)
			}
			count, countLine = n, line
			continue
		}
		if cur.seen[key] {
			return nil, fail("key %q given twice in tone #%d", key, cur.index)
		}
		cur.seen[key] = true
		v, err := strconv.Atoi(value)
		if err != nil {
			if !knownKey(key) {
				continue
			}
			return nil, fail("%s: %q is not a whole number", key, value)
		}
		if err := cur.set(key, v); err != nil {
			return nil, fail("%s=%d: %v", key, v, err)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, &SyntaxError{Line: line + 1, Msg: "read", Err: err}
	}
	if count < 0 {
		return nil, &SyntaxError{Line: line, Msg: "no [NUMBER OF CALL PROGRESS TONES] section"}
	}
	if count != len(tones) {
		return nil, &SyntaxError{Line: countLine, Msg: fmt.Sprintf("file says %d tones, defines %d", count, len(tones))}
	}
	defs := make([]Definition, 0, len(tones))
	for _, t := range tones {
		if err := t.finish(); err != nil {
			return nil, &SyntaxError{Line: t.line, Msg: fmt.Sprintf("tone #%d", t.index), Err: err}
		}
		defs = append(defs, t.def)
	}
	return defs, nil
}

func knownKey(key string) bool {
	switch key {
	case "tone type", "tone modulation type", "tone form", "low freq [hz]", "high freq [hz]",
		"low freq level [-dbm]", "high freq level [-dbm]", "carrier freq [hz]",
		"modulation freq [hz]", "signal level [-dbm]", "am factor [steps of 0.02]":
		return true
	}
	_, _, ok := cadenceKey(key)
	return ok
}

// cadenceKey parses "first signal on time [10msec]" and the like.
func cadenceKey(key string) (pair int, on bool, ok bool) {
	for i, o := range ordinals {
		switch key {
		case o + " signal on time [10msec]":
			return i, true, true
		case o + " signal off time [10msec]":
			return i, false, true
		}
	}
	return 0, false, false
}

func (t *cptTone) set(key string, v int) error {
	d := &t.def
	switch key {
	case "tone type":
		if v < 1 || v > 99 {
			return errors.New("tone type out of range 1-99")
		}
		d.Type = Type(v)
	case "tone modulation type":
		if v != 0 && v != 1 {
			return errors.New("want 0 (regular) or 1 (amplitude modulated)")
		}
		t.modType = v
	case "tone form":
		if v < 1 || v > 3 {
			return errors.New("want 1 (continuous), 2 (cadence) or 3 (burst)")
		}
		d.Form, t.hasForm = Form(v), true
	case "low freq [hz]":
		d.Low = float64(v)
	case "high freq [hz]":
		d.High = float64(v)
	case "low freq level [-dbm]":
		d.LowLevel = -float64(v)
	case "high freq level [-dbm]":
		d.HighLevel = -float64(v)
	case "carrier freq [hz]":
		d.AM.Carrier = float64(v)
	case "modulation freq [hz]":
		d.AM.Rate = float64(v)
	case "signal level [-dbm]":
		d.AM.Level = -float64(v)
	case "am factor [steps of 0.02]":
		if v < 0 || v > 50 {
			return errors.New("want 0-50")
		}
		t.amFactor = v
		d.AM.Depth = float64(v) / 50
	default:
		pair, on, ok := cadenceKey(key)
		if !ok {
			return nil // unknown keys are skipped
		}
		if v < 0 || v > maxCPTTime {
			return fmt.Errorf("time out of range 0-%d", maxCPTTime)
		}
		if on {
			d.Cadence[pair].On = time.Duration(v) * cptUnit
		} else {
			d.Cadence[pair].Off = time.Duration(v) * cptUnit
		}
	}
	return nil
}

func (t *cptTone) finish() error {
	d := &t.def
	if !t.seen["tone type"] {
		return errors.New(`no "Tone Type"`)
	}
	d.Modulated = t.modType == 1
	if !t.hasForm {
		d.Form = Continuous
		for _, s := range d.Cadence {
			if s.Off != 0 {
				d.Form = Cadence
			}
		}
	}
	return d.Validate()
}

// WriteCPT writes definitions as the text source of a call progress tones
// file, numbering the tones from #0. Frequencies, levels and AM factors are
// rounded to whole numbers and times to 10 ms, as the format requires.
func WriteCPT(w io.Writer, defs []Definition) error {
	bw := bufio.NewWriter(w)
	fmt.Fprintf(bw, "[NUMBER OF CALL PROGRESS TONES]\nNumber of Call Progress Tones=%d\n", len(defs))
	round := func(f float64) int64 { return int64(math.Round(f)) }
	for i, d := range defs {
		mod := 0
		if d.Modulated {
			mod = 1
		}
		fmt.Fprintf(bw, "\n[CALL PROGRESS TONE #%d]\n", i)
		fmt.Fprintf(bw, "Tone Type=%d\nTone Modulation Type=%d\nTone Form=%d\n", int(d.Type), mod, int(d.Form))
		fmt.Fprintf(bw, "Low Freq [Hz]=%d\nHigh Freq [Hz]=%d\n", round(d.Low), round(d.High))
		fmt.Fprintf(bw, "Low Freq Level [-dBm]=%d\nHigh Freq Level [-dBm]=%d\n", round(-d.LowLevel), round(-d.HighLevel))
		for p, s := range d.Cadence {
			name := strings.ToUpper(ordinals[p][:1]) + ordinals[p][1:]
			fmt.Fprintf(bw, "%s Signal On Time [10msec]=%d\n", name, (s.On+cptUnit/2)/cptUnit)
			fmt.Fprintf(bw, "%s Signal Off Time [10msec]=%d\n", name, (s.Off+cptUnit/2)/cptUnit)
		}
		fmt.Fprintf(bw, "Carrier Freq [Hz]=%d\nModulation Freq [Hz]=%d\nSignal Level [-dBm]=%d\nAM Factor [steps of 0.02]=%d\n",
			round(d.AM.Carrier), round(d.AM.Rate), round(-d.AM.Level), round(d.AM.Depth*50))
	}
	return bw.Flush()
}
