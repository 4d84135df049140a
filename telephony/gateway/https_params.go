package gateway

import (
	"net"
	"net/http"
	"strconv"

	"github.com/potsgate/potsgate/provisioning"
	"github.com/potsgate/potsgate/provisioning/certstore"
)

// HTTPS parameters of the web management and status pages, as the device
// names them. The certificate is the device's (TLSCertFileUrl,
// TLSPkeyFileUrl, see provisioning/certstore). They apply live: HTTPSOnly
// and HTTPSRequireClientCertificate at the next request or connection,
// HTTPSPort when the host re-opens its listener.
const (
	// ParamHTTPSOnly: 1 = the pages only over HTTPS: plain HTTP is
	// redirected to HTTPS and HTTPS answers carry HSTS.
	ParamHTTPSOnly = "HTTPSOnly"
	// ParamHTTPSPort is the port of the HTTPS pages.
	ParamHTTPSPort = "HTTPSPort"
	// ParamHTTPSRequireClientCertificate: 1 = browsers must present a
	// certificate that chains to the trusted roots (TLSRootFileUrl).
	ParamHTTPSRequireClientCertificate = "HTTPSRequireClientCertificate"
)

// HSTSValue is the Strict-Transport-Security header sent over HTTPS when
// HTTPSOnly = 1: a year, and no includeSubDomains (the device is reached
// by address or its own name, not a domain's).
const HSTSValue = "max-age=31536000"

// HTTPSParams are the HTTPS parameters of the web pages.
func HTTPSParams() []provisioning.Param {
	return []provisioning.Param{
		{Name: ParamHTTPSOnly, Kind: provisioning.KindBool, Default: "0",
			Description: "1 = web pages over HTTPS only: plain HTTP is redirected to HTTPS, HTTPS answers carry HSTS"},
		{Name: ParamHTTPSPort, Kind: provisioning.KindInt, Min: 1, Max: 65535, Default: "443",
			Description: "TCP port of the HTTPS web pages (on the address of the HTTP ones)"},
		{Name: ParamHTTPSRequireClientCertificate, Kind: provisioning.KindBool, Default: "0",
			Description: "1 = the HTTPS web pages need a client certificate that chains to the TLSRootFileUrl roots"},
	}
}

// HTTPSOnly reports HTTPSOnly = 1.
func HTTPSOnly(c provisioning.Config) bool { return c.Bool(ParamHTTPSOnly) }

// HTTPSPort is the configured HTTPS port.
func HTTPSPort(c provisioning.Config) int { return int(c.Int(ParamHTTPSPort)) }

// HTTPSClientAuth is what the HTTPS pages ask of browsers.
func HTTPSClientAuth(c provisioning.Config) certstore.ClientAuth {
	if c.Bool(ParamHTTPSRequireClientCertificate) {
		return certstore.RequireClientCert
	}
	return certstore.NoClientCert
}

// HTTPSPolicy serves h on both the HTTP and the HTTPS listener of the web
// pages and applies HTTPSOnly at each request: over HTTPS it adds HSTS;
// over plain HTTP it redirects to the same path on HTTPS (301 for GET and
// HEAD, 308 otherwise so a form is not turned into a GET), at the port
// httpsPort returns. When HTTPSOnly = 1 and no HTTPS listener is up
// (httpsPort returns 0) plain HTTP gets 503 saying why: never the pages in
// clear text against the configuration.
func HTTPSPolicy(h http.Handler, config func() provisioning.Config, httpsPort func() int) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !HTTPSOnly(config()) {
			h.ServeHTTP(w, r)
			return
		}
		if r.TLS != nil {
			w.Header().Set("Strict-Transport-Security", HSTSValue)
			h.ServeHTTP(w, r)
			return
		}
		port := httpsPort()
		if port == 0 {
			http.Error(w, "HTTPSOnly = 1 but HTTPS is not served: install the device certificate and key "+
				"(TLSCertFileUrl and TLSPkeyFileUrl, or the -tls-cert and -tls-key flags)", http.StatusServiceUnavailable)
			return
		}
		host := r.Host
		if h, _, err := net.SplitHostPort(r.Host); err == nil {
			host = h
		}
		if host == "" {
			host = "localhost"
		}
		target := "https://" + host
		if port != 443 {
			target = "https://" + net.JoinHostPort(host, strconv.Itoa(port))
		}
		code := http.StatusMovedPermanently
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			code = http.StatusPermanentRedirect
		}
		http.Redirect(w, r, target+r.URL.RequestURI(), code)
	})
}
