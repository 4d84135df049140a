package peer

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// KamailioTLS is the shared kamailio recipe with its TLS module
// (kamailio-tls-modules) listening too, on TLSAddr.
type KamailioTLS struct {
	*Kamailio
	TLSAddr string // host:port of its TLS listener
}

// TLSFiles are the PEM files kamailio's TLS module uses: its certificate
// and key (as a server, and as a client when a server asks), and the CAs
// it verifies peers against. A test writes them (internal/testcert).
type TLSFiles struct {
	Cert, Key, CA string
	// VerifyClients makes kamailio require and verify client
	// certificates.
	VerifyClients bool
}

// NewKamailioTLS prepares kamailio on a free UDP port and a free TLS port,
// without starting it. As a TLS client (relaying to a TLS contact)
// kamailio verifies the server's certificate against f.CA.
func NewKamailioTLS(t testing.TB, f TLSFiles) *KamailioTLS {
	t.Helper()
	RequireFile(t, "/usr/lib/x86_64-linux-gnu/kamailio/modules/tls.so")
	k := NewKamailio(t)
	tlsAddr := fmt.Sprintf("127.0.0.1:%d", FreeTCPPort(t))
	yes := func(b bool) string {
		if b {
			return "yes"
		}
		return "no"
	}
	tlsCfg := fmt.Sprintf(`[server:default]
method = TLSv1.2+
verify_certificate = %[4]s
require_certificate = %[4]s
private_key = %[2]s
certificate = %[1]s
ca_list = %[3]s

[client:default]
method = TLSv1.2+
verify_certificate = yes
require_certificate = yes
private_key = %[2]s
certificate = %[1]s
ca_list = %[3]s
`, f.Cert, f.Key, f.CA, yes(f.VerifyClients))
	if err := os.WriteFile(filepath.Join(k.dir, "tls.cfg"), []byte(tlsCfg), 0o644); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(k.dir, "kamailio.cfg")
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	text := string(b)
	udpListen := "listen=udp:" + k.Addr
	if !strings.Contains(text, udpListen) {
		t.Fatalf("kamailio recipe changed: no %q", udpListen)
	}
	text = strings.Replace(text, udpListen, udpListen+"\nenable_tls=yes\nlisten=tls:"+tlsAddr+"\nalias=\"tls:"+tlsAddr+"\"", 1)
	text = strings.Replace(text, `loadmodule "db_text.so"`, `loadmodule "tls.so"`+"\n"+`loadmodule "db_text.so"`, 1)
	text = strings.Replace(text, `modparam("usrloc", "db_mode", 0)`,
		`modparam("usrloc", "db_mode", 0)`+"\n"+`modparam("tls", "config", "`+filepath.Join(k.dir, "tls.cfg")+`")`, 1)
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return &KamailioTLS{Kamailio: k, TLSAddr: tlsAddr}
}

// StartKamailioTLS runs NewKamailioTLS's kamailio and stops it when the
// test ends.
func StartKamailioTLS(t testing.TB, f TLSFiles) *KamailioTLS {
	t.Helper()
	k := NewKamailioTLS(t, f)
	k.Start()
	WaitListening(t, k.TLSAddr, 10*time.Second)
	return k
}
