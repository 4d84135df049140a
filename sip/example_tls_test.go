package sip_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/potsgate/potsgate/internal/testcert"
	"github.com/potsgate/potsgate/sip"
	"github.com/potsgate/potsgate/sip/sdp"
)

// A user agent over TLS: TLSSettings turn the certificate material into
// the server and client configurations; requests go over TLS by default
// and a target may choose its own transport.
func ExampleTLSSettings() {
	t := &testing.T{}
	ca := testcert.NewCA(t, "potsgate test CA") // in a product: the TLSRootFileUrl, TLSCertFileUrl and TLSPkeyFileUrl files
	leaf := ca.Issue(t, testcert.Localhost())
	s := sip.TLSSettings{Roots: testcert.Pool(ca), Certificate: &leaf.TLS, PeerName: sip.PeerNameServer}
	ua, err := sip.Listen(sip.Config{
		ListenAddr:    "127.0.0.1:0",
		TLSListenAddr: "127.0.0.1:0",
		TLSServer:     s.Server(),
		TLSClient:     s.Client(),
		Transport:     sip.TransportTLS,
		EnableSIPS:    true,
		Codecs:        []sdp.Format{{PayloadType: 0, Name: "PCMU", ClockRate: 8000}},
	}, busyHandler{}, nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	ctx, cancel := context.WithCancel(context.Background())
	go ua.Serve(ctx)
	defer func() { cancel(); ua.Close() }()
	_, tls := ua.Listening(sip.TransportTLS)
	_, tcp := ua.Listening(sip.TransportTCP)
	target, _ := sip.ParseTarget("192.0.2.10:5060;transport=udp", sip.TransportTLS)
	fmt.Println("TLS:", tls, "TCP:", tcp, "proxy over", target.Transport)
	// Output: TLS: true TCP: false proxy over UDP
}
