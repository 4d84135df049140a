// Package autoupdate is the gateway's Automatic Update client: it fetches
// the configuration, firmware and auxiliary files named by the *FileURL
// parameters from HTTP(S) provisioning servers and hands what changed to the
// host.
//
// # A cycle
//
// [Updater.RunCycle] checks every configured URL once, in the device's order:
// the ini file, the template ini, firmware (CmpFileURL once, AutoCmpFileUrl
// every cycle when AutoUpdateCmpFile = 1), then the auxiliary files (call
// progress tones, dial plan, TLS files, ...). Each request carries a
// User-Agent built from AupdHttpUserAgent and If-Modified-Since with the time
// that URL was last downloaded; a 304 means nothing to do. Because some
// servers ignore If-Modified-Since, content is compared too: an ini by CRC
// (AUPDCheckIfIniChanged), other files by SHA-256, firmware also by version.
//
// A downloaded ini is validated as a whole against the registry before the
// host sees it: a malformed or invalid file is reported with its line
// numbers and the running configuration stays as it was. Firmware is
// validated (see [DecodeFirmware]) before it is staged. When anything needs
// it (ResetNow = 1, a restart-required parameter, staged firmware) the host
// is restarted once, after all files.
//
// The three TLS files (TLSRootFileUrl, TLSCertFileUrl, TLSPkeyFileUrl) go
// to a host that implements [TLSInstaller] as one set, after the last of
// them, so that a new certificate and its key are validated together and
// a set that does not validate is refused whole (see
// provisioning/certstore).
//
// # Triggers
//
// [Updater.Run] runs a cycle at start-up, then every AutoUpdateFrequency
// minutes and daily at AutoUpdatePredefinedTime plus a random delay, retrying
// after AUPDRetryTime when a cycle failed. [Updater.Trigger] asks for a cycle
// now; the SIP check-sync NOTIFY and SNMP handlers call it.
//
// # Results and state
//
// Every cycle produces a [Report] with one [FileResult] per file, passed to
// the [Observer]. URLs in results never carry passwords. What must survive a
// restart (last download time per URL, CRCs and hashes, which one-time
// firmware was installed) is kept in a JSON file in the state directory,
// replaced atomically.
package autoupdate
