package gateway

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/potsgate/potsgate/hal/sim"
	"github.com/potsgate/potsgate/internal/peer"
	"github.com/potsgate/potsgate/media/tone"
	"github.com/potsgate/potsgate/sip/sdp"
)

// Per-endpoint registration: each port registers its number with its
// credentials from the Authentication table; the port status shows it.
func TestPortsRegisterWithKamailio(t *testing.T) {
	k := peer.StartKamailio(t)
	reg, _ := NewRegistry()
	res, err := reg.ApplyText(reg.Defaults(), "gw.ini", []byte(`IsRegisterNeeded = 1
RegistrarIP = '`+k.Addr+`'
RegistrationTime = 60
[ TrunkGroup ]
FORMAT TrunkGroup_Index = TrunkGroup_TrunkGroupNum, TrunkGroup_FirstBChannel, TrunkGroup_LastBChannel, TrunkGroup_FirstPhoneNumber;
TrunkGroup 0 = 1, 1, 2, 1001;
[ \TrunkGroup ]
[ Authentication ]
FORMAT Authentication_Index = Authentication_UserId, Authentication_UserPassword, Authentication_Port;
Authentication 0 = "1001", "secret1001", 1;
Authentication 1 = "1002", "secret1002", 2;
[ \Authentication ]
`))
	if err != nil {
		t.Fatal(err)
	}
	numbers, _ := PortNumbers(res.Config)
	us, _ := tone.Country("US")
	var ports []Port
	for _, n := range numbers {
		ports = append(ports, Port{Number: n, FXS: sim.NewPhone()})
	}
	sipCfg, _ := SIPConfig(res.Config, "potsgate-test")
	sipCfg.ListenAddr = "127.0.0.1:0"
	sipCfg.Codecs = []sdp.Format{pcmu}
	g, err := New(Options{Config: res.Config, Ports: ports, Tones: us, SIP: sipCfg, Media: noMedia{}, Paced: true})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- g.Run(ctx) }()
	deadline := time.Now().Add(10 * time.Second)
	for {
		st := g.Status()
		if st.Ports[0].Registration == "registered" && st.Ports[1].Registration == "registered" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("ports not registered: %+v", st.Ports)
		}
		time.Sleep(50 * time.Millisecond)
	}
	b := k.Bindings(t)
	for _, user := range []string{"1001", "1002"} {
		if !strings.Contains(b, user) {
			t.Errorf("kamailio has no binding for %s:\n%s", user, b)
		}
	}
	cancel()
	<-done
	if b := k.Bindings(t); strings.Contains(b, g.SIPAddr()) {
		t.Fatalf("bindings left after the gateway stopped:\n%s", b)
	}
}

// A registration the registrar refuses raises an alarm (for SNMP traps and
// the alarm table).
func TestRegistrationFailureRaisesAlarm(t *testing.T) {
	k := peer.StartKamailio(t)
	reg, _ := NewRegistry()
	res, err := reg.ApplyText(reg.Defaults(), "gw.ini", []byte(`IsRegisterNeeded = 1
RegistrarIP = '`+k.Addr+`'
[ TrunkGroup ]
FORMAT TrunkGroup_Index = TrunkGroup_TrunkGroupNum, TrunkGroup_FirstBChannel, TrunkGroup_LastBChannel, TrunkGroup_FirstPhoneNumber;
TrunkGroup 0 = 1, 1, 1, 1001;
[ \TrunkGroup ]
[ Authentication ]
FORMAT Authentication_Index = Authentication_UserId, Authentication_UserPassword, Authentication_Port;
Authentication 0 = "1001", "wrong", 1;
[ \Authentication ]
`))
	if err != nil {
		t.Fatal(err)
	}
	us, _ := tone.Country("US")
	raised := make(chan Alarm, 4)
	sipCfg, _ := SIPConfig(res.Config, "potsgate-test")
	sipCfg.ListenAddr = "127.0.0.1:0"
	g, err := New(Options{Config: res.Config, Ports: []Port{{Number: "1001", FXS: sim.NewPhone()}}, Tones: us, SIP: sipCfg, Media: noMedia{}, Paced: true,
		OnAlarm: func(a Alarm, on bool) {
			if on {
				raised <- a
			}
		}})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- g.Run(ctx) }()
	defer func() { cancel(); <-done }()
	select {
	case a := <-raised:
		if a.Kind != AlarmRegistrationFailed || a.Source != "registration 1001" || !strings.Contains(a.Text, "401") {
			t.Fatalf("alarm %+v", a)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("no alarm for a refused registration")
	}
	if active, _ := g.Alarms(); len(active) != 1 {
		t.Fatalf("active alarms %+v", active)
	}
}
