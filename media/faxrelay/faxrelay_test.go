package faxrelay_test

import (
	"errors"
	"testing"

	"github.com/potsgate/potsgate/media/faxrelay"
	"github.com/potsgate/potsgate/media/modem/hdlc"
	"github.com/potsgate/potsgate/media/t38"
)

// count is a Sender that only counts (it must not allocate).
type count struct {
	n     int
	kinds [2]int // indicators, data
}

func (c *count) SendIFP(p *t38.IFP) {
	c.n++
	if p.IsData {
		c.kinds[1]++
	} else {
		c.kinds[0]++
	}
}

func TestNewConfig(t *testing.T) {
	if _, err := faxrelay.New(faxrelay.Config{MaxRate: 5000}, &count{}); !errors.Is(err, faxrelay.ErrConfig) {
		t.Fatalf("MaxRate 5000: %v", err)
	}
	if _, err := faxrelay.New(faxrelay.Config{}, nil); !errors.Is(err, faxrelay.ErrConfig) {
		t.Fatalf("no sender: %v", err)
	}
	for _, r := range []int{0, 2400, 4800, 7200, 9600, 12000, 14400} {
		if _, err := faxrelay.New(faxrelay.Config{MaxRate: r}, &count{}); err != nil {
			t.Fatalf("MaxRate %d: %v", r, err)
		}
	}
}

// rev reverses an octet's bits, as T.38 carries HDLC octets.
func rev(b byte) byte {
	var r byte
	for i := range 8 {
		if b&(1<<i) != 0 {
			r |= 0x80 >> i
		}
	}
	return r
}

func revAll(b []byte) []byte {
	out := make([]byte, len(b))
	for i, c := range b {
		out[i] = rev(c)
	}
	return out
}

// dcs14400 is a DCS for V.17 14400 without ECM, as the HDLC receiver
// assembles it.
var dcs14400 = []byte{0xFF, 0x13, 0x83, 0x00, 0xA2, 0x1E, 0x00}

// script is a sender's T.38 side: V.21 DCS, then V.17 14400 training and
// non-ECM data every 20 ms, sig-end.
func script() [][]*t38.IFP {
	steps := make([][]*t38.IFP, 400)
	steps[0] = []*t38.IFP{{Indicator: t38.V21Preamble}}
	steps[50] = []*t38.IFP{{IsData: true, DataType: t38.V21, Fields: []t38.Field{{Type: t38.HDLCData, Data: revAll(dcs14400)}, {Type: t38.HDLCFCSOK}}}}
	steps[52] = []*t38.IFP{{IsData: true, DataType: t38.V21, Fields: []t38.Field{{Type: t38.HDLCSigEnd}}}, {Indicator: t38.NoSignal}}
	steps[60] = []*t38.IFP{{Indicator: t38.V17_14400LongTraining}}
	data := make([]byte, 36) // 20 ms at 14400 bit/s
	for i := range data {
		data[i] = byte(i * 37)
	}
	for s := 130; s < 380; s++ {
		steps[s] = []*t38.IFP{{IsData: true, DataType: t38.V17_14400, Fields: []t38.Field{{Type: t38.T4NonECMData, Data: data}}}}
	}
	steps[380] = []*t38.IFP{{IsData: true, DataType: t38.V17_14400, Fields: []t38.Field{{Type: t38.T4NonECMSigEnd}}}, {Indicator: t38.NoSignal}}
	return steps
}

// TestRelayAndAllocs: gateway B plays a scripted T.38 sender; gateway A
// hears B's audio and must relay the same signals back to T.38, with no
// allocation in Audio or ReceiveIFP once made.
func TestRelayAndAllocs(t *testing.T) {
	ca, cb := &count{}, &count{}
	a, _ := faxrelay.New(faxrelay.Config{}, ca)
	b, _ := faxrelay.New(faxrelay.Config{}, cb)
	steps := script()
	x := make([]int16, 160)
	y := make([]int16, 160)
	step := 0
	run := func() {
		for _, p := range steps[step%len(steps)] {
			b.ReceiveIFP(p)
		}
		b.Audio(y[:80], x[:80])
		b.Audio(y[80:], x[80:])
		a.Audio(x[:80], y[:80])
		a.Audio(x[80:], y[80:])
		clear(y)
		step++
	}
	// The first pass makes whatever is made lazily; the second counts.
	for range len(steps) {
		run()
	}
	sa := a.Stats()
	if sa.Rate != 14400 || sa.Modulation != faxrelay.V17 || ca.kinds[1] < 100 {
		t.Fatalf("A relayed %+v, %d indicators, %d data packets", sa, ca.kinds[0], ca.kinds[1])
	}
	if avg := testing.AllocsPerRun(len(steps)-1, run); avg != 0 {
		t.Fatalf("%v allocations per 20 ms", avg)
	}
}

// TestBadInput: what a gateway cannot act on is counted, never a crash,
// and it goes on relaying.
func TestBadInput(t *testing.T) {
	c := &count{}
	g, _ := faxrelay.New(faxrelay.Config{}, c)
	bad := []*t38.IFP{
		nil,
		{Indicator: t38.V8ANSam},
		{Indicator: t38.Indicator(200)},
		{IsData: true, DataType: t38.V34PriCh, Fields: []t38.Field{{Type: t38.HDLCData, Data: []byte{1}}}},
		{IsData: true, DataType: t38.V17_14400, Fields: []t38.Field{{Type: t38.T4NonECMData, Data: make([]byte, 5000)}}},
		{IsData: true, DataType: t38.V21, Fields: make([]t38.Field, 20)},
		{IsData: true, DataType: t38.V21, Fields: []t38.Field{{Type: t38.CMMessage, Data: []byte{1}}}},
		{Fields: []t38.Field{{}}},
	}
	out := make([]int16, 80)
	for _, p := range bad {
		g.ReceiveIFP(p)
		g.Audio(out, out)
	}
	s := g.Stats()
	if s.BadPackets != len(bad) || s.PacketsReceived != len(bad) {
		t.Fatalf("%+v, want %d bad packets", s, len(bad))
	}
	// Data without its indicator is counted and still played.
	g.ReceiveIFP(&t38.IFP{IsData: true, DataType: t38.V21, Fields: []t38.Field{{Type: t38.HDLCData, Data: revAll(dcs14400)}, {Type: t38.HDLCFCSOKSigEnd}}})
	heard := false
	for range 300 {
		g.Audio(make([]int16, 80), out)
		for _, v := range out {
			heard = heard || v != 0
		}
	}
	if s := g.Stats(); s.BadPackets != len(bad)+1 || !heard || s.Rate != 14400 {
		t.Fatalf("data without indicator: %+v, heard %v", s, heard)
	}
	// Data of another modem than the training announced: counted.
	g.ReceiveIFP(&t38.IFP{Indicator: t38.V29_9600Training})
	g.ReceiveIFP(&t38.IFP{IsData: true, DataType: t38.V17_9600, Fields: []t38.Field{{Type: t38.T4NonECMSigEnd, Data: []byte{0}}}})
	for range 300 {
		g.Audio(out, out)
	}
	if s := g.Stats(); s.BadPackets != len(bad)+2 {
		t.Fatalf("data of another modem: %+v", s)
	}
}

// TestQueueFull: a flood of packets between two frames is cut at the
// queue's size and counted.
func TestQueueFull(t *testing.T) {
	g, _ := faxrelay.New(faxrelay.Config{}, &count{})
	p := &t38.IFP{Indicator: t38.NoSignal}
	for range 1000 {
		g.ReceiveIFP(p)
	}
	g.Audio(make([]int16, 80), make([]int16, 80))
	if s := g.Stats(); s.BadPackets == 0 || s.PacketsReceived != 1000 {
		t.Fatalf("%+v", s)
	}
}

// TestSpoofDIS: a DIS from the network offering V.17 and ECM reaches the
// fax machine without them when the gateway is limited to 9600 and no
// ECM, with a correct FCS.
func TestSpoofDIS(t *testing.T) {
	g, _ := faxrelay.New(faxrelay.Config{MaxRate: 9600}, &count{})
	dis := []byte{0xFF, 0x13, 0x80, 0x00, 0xEE, 0xF8, 0xC4, 0x80, 0x91}
	g.ReceiveIFP(&t38.IFP{Indicator: t38.V21Preamble})
	g.ReceiveIFP(&t38.IFP{IsData: true, DataType: t38.V21, Fields: []t38.Field{{Type: t38.HDLCData, Data: revAll(dis)}, {Type: t38.HDLCFCSOKSigEnd}}})
	var got []byte
	fr := frameGrab{got: &got}
	rx := newV21Frames(fr)
	out := make([]int16, 80)
	for range 400 {
		g.Audio(make([]int16, 80), out)
		rx.Receive(out)
	}
	want := []byte{0xFF, 0x13, 0x80, 0x00, 0xCE, 0xF8, 0x80, 0x80, 0x91}
	if string(got) != string(want) {
		t.Fatalf("DIS heard %x, want %x", got, want)
	}
}

type frameGrab struct{ got *[]byte }

func (f frameGrab) Frame(b []byte, ok bool) {
	if ok {
		*f.got = append([]byte(nil), b...)
	}
}
func (frameGrab) Event(hdlc.Event) {}

// TestConcurrent: ReceiveIFP and Stats from other goroutines than
// Audio's (run with -race).
func TestConcurrent(t *testing.T) {
	g, _ := faxrelay.New(faxrelay.Config{}, &count{})
	steps := script()
	done := make(chan struct{})
	go func() {
		defer close(done)
		for _, ps := range steps {
			for _, p := range ps {
				g.ReceiveIFP(p)
			}
			_ = g.Stats()
		}
	}()
	in, out := make([]int16, 80), make([]int16, 80)
	for range 2 * len(steps) {
		g.Audio(in, out)
	}
	<-done
	n := 0
	for _, ps := range steps {
		n += len(ps)
	}
	if s := g.Stats(); s.PacketsReceived != n {
		t.Fatalf("%d received, want %d", s.PacketsReceived, n)
	}
}
