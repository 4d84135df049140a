package snmp_test

import (
	"context"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/gosnmp/gosnmp"
	"github.com/potsgate/potsgate/internal/peer"
	"github.com/potsgate/potsgate/snmp"
	"github.com/potsgate/potsgate/snmp/snmptest"
)

// Run: go test -run XXX -bench . ./snmp/
//
// BenchmarkGet* measure GET round trips on loopback from an in-process
// gosnmp client; the References measure the same client against a UDP
// echo of a canned response (the floor: client + kernel) and against
// net-snmp's snmpd, so the agent's rate reads as a ratio to both.

var sysName = []string{".1.3.6.1.2.1.1.5.0"}

func benchGet(b *testing.B, c *gosnmp.GoSNMP) {
	b.Helper()
	if _, err := c.Get(sysName); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		r, err := c.Get(sysName)
		if err != nil || len(r.Variables) != 1 {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "req/s")
}

func BenchmarkGetV2c(b *testing.B) {
	_, addr := startAgent(b, testConfig(), snmptest.New())
	benchGet(b, v2Client(b, addr, "public"))
}

func BenchmarkGetV3AuthPriv(b *testing.B) {
	_, addr := startAgent(b, testConfig(), snmptest.New())
	benchGet(b, v3Client(b, addr, v3User, gosnmp.SHA))
}

// BenchmarkGetReferenceEcho answers every request with a canned response
// (request ID patched): the cost of the client and the loopback itself.
func BenchmarkGetReferenceEcho(b *testing.B) {
	conn, err := net.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		buf := make([]byte, 2048)
		dec := &gosnmp.GoSNMP{Version: gosnmp.Version2c}
		for {
			n, from, err := conn.ReadFrom(buf)
			if err != nil {
				return
			}
			req, err := dec.SnmpDecodePacket(buf[:n])
			if err != nil {
				continue
			}
			resp := &gosnmp.SnmpPacket{Version: gosnmp.Version2c, Community: req.Community, PDUType: gosnmp.GetResponse,
				RequestID: req.RequestID, Variables: []gosnmp.SnmpPDU{{Name: sysName[0], Type: gosnmp.OctetString, Value: "gw1"}}}
			out, _ := resp.MarshalMsg()
			_, _ = conn.WriteTo(out, from)
		}
	}()
	b.Cleanup(func() { conn.Close(); <-done })
	benchGet(b, v2Client(b, conn.LocalAddr().(*net.UDPAddr), "public"))
}

// BenchmarkGetReferenceSnmpd is net-snmp's agent, v2c, same client.
func BenchmarkGetReferenceSnmpd(b *testing.B) {
	benchGet(b, snmpdClient(b, false))
}

// BenchmarkGetReferenceSnmpdV3 is net-snmp's agent, v3 authPriv SHA/AES.
func BenchmarkGetReferenceSnmpdV3(b *testing.B) {
	benchGet(b, snmpdClient(b, true))
}

func snmpdClient(b *testing.B, v3 bool) *gosnmp.GoSNMP {
	b.Helper()
	peer.Require(b, "snmpd")
	dir := b.TempDir()
	port := peer.FreeUDPPort(b)
	conf := fmt.Sprintf(`rocommunity public 127.0.0.1
createUser %s SHA "%s" AES "%s"
rouser %s priv
sysName gw1
`, v3User, v3AuthKey, v3PrivKey, v3User)
	if err := os.WriteFile(filepath.Join(dir, "snmpd.conf"), []byte(conf), 0o600); err != nil {
		b.Fatal(err)
	}
	b.Setenv("SNMP_PERSISTENT_DIR", dir)
	b.Setenv("MIBS", ":")
	peer.Start(b, dir, "snmpd", "-f", "-C", "-c", filepath.Join(dir, "snmpd.conf"), "-Lf", filepath.Join(dir, "snmpd.log"), "udp:127.0.0.1:"+strconv.Itoa(port))
	addr := &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: port}
	probe := &gosnmp.GoSNMP{Target: "127.0.0.1", Port: uint16(port), Community: "public",
		Version: gosnmp.Version2c, Timeout: 200 * time.Millisecond}
	if err := probe.Connect(); err != nil {
		b.Fatal(err)
	}
	defer probe.Conn.Close()
	deadline := time.Now().Add(10 * time.Second)
	for {
		if _, err := probe.Get(sysName); err == nil {
			break
		}
		if time.Now().After(deadline) {
			b.Fatal("snmpd did not answer")
		}
		time.Sleep(50 * time.Millisecond) // polling for readiness, not timing
	}
	if v3 {
		return v3Client(b, addr, v3User, gosnmp.SHA)
	}
	return v2Client(b, addr, "public")
}

// BenchmarkHandleV2c is the agent's handler alone, without sockets.
func BenchmarkHandleV2c(b *testing.B) {
	a, err := snmp.New(testConfig(), snmptest.New())
	if err != nil {
		b.Fatal(err)
	}
	req, err := (&gosnmp.GoSNMP{Version: gosnmp.Version2c, Community: "public"}).SnmpEncodePacket(gosnmp.GetRequest, []gosnmp.SnmpPDU{{Name: sysName[0], Type: gosnmp.Null}}, 0, 0)
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if a.Handle(ctx, fuzzFrom, req) == nil {
			b.Fatal("no answer")
		}
	}
}
