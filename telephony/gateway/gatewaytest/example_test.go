package gatewaytest_test

import (
	"fmt"

	"github.com/potsgate/potsgate/media/tone"
	"github.com/potsgate/potsgate/telephony/gateway"
	"github.com/potsgate/potsgate/telephony/gateway/gatewaytest"
)

// Four ports whose phones answer at the first ring and echo the caller.
func ExampleEchoPhone() {
	us, err := tone.Country("US")
	if err != nil {
		panic(err)
	}
	var ports []gateway.Port
	for i := range 4 {
		ph, err := gatewaytest.EchoPhone(us, 1)
		if err != nil {
			panic(err)
		}
		ports = append(ports, gateway.Port{Number: fmt.Sprint(101 + i), FXS: ph})
	}
	fmt.Println(len(ports), "ports, off hook:", ports[0].FXS.OffHook())
	// Output: 4 ports, off hook: false
}
