package sas_test

import (
	"context"
	"fmt"
	"net"
	"strings"
	"time"

	"github.com/potsgate/potsgate/sip/sas"
)

func ExampleStep() {
	cfg := sas.Config{EnableSAS: true, SASProxySet: []string{"127.0.0.1:5060"}, KeepAliveFailures: 1}
	var m sas.Machine
	m, _ = sas.Step(m, sas.EvProbeFail, time.Unix(0, 0), cfg)
	fmt.Println(m.State)
	m, _ = sas.Step(m, sas.EvProbeOK, time.Unix(1, 0), cfg)
	fmt.Println(m.State)
	// Output:
	// emergency
	// normal
}

// A standalone SAS (no proxy set) registers a phone.
func ExampleService_Serve() {
	s, err := sas.New(sas.Config{EnableSAS: true, SASDefaultGatewayIP: "127.0.0.1:5060"})
	if err != nil {
		fmt.Println(err)
		return
	}
	pc, _ := net.ListenPacket("udp4", "127.0.0.1:0")
	done := make(chan error, 1)
	go func() { done <- s.Serve(context.Background(), pc) }()
	defer func() { s.Close(); <-done }()

	phone, _ := net.ListenPacket("udp4", "127.0.0.1:0")
	defer phone.Close()
	me := phone.LocalAddr().String()
	req := "REGISTER sip:" + pc.LocalAddr().String() + " SIP/2.0\r\n" +
		"Via: SIP/2.0/UDP " + me + ";branch=z9hG4bK-ex1\r\n" +
		"From: <sip:1001@127.0.0.1>;tag=1\r\nTo: <sip:1001@127.0.0.1>\r\n" +
		"Call-ID: ex1\r\nCSeq: 1 REGISTER\r\nContact: <sip:1001@" + me + ">\r\n" +
		"Expires: 60\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n"
	phone.WriteTo([]byte(req), pc.LocalAddr())
	buf := make([]byte, 2048)
	phone.SetReadDeadline(time.Now().Add(2 * time.Second))
	n, _, err := phone.ReadFrom(buf)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(strings.SplitN(string(buf[:n]), "\r\n", 2)[0])
	fmt.Println(s.State(), len(s.Bindings()), s.Bindings()[0].AOR)
	// Output:
	// SIP/2.0 200 OK
	// emergency 1 1001
}
