package provisioning

// File URL parameters of the Automatic Update mechanism, in the order one
// cycle fetches them: configuration first, then firmware, then auxiliary
// files.
const (
	ParamIniFileURL         = "IniFileURL"
	ParamIniFileTemplateURL = "IniFileTemplateUrl"
	ParamCmpFileURL         = "CmpFileURL"
	ParamAutoCmpFileURL     = "AutoCmpFileUrl"
	ParamCptFileURL         = "CptFileUrl"
	ParamDialPlanFileURL    = "DialPlanFileUrl"
	ParamUserInfoFileURL    = "UserInfoFileUrl"
	ParamTLSRootFileURL     = "TLSRootFileUrl"
	ParamTLSCertFileURL     = "TLSCertFileUrl"
	ParamTLSPkeyFileURL     = "TLSPkeyFileUrl"
	ParamFXSCoeffFileURL    = "FXSCoeffFileUrl"
	ParamFXOCoeffFileURL    = "FXOCoeffFileUrl"
	ParamPrtFileURL         = "PrtFileUrl"

	ParamAutoUpdateFrequency            = "AutoUpdateFrequency"
	ParamAutoUpdatePredefinedTime       = "AutoUpdatePredefinedTime"
	ParamAutoUpdatePredefinedRandomTime = "AutoUpdatePredefinedRandomTime"
	ParamAutoUpdateCmpFile              = "AutoUpdateCmpFile"
	ParamAUPDCheckIfIniChanged          = "AUPDCheckIfIniChanged"
	ParamAUPDDigestUsername             = "AUPDDigestUsername"
	ParamAUPDDigestPassword             = "AUPDDigestPassword"
	ParamAUPDVerifyCertificates         = "AUPDVerifyCertificates"
	ParamAupdHTTPUserAgent              = "AupdHttpUserAgent"
	ParamAUPDRetryTime                  = "AUPDRetryTime"
	ParamEnableSIPRemoteReset           = "EnableSIPRemoteReset"
)

// DefaultUserAgent is the default AupdHttpUserAgent template: the vendor's
// form with our product name.
const DefaultUserAgent = "Mozilla/4.0 (compatible; potsgate; <NAME>;<VER>;<MAC>;<CONF>)"

// AutoUpdateParams returns the parameters of spec section 1, Automatic
// Update, plus the ini-processing parameters every configuration has.
func AutoUpdateParams() []Param {
	url := func(name, desc string) Param {
		return Param{Name: name, Kind: KindString, MaxLen: 255, Description: desc}
	}
	params := []Param{
		url(ParamIniFileURL, "URL of the ini file; <MAC> is replaced by the device MAC"),
		url(ParamIniFileTemplateURL, "URL of a second ini file applied after the first"),
		url(ParamCmpFileURL, "URL of a firmware image, downloaded once"),
		url(ParamAutoCmpFileURL, "URL of a firmware image, checked every cycle when AutoUpdateCmpFile = 1"),
		url(ParamCptFileURL, "URL of the call progress tones file"),
		url(ParamDialPlanFileURL, "URL of the dial plan file"),
		url(ParamUserInfoFileURL, "URL of the user information file"),
		url(ParamTLSRootFileURL, "URL of the trusted root certificates (PEM)"),
		url(ParamTLSCertFileURL, "URL of the device certificate (PEM)"),
		url(ParamTLSPkeyFileURL, "URL of the device private key (PEM)"),
		url(ParamFXSCoeffFileURL, "URL of the FXS coefficients file"),
		url(ParamFXOCoeffFileURL, "URL of the FXO coefficients file"),
		url(ParamPrtFileURL, "URL of the prerecorded tones file"),
		{Name: ParamAutoUpdateFrequency, Kind: KindInt, Min: 0, Max: 10080, Default: "0",
			Description: "minutes between periodic update cycles; 0 = off"},
		{Name: ParamAutoUpdatePredefinedTime, Kind: KindTimeOfDay,
			Description: "daily update time HH:MM (device local time); empty = off"},
		{Name: ParamAutoUpdatePredefinedRandomTime, Kind: KindInt, Min: 0, Max: 86400, Default: "0",
			Description: "random delay in seconds, up to this value, added to the daily time"},
		{Name: ParamAutoUpdateCmpFile, Kind: KindBool, Default: "0",
			Description: "1 = include AutoCmpFileUrl firmware in automatic updates"},
		{Name: ParamAUPDCheckIfIniChanged, Kind: KindEnum, Default: "1",
			Enum:        []EnumValue{{0, "always process"}, {1, "CRC of the whole file"}, {2, "CRC per line, order-insensitive"}},
			Description: "skip an ini whose content has not changed since it was last applied"},
		{Name: ParamAUPDDigestUsername, Kind: KindString, MaxLen: 64,
			Description: "user name for HTTP Digest authentication"},
		{Name: ParamAUPDDigestPassword, Kind: KindString, MaxLen: 64, Secret: true,
			Description: "password for HTTP Digest authentication"},
		{Name: ParamAUPDVerifyCertificates, Kind: KindBool, Default: "1",
			Description: "1 = verify the HTTPS server certificate against the trusted roots"},
		{Name: ParamAupdHTTPUserAgent, Kind: KindString, MaxLen: 511, Default: DefaultUserAgent,
			Description: "User-Agent template; tags <NAME>, <VER>, <MAC>, <CONF>"},
		{Name: ParamAUPDRetryTime, Kind: KindInt, Min: 1, Max: 86400, Default: "60",
			Description: "seconds before retrying after a failed download"},
	}
	// The device's way back to its provisioning server survives a file that
	// does not mention it (SetDefaultOnIniFileProcess resets the rest).
	for i := range params {
		params[i].KeepOnReset = true
	}
	return append(params,
		Param{Name: ParamEnableSIPRemoteReset, Kind: KindBool, Default: "0",
			Description: "1 = honour SIP NOTIFY check-sync from the proxy or registrar"},
		Param{Name: ParamSetDefaultOnIniFileProcess, Kind: KindBool, Default: "1",
			Description: "1 = parameters missing from a loaded ini return to their defaults"},
		Param{Name: ParamINIFileVersion, Kind: KindString, MaxLen: 64,
			Description: "configuration version, reported in the User-Agent as <CONF>"},
		Param{Name: ParamResetNow, Kind: KindBool, Default: "0", Action: true,
			Description: "1 inside an ini = restart after processing it"},
	)
}
