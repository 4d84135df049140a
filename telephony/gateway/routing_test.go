package gateway

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/potsgate/potsgate/hal/sim"
	"github.com/potsgate/potsgate/media/tone"
	"github.com/potsgate/potsgate/sip"
	"github.com/potsgate/potsgate/sip/sdp"
)

// recorder is a SIP phone that rejects calls and remembers who was called.
type recorder struct{ called chan string }

func (r recorder) IncomingCall(c *sip.Call)            { r.called <- c.To(); _ = c.Reject(486, "Busy Here") }
func (recorder) CheckSync(context.Context, bool) error { return nil }

// Tel-to-IP: a number dialled on port 101 is routed by PREFIX to the far
// end and manipulated by NumberMapTel2Ip on the way; IP-to-Tel: a call to
// a number no port has reaches an idle port of the trunk group PstnPrefix
// names.
func TestRoutingAndManipulation(t *testing.T) {
	far := recorder{called: make(chan string, 4)}
	farUA, err := sip.Listen(sip.Config{ListenAddr: "127.0.0.1:0", Codecs: []sdp.Format{pcmu}}, far, nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go farUA.Serve(ctx)
	defer farUA.Close()

	reg, _ := NewRegistry()
	res, err := reg.ApplyText(reg.Defaults(), "gw.ini", []byte(fmt.Sprintf(`DigitMapping = '9xxxx'
[ TrunkGroup ]
FORMAT TrunkGroup_Index = TrunkGroup_TrunkGroupNum, TrunkGroup_FirstBChannel, TrunkGroup_LastBChannel, TrunkGroup_FirstPhoneNumber;
TrunkGroup 0 = 1, 1, 2, 101;
[ \TrunkGroup ]
[ PREFIX ]
FORMAT PREFIX_Index = PREFIX_DestinationPrefix, PREFIX_DestAddress;
PREFIX 0 = 9, %s;
[ \PREFIX ]
[ NumberMapTel2Ip ]
FORMAT NumberMapTel2Ip_Index = NumberMapTel2Ip_DestinationPrefix, NumberMapTel2Ip_RemoveFromLeft, NumberMapTel2Ip_Prefix2Add;
NumberMapTel2Ip 0 = 9, 1, "+1";
[ \NumberMapTel2Ip ]
[ PstnPrefix ]
FORMAT PstnPrefix_Index = PstnPrefix_DestPrefix, PstnPrefix_TrunkGroupId;
PstnPrefix 0 = 55, 1;
[ \PstnPrefix ]
[ TrunkGroupSettings ]
FORMAT TrunkGroupSettings_Index = TrunkGroupSettings_TrunkGroupId, TrunkGroupSettings_ChannelSelectMode;
TrunkGroupSettings 0 = 1, 2;
[ \TrunkGroupSettings ]
`, farUA.Addr())))
	if err != nil {
		t.Fatal(err)
	}
	a, b := sim.NewPhone(), sim.NewPhone()
	us, _ := tone.Country("US")
	g, err := New(Options{Config: res.Config, Ports: []Port{{Number: "101", FXS: a}, {Number: "102", FXS: b}}, Tones: us,
		SIP: sip.Config{ListenAddr: "127.0.0.1:0", Codecs: []sdp.Format{pcmu}}, Media: rtpFactory(t), Paced: true})
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- g.Run(ctx) }()
	defer func() { cancel(); <-done }()

	a.PickUp()
	a.Wait(300 * time.Millisecond)
	a.DialDTMF("95551")
	select {
	case to := <-far.called:
		if to != "+15551" {
			t.Fatalf("far end called as %q, want +15551", to)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the call never reached the PREFIX destination")
	}

	// 5599 is no port's number; PstnPrefix sends it to trunk group 1, which
	// selects ascending: its first idle port (102: 101 is off hook) rings.
	caller, err := sip.Listen(sip.Config{ListenAddr: "127.0.0.1:0", Codecs: []sdp.Format{pcmu}}, far, nil)
	if err != nil {
		t.Fatal(err)
	}
	go caller.Serve(ctx)
	defer caller.Close()
	if _, err := caller.Dial(ctx, sip.Dial{To: "5599", Host: g.SIPAddr(), From: "777", LocalPort: 39300}); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for !b.Ringing() {
		if time.Now().After(deadline) {
			t.Fatalf("port 102 does not ring for 5599: %+v", g.Status().Ports)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func rtpFactory(t *testing.T) MediaFactory {
	t.Helper()
	reg, _ := NewRegistry()
	c := reg.Defaults()
	m, err := NewRTPMedia(c, sip.Config{PacketTime: 20 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	return m
}
