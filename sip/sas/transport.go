package sas

import (
	"net"
	"strconv"
	"strings"

	"github.com/emiago/sipgo/sip"
)

// SAS over TCP and TLS. A request leaves on the transport its next hop
// asks for (a binding's or a Route's URI, a proxy's ";transport="), with
// a Via for that transport; when it came in on another, SAS
// record-routes twice (RFC 5658) so each side of the dialog reaches SAS
// on its own transport. A phone that registered over a stream is reached
// over that connection while it is open: a phone behind NAT accepts none.

// uriTransport is the transport a URI asks for: its transport parameter,
// TLS for sips:, UDP otherwise.
func uriTransport(u sip.Uri) string {
	if u.UriParams != nil {
		if v, ok := u.UriParams.Get("transport"); ok && v != "" {
			return strings.ToUpper(v)
		}
	}
	if u.Scheme == "sips" {
		return "TLS"
	}
	return "UDP"
}

// reliable reports a stream transport.
func reliable(tr string) bool { return tr == "TCP" || tr == "TLS" }

// flowKey names a binding's address for the flow table.
func flowKey(tr string, u sip.Uri) string {
	port := u.Port
	if port == 0 {
		port = 5060
		if tr == "TLS" {
			port = 5061
		}
	}
	return tr + "|" + net.JoinHostPort(u.Host, strconv.Itoa(port))
}

// rememberFlow records the connection a phone registered its contacts on.
func (s *Service) rememberFlow(req *sip.Request, list []*sip.ContactHeader) {
	tr := strings.ToUpper(req.Transport())
	if !reliable(tr) {
		return
	}
	for _, c := range list {
		s.flows.Store(flowKey(tr, c.Address), req.Source())
	}
}

// flowFor is the open connection to reach u on tr, or "".
func (s *Service) flowFor(tr string, u sip.Uri) string {
	v, ok := s.flows.Load(flowKey(tr, u))
	if !ok {
		return ""
	}
	src := v.(string)
	if c, err := s.ua.TransportLayer().GetConnection(strings.ToLower(tr), src); err == nil {
		_, _ = c.TryClose()
		return src
	}
	s.flows.Delete(flowKey(tr, u))
	return ""
}

// recordRoute is SAS's Record-Route entry for tr.
func (s *Service) recordRoute(tr string) *sip.RecordRouteHeader {
	u := sip.Uri{Scheme: "sip", Host: s.advHost, Port: s.ports[tr], UriParams: sip.HeaderParams{}}
	if tr != "UDP" {
		u.UriParams.Add("transport", strings.ToLower(tr))
	}
	u.UriParams.Add("lr", "")
	return &sip.RecordRouteHeader{Address: u}
}
