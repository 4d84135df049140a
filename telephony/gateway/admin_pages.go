package gateway

import "html/template"

// The management pages: one layout, one content template per page, no
// script (the Content-Security-Policy allows none). Every form that
// changes something carries the session's CSRF token.

const adminLayout = `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">{{if .Refresh}}<meta http-equiv="refresh" content="5; url=/?auto=1">{{end}}
<title>{{.Product}} {{.Title}}</title>
` + pageStyle + `
<style>nav{margin-bottom:1em}nav form,form.inline{display:inline}.ok{border-left:4px solid #2a2;padding:.2em 1em}.err{border-left:4px solid #c22;padding:.2em 1em}pre{background:#f6f6f6;padding:1em;overflow:auto}label{margin-right:1em}</style>
</head><body>
<h1>{{.Product}} {{.Version}}</h1>
{{if .User}}<nav><a href="/">Status</a> &middot; <a href="/config">Configuration</a> &middot; <a href="/maintenance">Maintenance</a> &middot;
{{.User}} ({{.Privilege}}) <form method="post" action="/logout"><input type="hidden" name="csrf" value="{{.CSRF}}"><button>Log out</button></form></nav>{{end}}
{{with .Flash}}<div class="{{if .Err}}err{{else}}ok{{end}}"><p>{{.Text}}</p>{{if .Lines}}<ul>{{range .Lines}}<li><code>{{.}}</code></li>
{{end}}</ul>{{end}}</div>{{end}}
{{template "content" .}}
</body></html>
`

// adminPages are parsed once; templates are safe for concurrent use.
var adminPages = parseAdminPages(map[string]string{
	"login": `{{define "content"}}<h2>Log in</h2>
<form method="post" action="/login">
<p><label>User name <input name="username" autocomplete="username" required autofocus></label></p>
<p><label>Password <input type="password" name="password" autocomplete="current-password" required></label></p>
<p><button>Log in</button></p>
</form>{{end}}`,

	"status": `{{define "content"}}<p>Administrative state: {{.AdminState}}</p>
{{template "statusBody" .}}<p><a href="/status">JSON</a> &middot; <a href="/metrics">metrics</a></p>{{end}}`,

	"config": `{{define "content"}}<h2>Running configuration</h2>
<p>The parameters and tables that differ from their defaults; passwords and keys are shown as <code>*</code>.</p>
<pre>{{.Ini}}</pre>
<h2>Download</h2>
<p><a href="/config/download">Download the configuration</a> (passwords and keys masked). Uploaded back to this gateway, a masked value keeps the running one; it cannot restore a replaced or reset gateway.</p>
{{if .Admin}}<form method="post" action="/config/backup"><input type="hidden" name="csrf" value="{{.CSRF}}"><button>Download a backup, passwords included</button></form>
<p>The backup holds every password and key in clear (web accounts, SIP, SNMP, Automatic Update) so that it restores the gateway whole. Only admin accounts can download it, and every download is logged: keep it as safe as the gateway itself.</p>
<h2>Upload</h2>
<form method="post" action="/config/upload" enctype="multipart/form-data"><input type="hidden" name="csrf" value="{{.CSRF}}">
<p><input type="file" name="ini" accept=".ini,text/plain" required> <button>Upload and apply</button></p>
<p><label><input type="checkbox" name="allow_no_admin" value="1"> apply even if the file leaves no admin account</label></p>
</form>
<p>The file is checked whole first, as Automatic Update checks a downloaded one: a file with an invalid line changes nothing and its errors are listed here, line by line. A valid file is applied at once; parameters that need a restart restart the gateway. As with Automatic Update, with <code>SetDefaultOnIniFileProcess = 1</code> (the default) what the file leaves out returns to its default, the WebUsers table included: upload a whole configuration (the download above keeps the running passwords).</p>
{{else}}<p>Uploads and backups need an admin account.</p>{{end}}{{end}}`,

	"maintenance": `{{define "content"}}<h2>Administrative state: {{.AdminState}}</h2>
{{if .Admin}}<form method="post" action="/maintenance/lock"><input type="hidden" name="csrf" value="{{.CSRF}}">
<p><label><input type="radio" name="mode" value="graceful" checked> graceful: no new calls, those in progress go on {{if .Grace}}for at most {{.Grace}} s{{else}}until they end (GracefulLockTimeout = 0){{end}}</label></p>
<p><label><input type="radio" name="mode" value="immediate"> immediate: the calls in progress end now</label></p>
<p><button>Lock</button></p></form>
<form method="post" action="/maintenance/unlock"><input type="hidden" name="csrf" value="{{.CSRF}}"><p><button>Unlock</button></p></form>{{end}}
<h2>Ports</h2>
<table><tr><th>Port</th><th>Number</th><th>Type</th><th>Line</th><th>In call</th>{{if .Admin}}<th>Reset</th>{{end}}</tr>
{{range .Ports}}<tr><td>{{.Port}}</td><td>{{.Number}}</td><td>{{.Type}}</td><td>{{.State}}</td><td>{{if .InCall}}yes{{end}}</td>{{if $.Admin}}<td><form method="post" action="/maintenance/reset-port"><input type="hidden" name="csrf" value="{{$.CSRF}}"><input type="hidden" name="port" value="{{.Port}}"><button>Reset</button></form></td>{{end}}</tr>
{{end}}</table>
{{if .Admin}}<p>Reset ends the port's call, as a hang-up by the far end would (BYE for a SIP call; a port-to-port call is cut on both lines). An FXS line is idle once its phone is on hook.</p>
<h2>Restart</h2>
<form method="post" action="/maintenance/restart"><input type="hidden" name="csrf" value="{{.CSRF}}"><button>Restart&hellip;</button></form>
<p>The gateway starts again on its running configuration, the one the last upload or Automatic Update applied. Calls in progress end.</p>
<h2>Factory defaults</h2>
<form method="post" action="/maintenance/factory-defaults"><input type="hidden" name="csrf" value="{{.CSRF}}"><button>Restore factory defaults&hellip;</button></form>
{{else}}<p>Maintenance actions need an admin account.</p>{{end}}{{end}}`,

	"confirm": `{{define "content"}}<h2>Confirm</h2>
<p>{{.Confirm.Text}}</p>
<form method="post" action="/maintenance/{{.Confirm.Action}}"><input type="hidden" name="csrf" value="{{.CSRF}}"><input type="hidden" name="confirm" value="yes">
<button>Yes</button> <a href="/maintenance">No, back</a></form>{{end}}`,
})

func parseAdminPages(contents map[string]string) map[string]*template.Template {
	base := template.Must(template.Must(template.New("layout").Parse(adminLayout)).Parse(statusBody))
	pages := map[string]*template.Template{}
	for name, content := range contents {
		pages[name] = template.Must(template.Must(base.Clone()).Parse(content))
	}
	return pages
}
