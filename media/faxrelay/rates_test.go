package faxrelay_test

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"github.com/potsgate/potsgate/media/faxrelay"
	"github.com/potsgate/potsgate/media/t38"
)

// grab keeps the non-ECM data a gateway sends, and its indicators.
type grab struct {
	data []byte
	inds []t38.Indicator
	dt   []t38.DataType
}

func (g *grab) SendIFP(p *t38.IFP) {
	if !p.IsData {
		g.inds = append(g.inds, p.Indicator)
		return
	}
	for _, f := range p.Fields {
		if f.Type == t38.T4NonECMData || f.Type == t38.T4NonECMSigEnd {
			g.data = append(g.data, f.Data...)
			g.dt = append(g.dt, p.DataType)
		}
	}
}

func bitString(b []byte) string {
	var s strings.Builder
	for _, c := range b {
		fmt.Fprintf(&s, "%08b", c)
	}
	return s.String()
}

// TestEveryRate: gateway B modulates a scripted T.38 sender at each rate
// of each modem (after the DCS that announces it), gateway A demodulates
// B's audio: A announces the same training and relays the data bit for
// bit.
func TestEveryRate(t *testing.T) {
	for _, c := range []struct {
		code  byte // DCS bits 11-14
		train t38.Indicator
		dt    t38.DataType
		rate  int
	}{
		{0, t38.V27ter2400Training, t38.V27ter2400, 2400},
		{2, t38.V27ter4800Training, t38.V27ter4800, 4800},
		{3, t38.V29_7200Training, t38.V29_7200, 7200},
		{1, t38.V29_9600Training, t38.V29_9600, 9600},
		{11, t38.V17_7200LongTraining, t38.V17_7200, 7200},
		{9, t38.V17_9600LongTraining, t38.V17_9600, 9600},
		{10, t38.V17_12000LongTraining, t38.V17_12000, 12000},
		{8, t38.V17_14400LongTraining, t38.V17_14400, 14400},
	} {
		t.Run(c.dt.String(), func(t *testing.T) {
			ga, cb := &grab{}, &count{}
			a, _ := faxrelay.New(faxrelay.Config{}, ga)
			b, _ := faxrelay.New(faxrelay.Config{}, cb)
			dcs := []byte{0xFF, 0x13, 0x83, 0x00, 0x82 | c.code<<2, 0x1E, 0x00}
			per := c.rate / 8 / 50 // octets per 20 ms
			var sent []byte
			steps := make([][]*t38.IFP, 450)
			steps[0] = []*t38.IFP{{Indicator: t38.V21Preamble}}
			steps[50] = []*t38.IFP{{IsData: true, DataType: t38.V21, Fields: []t38.Field{{Type: t38.HDLCData, Data: revAll(dcs)}, {Type: t38.HDLCFCSOKSigEnd}}}}
			steps[60] = []*t38.IFP{{Indicator: c.train}}
			for s := 140; s < 340; s++ {
				d := make([]byte, per)
				for i := range d {
					// No run of 11 zeros, which only an EOL has: the
					// gateway may put T.4 fill there.
					d[i] = byte(s*31+i*7) | 0x11
				}
				sent = append(sent, d...)
				steps[s] = []*t38.IFP{{IsData: true, DataType: c.dt, Fields: []t38.Field{{Type: t38.T4NonECMData, Data: d}}}}
			}
			steps[340] = []*t38.IFP{{IsData: true, DataType: c.dt, Fields: []t38.Field{{Type: t38.T4NonECMSigEnd}}}, {Indicator: t38.NoSignal}}
			x, y := make([]int16, 80), make([]int16, 80)
			for _, ps := range steps {
				for _, p := range ps {
					b.ReceiveIFP(p)
				}
				for range 2 {
					b.Audio(y, x)
					a.Audio(x, y)
					clear(y)
				}
			}
			if s := a.Stats(); s.Rate != c.rate {
				t.Fatalf("A saw %+v", s)
			}
			if !bytes.Contains([]byte(fmt.Sprint(ga.inds)), []byte(c.train.String())) {
				t.Fatalf("A announced %v, want %v", ga.inds, c.train)
			}
			for _, d := range ga.dt {
				if d != c.dt {
					t.Fatalf("A sent data as %v, want %v", d, c.dt)
				}
			}
			if !strings.Contains(bitString(ga.data), bitString(sent)) {
				t.Fatalf("the %d octets sent are not in the %d A relayed", len(sent), len(ga.data))
			}
		})
	}
}
