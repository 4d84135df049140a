package gateway

import (
	"encoding/json"
	"html/template"
	"net/http"

	"github.com/potsgate/potsgate/provisioning"
	"github.com/potsgate/potsgate/provisioning/ini"
)

// StatusHandler serves the gateway's status pages, read-only: "/" a page
// for a browser (ports, registrations, calls, counters, active alarms),
// "/status" the same as JSON, "/ini" the running configuration as an
// ini file, secrets masked, and "/metrics" the counters for Prometheus
// (Metrics). config returns the running configuration.
// Serve it on loopback or behind authentication: it names the device's
// numbers and servers. AdminHandler serves the same pages behind a login,
// with the configuration and maintenance pages.
func (g *Gateway) StatusHandler(config func() provisioning.Config) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /status", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		_ = enc.Encode(g.Status())
	})
	mux.HandleFunc("GET /ini", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_ = ini.Write(w, config().Export())
	})
	mux.Handle("GET /metrics", NewMetrics(func() *Gateway { return g }).Handler())
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_ = statusPage.Execute(w, struct {
			Product, Version string
			Status
		}{ProductName, Version(), g.Status()})
	})
	return mux
}

// pageStyle is the pages' one stylesheet, inline: no other request.
const pageStyle = `<style>body{font-family:sans-serif;margin:2em;max-width:70em}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:.3em .8em;text-align:left}th{background:#f3f3f3}td.n{text-align:right;font-variant-numeric:tabular-nums}</style>`

// statusBody is the status content, shared by the open status page and
// the management interface's home page.
const statusBody = `{{define "statusBody"}}<p>SIP {{.SIP}}{{with .SAS}} &middot; SAS {{.Addr}}: {{.State}}, {{.Bindings}} bindings{{end}} &middot; {{.ActiveCalls}} active calls</p>
<h2>Ports</h2>
<table><tr><th>Port</th><th>Number</th><th>Type</th><th>Line</th><th>In call</th><th>Registration</th><th>Echo canceller</th><th>ERL dB</th><th>ERLE dB</th><th>Signalling</th><th>Media</th></tr>
{{range .Ports}}<tr><td>{{.Port}}</td><td>{{.Number}}</td><td>{{.Type}}</td><td>{{.State}}</td><td>{{if .InCall}}yes{{end}}</td><td>{{.Registration}}</td>{{with .Echo}}<td>{{.State}}</td><td>{{printf "%.1f" .ERL}}</td><td>{{printf "%.1f" .ERLE}}</td>{{else}}<td>off</td><td></td><td></td>{{end}}{{with .Call}}<td>{{.Transport}}{{if .SignallingEncrypted}} (encrypted){{else}} (clear){{end}}</td><td>{{if .MediaEncrypted}}SRTP {{.SRTPSuite}}{{else}}RTP (clear){{end}}</td>{{else}}<td></td><td></td>{{end}}</tr>
{{end}}</table>
<h2>Counters</h2>
<table>{{range $k, $v := .Counters}}<tr><th>{{$k}}</th><td class="n">{{$v}}</td></tr>{{end}}</table>
<h2>Active alarms</h2>
{{if .Alarms}}<table><tr><th>Source</th><th>Raised</th><th>Text</th></tr>
{{range .Alarms}}<tr><td>{{.Source}}</td><td>{{.Raised.Format "2006-01-02 15:04:05"}}</td><td>{{.Text}}</td></tr>
{{end}}</table>{{else}}<p>none</p>{{end}}
{{end}}`

var statusPage = template.Must(template.Must(template.New("status").Parse(`<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta http-equiv="refresh" content="5">
<title>{{.Product}} status</title>
` + pageStyle + `
</head><body>
<h1>{{.Product}} {{.Version}}</h1>
{{template "statusBody" .}}<p><a href="/status">JSON</a> &middot; <a href="/ini">configuration (ini)</a> &middot; <a href="/metrics">metrics</a></p>
</body></html>
`)).Parse(statusBody))
