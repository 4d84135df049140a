package main

import (
	"bufio"
	"crypto/tls"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/potsgate/potsgate/internal/peer"
	"github.com/potsgate/potsgate/internal/testcert"
)

// TestSIPOverTLSUsesDeviceCertificate: the reference binary's SIP TLS
// listener (SIPTransportType = 2) presents the device certificate of the
// certificate store (here from the -tls-* flags, as Automatic Update's
// files would be) and answers SIP on it.
func TestSIPOverTLSUsesDeviceCertificate(t *testing.T) {
	p := newPKI(t, "gw-sip-tls")
	tlsPort := peer.FreeTCPPort(t)
	startGatewayFlags(t, t.TempDir(), "", func(f *gatewayFlags) {
		f.tlsRoots, f.tlsCert, f.tlsKey = p.rootFile, p.certFile, p.keyFile
	}, "SIPTransportType = 2", fmt.Sprintf("TLSLocalSIPPort = %d", tlsPort))

	addr := fmt.Sprintf("127.0.0.1:%d", tlsPort)
	conn, err := tls.Dial("tcp", addr, &tls.Config{RootCAs: testcert.Pool(p.root), ServerName: "localhost", MinVersion: tls.VersionTLS12})
	if err != nil {
		t.Fatalf("TLS to the SIP listener: %v", err)
	}
	defer conn.Close()
	if cn := conn.ConnectionState().PeerCertificates[0].Subject.CommonName; cn != "gw-sip-tls" {
		t.Fatalf("SIP over TLS presented %q, not the device certificate", cn)
	}
	local := conn.LocalAddr().String()
	fmt.Fprintf(conn, "OPTIONS sip:101@%s;transport=tls SIP/2.0\r\n"+
		"Via: SIP/2.0/TLS %s;branch=z9hG4bK-tls-1\r\nMax-Forwards: 70\r\n"+
		"From: <sip:probe@127.0.0.1>;tag=1\r\nTo: <sip:101@%s>\r\nCall-ID: tls-options-1\r\nCSeq: 1 OPTIONS\r\n"+
		"Content-Length: 0\r\n\r\n", addr, local, addr)
	_ = conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	status, err := bufio.NewReader(conn).ReadString('\n')
	if err != nil {
		t.Fatalf("no answer to OPTIONS over TLS: %v", err)
	}
	if !strings.HasPrefix(status, "SIP/2.0 200") {
		t.Fatalf("OPTIONS over TLS answered %q", status)
	}
	// Without the CA the certificate is not trusted: no silent success.
	if c, err := tls.Dial("tcp", addr, &tls.Config{ServerName: "localhost", MinVersion: tls.VersionTLS12}); err == nil {
		c.Close()
		t.Fatal("a client without the test CA trusted the gateway's certificate")
	}
}
