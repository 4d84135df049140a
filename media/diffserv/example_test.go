package diffserv_test

import (
	"fmt"
	"net"

	"github.com/potsgate/potsgate/media/diffserv"
)

// Voice packets marked expedited forwarding, as the gateway marks RTP.
func ExampleMark() {
	c, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer c.Close()
	fmt.Println(diffserv.Mark(c, diffserv.EF))
	// Output: <nil>
}
