package gateway

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/potsgate/potsgate/hal/sim"
	"github.com/potsgate/potsgate/internal/faxpeer"
	"github.com/potsgate/potsgate/internal/peer"
	"github.com/potsgate/potsgate/media/tone"
	"github.com/potsgate/potsgate/sip"
	"github.com/potsgate/potsgate/sip/sdp"
)

var (
	g729Format  = sdp.Format{PayloadType: 18, Name: "G729", ClockRate: 8000, Params: "annexb=no"}
	pcmaFormatT = sdp.Format{PayloadType: 8, Name: "PCMA", ClockRate: 8000}
)

// faxGateway runs a paced gateway with one FXS port, number, its phone
// and the codecs it offers.
func faxGateway(t *testing.T, ctx context.Context, ini, number string, codecs []sdp.Format) (*Gateway, *sim.Phone) {
	t.Helper()
	reg, _ := NewRegistry()
	res, err := reg.ApplyText(reg.Defaults(), "gw.ini", []byte(ini))
	if err != nil {
		t.Fatal(err)
	}
	us, _ := tone.Country("US")
	ph := sim.NewPhone()
	g, err := New(Options{Config: res.Config, Ports: []Port{{Number: number, FXS: ph}}, Tones: us, Media: rtpFactory(t), Paced: true,
		SIP: sip.Config{ListenAddr: "127.0.0.1:0", Codecs: codecs, DTMFPayloadType: 101, PacketTime: 20 * time.Millisecond}})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- g.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done })
	return g, ph
}

// faxCall sends img from a spandsp fax machine on port 101 of gateway A
// to one on port 201 of gateway B, which answers, over SIP and RTP in real
// time, and returns both machines' reports and the received file.
//
// during is called once the receiving fax has finished, while the call is
// still up, with both gateways.
func faxCall(t *testing.T, tool, img, ini string, codecs []sdp.Format, o faxpeer.Options, during func(a, b *Gateway)) (faxpeer.Result, faxpeer.Result, string) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	b, pb := faxGateway(t, ctx, ini, "201", codecs)
	a, pa := faxGateway(t, ctx, ini+fmt.Sprintf(`DigitMapping = '2xx'
[ PREFIX ]
FORMAT PREFIX_Index = PREFIX_DestinationPrefix, PREFIX_DestAddress;
PREFIX 0 = 2, %s;
[ \PREFIX ]
`, b.SIPAddr()), "101", codecs)

	o.Frame = 80
	if o.Timeout == 0 {
		o.Timeout = 100 * time.Second // real time: a one-page fax takes 20-40 s
	}
	rx := filepath.Join(t.TempDir(), "recv.tif")
	send, recv := faxpeer.Send(t, tool, img, o), faxpeer.Receive(t, tool, rx, o)
	pb.AutoAnswer(1)
	pb.Attach(recv) // it talks once the phone is off hook
	pa.PickUp()
	pa.Wait(300 * time.Millisecond)
	pa.DialDTMF("201")
	peer.WaitFor(t, 15*time.Second, "port 201 to answer", pb.OffHook)
	// A fax machine that dialled starts its CNG once the call connects.
	pa.Attach(send)
	peer.WaitFor(t, o.Timeout+10*time.Second, "the receiving fax to finish", recv.Ended)
	if during != nil {
		during(a, b)
	}
	// It hangs up after DCN; the sender hears the line go.
	pb.HangUp()
	send.CloseInput()
	peer.WaitFor(t, time.Minute, "the sending fax to finish", send.Ended)
	pa.HangUp()
	rs, err := send.Wait()
	if err != nil {
		t.Fatal(err)
	}
	rr, err := recv.Wait()
	if err != nil {
		t.Fatal(err)
	}
	return rs, rr, rx
}

var faxModes = []struct {
	name   string
	modems string
	rate   int
}{{"V.17-14400", "", 14400}, {"V.29-9600", "v29", 9600}, {"V.27ter-4800", "v27ter", 4800}}

// checkFax checks both machines' reports and the pages.
func checkFax(t *testing.T, img, rx string, rs, rr faxpeer.Result, rate int, ecm bool) {
	t.Helper()
	t.Logf("sender: %v", rs)
	t.Logf("receiver: %v", rr)
	if !rs.OK() || !rr.OK() {
		t.Fatalf("phase E: sender %d (%s), receiver %d (%s)", rs.Code, rs.Text, rr.Code, rr.Text)
	}
	if pages := faxpeer.Pages(t, img); rr.Rate != rate || rr.ECM != ecm || rr.PagesRx != pages {
		t.Errorf("%d pages at %d bit/s, ECM %v; want %d at %d, ECM %v", rr.PagesRx, rr.Rate, rr.ECM, pages, rate, ecm)
	}
	if err := faxpeer.SamePages(t, img, rx); err != nil {
		t.Error(err)
	}
}

// TestFaxPassThrough: path 3 of issue 12 in G.711 pass-through. A spandsp
// fax on port 101 of gateway A sends a page to one on port 201 of gateway
// B over SIP and PCMU RTP, in real time, with and without ECM, at 14400
// (V.17) and forced 9600 (V.29) and 4800 (V.27ter). With the defaults
// (FaxTransportMode = 2) both gateways hear the answering fax's CED, B
// on its port and A from the network, and switch the call to fax
// handling.
func TestFaxPassThrough(t *testing.T) {
	tool := faxpeer.Tool(t)
	img := faxpeer.Image(t, tool, 1)
	for _, ecm := range []bool{false, true} {
		for _, mode := range faxModes {
			t.Run(fmt.Sprintf("G711/%s/ECM=%v", mode.name, ecm), func(t *testing.T) {
				o := faxpeer.Options{ECM: ecm, Modems: mode.modems}
				rs, rr, rx := faxCall(t, tool, img, "", []sdp.Format{pcmu}, o, func(a, b *Gateway) {
					sa, ca, ra, _ := a.FaxStatus(0)
					sb, cb, rb, _ := b.FaxStatus(0)
					t.Logf("A: %+v on %s; B: %+v on %s", sa, ca, sb, cb)
					if !sa.Active || sa.FromLine || !sb.Active || !sb.FromLine {
						t.Errorf("fax handling: A %+v, B %+v; want both, B from its port, A from the network", sa, sb)
					}
					if ra+rb != 0 || ca != "PCMU" || cb != "PCMU" {
						t.Errorf("%d re-INVITEs, codecs %s/%s; want none on PCMU", ra+rb, ca, cb)
					}
				})
				checkFax(t, img, rx, rs, rr, mode.rate, ecm)
			})
		}
	}
}

// TestFaxG729ToG711: the same with G.729 preferred and IsFaxUsed = 2: the
// call starts in G.729, gateway B hears CED on its port and re-INVITEs to
// G.711 (A-law, FaxModemBypassCoderType = 0), and the fax goes through.
func TestFaxG729ToG711(t *testing.T) {
	tool := faxpeer.Tool(t)
	img := faxpeer.Image(t, tool, 1)
	for _, ecm := range []bool{false, true} {
		for _, mode := range faxModes {
			t.Run(fmt.Sprintf("G729/%s/ECM=%v", mode.name, ecm), func(t *testing.T) {
				o := faxpeer.Options{ECM: ecm, Modems: mode.modems}
				codecs := []sdp.Format{g729Format, pcmu, pcmaFormatT}
				rs, rr, rx := faxCall(t, tool, img, "IsFaxUsed = 2\n", codecs, o, func(a, b *Gateway) {
					sa, ca, ra, fa := a.FaxStatus(0)
					sb, cb, rb, fb := b.FaxStatus(0)
					t.Logf("A: %+v on %s; B: %+v on %s", sa, ca, sb, cb)
					if !sa.Active || !sb.Active || !sb.FromLine {
						t.Errorf("fax handling: A %+v, B %+v", sa, sb)
					}
					if ca != "PCMA" || cb != "PCMA" || rb != 1 || ra != 0 || fa+fb != 0 {
						t.Errorf("codecs %s/%s, re-INVITEs A %d B %d, failed %d; want PCMA, one re-INVITE from B", ca, cb, ra, rb, fa+fb)
					}
				})
				checkFax(t, img, rx, rs, rr, mode.rate, ecm)
			})
		}
	}
}

// TestFaxParams: the device's values map to what a call does; values
// out of range are refused (T.38's: TestT38Params).
func TestFaxParams(t *testing.T) {
	reg, _ := NewRegistry()
	for ini, want := range map[string]faxPolicy{
		"":                                      {detect: true},
		"FaxTransportMode = 0\n":                {},
		"IsFaxUsed = 2\nFaxTransportMode = 0\n": {detect: true, reinvite: true},
		"IsFaxUsed = 2\nCNGDetectorMode = 2\n":  {detect: true, reinvite: true, cng: true},
		"FaxModemBypassCoderType = 1\n":         {detect: true},
	} {
		res, err := reg.ApplyText(reg.Defaults(), "gw.ini", []byte(ini))
		if err != nil {
			t.Fatalf("%q: %v", ini, err)
		}
		got := faxPolicyOf(res.Config)
		if got.detect != want.detect || got.reinvite != want.reinvite || got.cng != want.cng {
			t.Errorf("%q: %+v, want %+v", ini, got, want)
		}
		first := "PCMA"
		if ini == "FaxModemBypassCoderType = 1\n" {
			first = "PCMU"
		}
		if got.formats[0].Name != first || len(got.formats) != 2 {
			t.Errorf("%q: offers %v", ini, got.formats)
		}
	}
	for _, bad := range []string{"IsFaxUsed = 4\n", "FaxTransportMode = 3\n", "CNGDetectorMode = 5\n"} {
		if _, err := reg.ApplyText(reg.Defaults(), "gw.ini", []byte(bad)); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

// TestFaxCNGBothSides: with CNGDetectorMode = 2 gateway A hears the
// calling fax's CNG on its port while B hears the answering fax's CED
// on its own: both start fax handling from their port and both may
// re-INVITE at about the same time. The collision (491) is resolved,
// the call ends up in G.711 and the fax goes through.
func TestFaxCNGBothSides(t *testing.T) {
	tool := faxpeer.Tool(t)
	img := faxpeer.Image(t, tool, 1)
	codecs := []sdp.Format{g729Format, pcmu, pcmaFormatT}
	o := faxpeer.Options{ECM: true}
	rs, rr, rx := faxCall(t, tool, img, "IsFaxUsed = 2\nCNGDetectorMode = 2\n", codecs, o, func(a, b *Gateway) {
		sa, ca, ra, fa := a.FaxStatus(0)
		sb, cb, rb, fb := b.FaxStatus(0)
		t.Logf("A: %+v on %s, %d re-INVITEs; B: %+v on %s, %d re-INVITEs", sa, ca, ra, sb, cb, rb)
		if !sa.Active || !sb.Active || !sb.FromLine {
			t.Errorf("fax handling: A %+v, B %+v", sa, sb)
		}
		if !isG711(ca) || !isG711(cb) || ca != cb || ra+rb < 1 || fa+fb != 0 {
			t.Errorf("codecs %s/%s, re-INVITEs %d, failed %d", ca, cb, ra+rb, fa+fb)
		}
	})
	checkFax(t, img, rx, rs, rr, 14400, true)
}
