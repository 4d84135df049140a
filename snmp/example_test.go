package snmp_test

import (
	"context"
	"fmt"
	"net"
	"time"

	"github.com/gosnmp/gosnmp"
	"github.com/potsgate/potsgate/snmp"
	"github.com/potsgate/potsgate/snmp/snmptest"
)

// An agent for a device, served on a loopback socket, queried over v2c.
func Example() {
	conn, err := net.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer conn.Close()
	agent, err := snmp.New(snmp.Config{SysName: "gw1"}, snmptest.New(), snmp.WithPacketConn(conn))
	if err != nil {
		fmt.Println(err)
		return
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	served := make(chan error, 1)
	go func() { served <- agent.Serve(ctx) }()

	addr := conn.LocalAddr().(*net.UDPAddr)
	client := &gosnmp.GoSNMP{Target: "127.0.0.1", Port: uint16(addr.Port), Community: "public",
		Version: gosnmp.Version2c, Timeout: 2 * time.Second}
	if err := client.Connect(); err != nil {
		fmt.Println(err)
		return
	}
	defer client.Conn.Close()
	r, err := client.Get([]string{".1.3.6.1.2.1.1.1.0", ".1.3.6.1.2.1.1.5.0", snmp.EnterpriseOID + ".2.1.2.1.0"})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("sysDescr: %s\n", r.Variables[0].Value)
	fmt.Printf("sysName: %s\n", r.Variables[1].Value)
	fmt.Printf("pgPortCount: %d\n", r.Variables[2].Value)

	cancel()
	fmt.Println("Serve:", <-served)
	// Output:
	// sysDescr: potsgate 0.1.0 analog telephone adapter (FXS/FXO to SIP), hardware sim-1
	// sysName: gw1
	// pgPortCount: 4
	// Serve: <nil>
}
