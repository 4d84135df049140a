package snmptest_test

import (
	"context"
	"fmt"

	"github.com/potsgate/potsgate/snmp"
	"github.com/potsgate/potsgate/snmp/snmptest"
)

func Example() {
	dev := snmptest.New()
	dev.Update(func(_ *snmp.Identity, ports []snmp.PortStatus, c *snmp.Counters, _, _ *[]snmp.Alarm) {
		ports[0].Hook, ports[0].Call = snmp.OffHook, snmp.CallDialing
		c.Attempted++
	})
	_ = dev.Lock(context.Background(), true)
	p := dev.Ports()[0]
	fmt.Println(p.Index, p.Type, p.Hook, p.Call, dev.Counters().Attempted)
	fmt.Println(dev.Calls())
	// Output:
	// 1 fxs offHook dialing 121
	// [Lock(graceful)]
}
