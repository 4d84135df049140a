package sip_test

import (
	"context"
	"fmt"

	"github.com/potsgate/potsgate/sip"
	"github.com/potsgate/potsgate/sip/sdp"
)

// busyHandler refuses every call, as a gateway with no free port does.
type busyHandler struct{}

func (busyHandler) IncomingCall(c *sip.Call)              { _ = c.Reject(486, "Busy Here") }
func (busyHandler) CheckSync(context.Context, bool) error { return nil }

func ExampleListen() {
	ua, err := sip.Listen(sip.Config{
		ListenAddr:      "127.0.0.1:0",
		Codecs:          []sdp.Format{{PayloadType: 0, Name: "PCMU", ClockRate: 8000}},
		DTMFPayloadType: 101,
	}, busyHandler{}, nil)
	if err != nil {
		panic(err)
	}
	defer ua.Close()
	ctx, cancel := context.WithCancel(context.Background())
	go ua.Serve(ctx)
	defer cancel()
	fmt.Println(ua.Addr().Addr())
	// Output: 127.0.0.1
}
