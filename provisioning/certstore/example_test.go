package certstore_test

import (
	"crypto/tls"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"time"

	"github.com/potsgate/potsgate/internal/testcert"
	"github.com/potsgate/potsgate/provisioning/certstore"
)

// A store serves HTTPS with the installed certificate; a client store
// with the root verifies it. Installing a new set would change what the
// next connection gets, without restarting the server.
func Example() {
	var t exampleT
	ca := testcert.NewCA(t, "provisioning CA")
	dev := ca.Issue(t, testcert.Options{CommonName: "gateway"})

	store := certstore.New(certstore.Options{})
	if _, err := store.Load(certstore.Files{
		Roots: certstore.File{Name: "tls-root", PEM: ca.CertPEM},
		Cert:  certstore.File{Name: "tls-cert", PEM: dev.CertPEM},
		Key:   certstore.File{Name: "tls-key", PEM: dev.KeyPEM},
	}); err != nil {
		fmt.Println(err)
		return
	}
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "hello over TLS")
	}))
	srv.TLS = store.ServerConfig()
	srv.StartTLS()
	defer srv.Close()

	client := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{TLSClientConfig: store.ClientConfig("127.0.0.1")}}
	resp, err := client.Get(srv.URL)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	fmt.Println(string(body), resp.TLS.PeerCertificates[0].Subject.CommonName, resp.TLS.Version >= tls.VersionTLS12)

	// A key that is not the certificate's is refused; the running set stays.
	other := ca.Issue(t, testcert.Options{})
	_, err = store.Load(certstore.Files{Cert: certstore.File{Name: "tls-cert", PEM: dev.CertPEM}, Key: certstore.File{Name: "tls-key", PEM: other.KeyPEM}})
	fmt.Println(err)
	fmt.Println(store.Current().Info().Subject)
	// Output:
	// hello over TLS gateway true
	// TLS files refused: tls-key: the private key does not match the certificate (tls-cert, subject CN=gateway,O=potsgate test)
	// CN=gateway,O=potsgate test
}
