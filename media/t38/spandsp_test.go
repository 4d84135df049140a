package t38_test

import (
	"encoding/hex"
	"fmt"
	"os/exec"
	"strings"
	"testing"

	"github.com/potsgate/potsgate/internal/faxpeer"
	"github.com/potsgate/potsgate/media/t38"
)

// spandspT38 runs the driver in mode (t38rx or t38tx) on the lines and
// returns its output lines.
func spandspT38(t *testing.T, tool, mode string, lines []string) []string {
	t.Helper()
	cmd := exec.Command(tool, mode)
	cmd.Stdin = strings.NewReader(strings.Join(lines, "\n") + "\n")
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("spandspfax %s: %v", mode, err)
	}
	return strings.Split(strings.TrimSpace(string(out)), "\n")
}

// corpus is every indicator, and every data type with every field type,
// with and without data, one field and several.
func corpus() []t38.IFP {
	var c []t38.IFP
	for i := t38.NoSignal; i <= t38.V33_14400Training; i++ {
		c = append(c, t38.IFP{Indicator: i})
	}
	for d := t38.V21; d <= t38.V33_14400; d++ {
		for f := t38.HDLCData; f <= t38.V34Rate; f++ {
			c = append(c,
				t38.IFP{IsData: true, DataType: d, Fields: []t38.Field{{Type: f, Data: []byte{0xff, 0x13, byte(f), byte(d)}}}},
				t38.IFP{IsData: true, DataType: d, Fields: []t38.Field{{Type: f}}})
		}
		c = append(c, t38.IFP{IsData: true, DataType: d, Fields: []t38.Field{
			{Type: t38.HDLCData, Data: []byte(strings.Repeat("\x7e", 200))}, {Type: t38.HDLCFCSOK}, {Type: t38.HDLCSigEnd}}})
	}
	return c
}

// TestSpandspT38Encode: what spandsp's t38_core sends for each packet of
// the corpus is, octet for octet, what we encode, and we decode it back.
func TestSpandspT38Encode(t *testing.T) {
	tool := faxpeer.Tool(t)
	c := corpus()
	var cmds []string
	for _, f := range c {
		if !f.IsData {
			cmds = append(cmds, fmt.Sprintf("ind %d", f.Indicator))
			continue
		}
		s := fmt.Sprintf("data %d", f.DataType)
		for _, fl := range f.Fields {
			d := "-"
			if len(fl.Data) > 0 {
				d = hex.EncodeToString(fl.Data)
			}
			s += fmt.Sprintf(" %d %s", fl.Type, d)
		}
		cmds = append(cmds, s)
	}
	out := spandspT38(t, tool, "t38tx", cmds)
	if len(out) != len(c) {
		t.Fatalf("%d packets from spandsp for %d commands", len(out), len(c))
	}
	checked := 0
	for i, f := range c {
		ours, err := f.Marshal()
		if err != nil {
			t.Fatal(err)
		}
		if out[i] == "-" {
			t.Logf("%v: spandsp sends nothing", f)
			continue
		}
		if hex.EncodeToString(ours) != out[i] {
			t.Errorf("%v: ours %x, spandsp %s", f, ours, out[i])
			continue
		}
		var back t38.IFP
		if err := back.Unmarshal(ours); err != nil || back.String() != f.String() {
			t.Errorf("%s: decoded %v, %v", out[i], back, err)
		}
		checked++
	}
	t.Logf("%d of %d packets identical to spandsp's", checked, len(c))
	if checked < len(c)*9/10 {
		t.Errorf("only %d of %d packets checked", checked, len(c))
	}
}

// TestSpandspT38Decode: spandsp's receiver takes every packet we encode
// and reports the same indicator, or data type, field types and data.
func TestSpandspT38Decode(t *testing.T) {
	tool := faxpeer.Tool(t)
	c := corpus()
	var lines []string
	for _, f := range c {
		b, err := f.Marshal()
		if err != nil {
			t.Fatal(err)
		}
		lines = append(lines, hex.EncodeToString(b))
	}
	out := spandspT38(t, tool, "t38rx", lines)
	// Group spandsp's report lines by packet ("end RC" closes one).
	var reports [][]string
	var cur []string
	for _, l := range out {
		if strings.HasPrefix(l, "end ") {
			if l != "end 0" {
				cur = append(cur, l)
			}
			reports = append(reports, cur)
			cur = nil
			continue
		}
		cur = append(cur, l)
	}
	if len(reports) != len(c) {
		t.Fatalf("%d reports for %d packets", len(reports), len(c))
	}
	for i, f := range c {
		var want []string
		if !f.IsData {
			// spandsp reports an indicator only when it changes.
			if i > 0 && !c[i-1].IsData && c[i-1].Indicator == f.Indicator {
				continue
			}
			want = []string{fmt.Sprintf("ind %d", f.Indicator)}
		} else {
			for _, fl := range f.Fields {
				d := "-"
				if len(fl.Data) > 0 {
					d = hex.EncodeToString(fl.Data)
				}
				want = append(want, fmt.Sprintf("data %d %d %s", f.DataType, fl.Type, d))
			}
		}
		got := reports[i]
		// spandsp may also report the change of indicator that data
		// implies; compare the data lines.
		var gotData []string
		for _, l := range got {
			if !f.IsData || strings.HasPrefix(l, "data ") {
				gotData = append(gotData, l)
			}
		}
		if strings.Join(gotData, "|") != strings.Join(want, "|") {
			t.Errorf("%v (%s): spandsp %q, want %q", f, lines[i], got, want)
		}
	}
}
