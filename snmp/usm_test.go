package snmp_test

import (
	"encoding/hex"
	"net"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gosnmp/gosnmp"
	"github.com/potsgate/potsgate/snmp"
	"github.com/potsgate/potsgate/snmp/snmptest"
)

// signedGet builds an authPriv GET of sysName as a manager would, signed
// and encrypted by gosnmp with the test user's keys.
func signedGet(t testing.TB, boots, engineTime uint32) ([]byte, *gosnmp.UsmSecurityParameters) {
	t.Helper()
	id, _ := hex.DecodeString(testEngineID)
	sp := &gosnmp.UsmSecurityParameters{
		UserName: v3User, AuthoritativeEngineID: string(id),
		AuthoritativeEngineBoots: boots, AuthoritativeEngineTime: engineTime,
		AuthenticationProtocol: gosnmp.SHA, AuthenticationPassphrase: v3AuthKey,
		PrivacyProtocol: gosnmp.AES, PrivacyPassphrase: v3PrivKey,
	}
	if err := sp.InitSecurityKeys(); err != nil {
		t.Fatal(err)
	}
	c := &gosnmp.GoSNMP{Version: gosnmp.Version3, SecurityModel: gosnmp.UserSecurityModel, MsgFlags: gosnmp.AuthPriv, SecurityParameters: sp}
	b, err := c.SnmpEncodePacket(gosnmp.GetRequest, []gosnmp.SnmpPDU{{Name: ".1.3.6.1.2.1.1.5.0", Type: gosnmp.Null}}, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	return b, sp
}

// exchange sends a raw datagram and decodes the answer; nil when none
// came within a second.
func exchange(t *testing.T, addr *net.UDPAddr, msg []byte, sp *gosnmp.UsmSecurityParameters) *gosnmp.SnmpPacket {
	t.Helper()
	c, err := net.DialUDP("udp4", nil, addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := c.Write(msg); err != nil {
		t.Fatal(err)
	}
	_ = c.SetReadDeadline(time.Now().Add(time.Second))
	buf := make([]byte, 65536)
	n, err := c.Read(buf)
	if err != nil {
		return nil
	}
	dec := &gosnmp.GoSNMP{Version: gosnmp.Version3, SecurityModel: gosnmp.UserSecurityModel, MsgFlags: gosnmp.AuthPriv, SecurityParameters: sp}
	p, err := dec.SnmpDecodePacket(buf[:n])
	if err != nil {
		t.Fatalf("decode answer: %v", err)
	}
	return p
}

func wantReport(t *testing.T, p *gosnmp.SnmpPacket, counter string, authenticated bool) {
	t.Helper()
	if p == nil {
		t.Fatalf("no report (want %s)", counter)
	}
	if p.PDUType != gosnmp.Report || len(p.Variables) != 1 || p.Variables[0].Name != counter {
		t.Fatalf("got %v %+v, want a report of %s", p.PDUType, p.Variables, counter)
	}
	if got := p.MsgFlags&gosnmp.AuthNoPriv != 0; got != authenticated {
		t.Errorf("report authenticated = %v, want %v", got, authenticated)
	}
}

const (
	usmStatsNotInTimeWindows = ".1.3.6.1.6.3.15.1.1.2.0"
	usmStatsWrongDigests     = ".1.3.6.1.6.3.15.1.1.5.0"
	usmStatsUnknownUserNames = ".1.3.6.1.6.3.15.1.1.3.0"
	usmStatsUnknownEngineIDs = ".1.3.6.1.6.3.15.1.1.4.0"
)

func TestV3TamperedAndStaleMessagesRefused(t *testing.T) {
	var offset atomic.Int64
	base := time.Now()
	clock := func() time.Time { return base.Add(time.Duration(offset.Load())) }
	a, addr := startAgent(t, testConfig(), snmptest.New(), snmp.WithClock(clock))

	msg, sp := signedGet(t, 1, 0)
	p := exchange(t, addr, msg, sp)
	if p == nil || p.PDUType != gosnmp.GetResponse || string(p.Variables[0].Value.([]byte)) != "gw1" {
		t.Fatalf("genuine message: %+v", p)
	}

	// Altered after signing: a byte of the encrypted PDU, then a byte of
	// the message header. Both fail the HMAC; nothing is answered but a
	// wrongDigests report.
	for _, at := range []int{len(msg) - 1, 10} {
		bad := append([]byte(nil), msg...)
		bad[at] ^= 0x01
		wantReport(t, exchange(t, addr, bad, sp), usmStatsWrongDigests, false)
	}
	if got := a.Stats().WrongDigests; got != 2 {
		t.Errorf("usmStatsWrongDigests = %d, want 2", got)
	}

	// Signed correctly but outside the time window, or from an earlier
	// boot: an authenticated notInTimeWindow report carrying our clock.
	for _, tc := range []struct{ boots, time uint32 }{{1, 151}, {0, 0}, {2, 0}} {
		stale, sp := signedGet(t, tc.boots, tc.time)
		p := exchange(t, addr, stale, sp)
		wantReport(t, p, usmStatsNotInTimeWindows, true)
		usm := p.SecurityParameters.(*gosnmp.UsmSecurityParameters)
		if usm.AuthoritativeEngineBoots != 1 || usm.AuthoritativeEngineTime > 5 {
			t.Errorf("report clock: boots %d time %d", usm.AuthoritativeEngineBoots, usm.AuthoritativeEngineTime)
		}
	}
	// 150 s ahead is still inside the window.
	edge, sp := signedGet(t, 1, 150)
	if p := exchange(t, addr, edge, sp); p == nil || p.PDUType != gosnmp.GetResponse {
		t.Errorf("message 150 s ahead refused: %+v", p)
	}

	// The genuine message replayed 200 s later is stale.
	offset.Store(int64(200 * time.Second))
	wantReport(t, exchange(t, addr, msg, sp), usmStatsNotInTimeWindows, true)
	if got := a.Stats().NotInTimeWindows; got != 4 {
		t.Errorf("usmStatsNotInTimeWindows = %d, want 4", got)
	}

	// Unknown user and foreign engine ID.
	_, sp2 := signedGet(t, 1, 200)
	sp2.UserName = "mallory"
	c := &gosnmp.GoSNMP{Version: gosnmp.Version3, SecurityModel: gosnmp.UserSecurityModel, MsgFlags: gosnmp.AuthPriv, SecurityParameters: sp2}
	b, err := c.SnmpEncodePacket(gosnmp.GetRequest, []gosnmp.SnmpPDU{{Name: ".1.3.6.1.2.1.1.5.0", Type: gosnmp.Null}}, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	wantReport(t, exchange(t, addr, b, sp2), usmStatsUnknownUserNames, false)
	sp2.UserName, sp2.AuthoritativeEngineID = v3User, "\x80\x00\x00\x00\x05other"
	b, err = c.SnmpEncodePacket(gosnmp.GetRequest, []gosnmp.SnmpPDU{{Name: ".1.3.6.1.2.1.1.5.0", Type: gosnmp.Null}}, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	wantReport(t, exchange(t, addr, b, sp2), usmStatsUnknownEngineIDs, false)

	// Not reportable: refused without any answer.
	noRep, sp := signedGet(t, 1, 0)
	noRep[len(noRep)-1] ^= 1
	flagsAt := -1
	for i := 0; i+3 <= len(noRep); i++ {
		if noRep[i] == 0x04 && noRep[i+1] == 0x01 && noRep[i+2] == 0x07 { // msgFlags authPriv|reportable
			flagsAt = i + 2
			break
		}
	}
	if flagsAt < 0 {
		t.Fatal("msgFlags not found")
	}
	noRep[flagsAt] = 0x03
	if p := exchange(t, addr, noRep, sp); p != nil {
		t.Errorf("non-reportable tampered message answered: %v", p.PDUType)
	}
}
