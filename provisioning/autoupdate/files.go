package autoupdate

import (
	"strconv"

	"github.com/potsgate/potsgate/provisioning"
)

// FileKind is the kind of file one URL parameter names.
type FileKind int

// File kinds in the order a cycle processes them.
const (
	FileIni FileKind = iota
	FileIniTemplate
	FileFirmware     // CmpFileURL: installed once
	FileAutoFirmware // AutoCmpFileUrl: checked every cycle when AutoUpdateCmpFile = 1
	FileCPT
	FileDialPlan
	FileUserInfo
	FileTLSRoot
	FileTLSCert
	FileTLSKey
	FileFXSCoeff
	FileFXOCoeff
	FilePRT
	numFileKinds
)

// LoadedAtStart reports whether a file of this kind is loaded into the
// device only when it starts (call progress tones and line coefficients go
// to the DSPs then), so installing one takes a restart.
func (k FileKind) LoadedAtStart() bool {
	return k == FileCPT || k == FileFXSCoeff || k == FileFXOCoeff
}

var fileKindParams = [numFileKinds]string{
	provisioning.ParamIniFileURL, provisioning.ParamIniFileTemplateURL,
	provisioning.ParamCmpFileURL, provisioning.ParamAutoCmpFileURL,
	provisioning.ParamCptFileURL, provisioning.ParamDialPlanFileURL,
	provisioning.ParamUserInfoFileURL, provisioning.ParamTLSRootFileURL,
	provisioning.ParamTLSCertFileURL, provisioning.ParamTLSPkeyFileURL,
	provisioning.ParamFXSCoeffFileURL, provisioning.ParamFXOCoeffFileURL,
	provisioning.ParamPrtFileURL,
}

var fileKindNames = [numFileKinds]string{
	"ini", "ini-template", "firmware", "auto-firmware", "cpt", "dial-plan",
	"user-info", "tls-root", "tls-cert", "tls-key", "fxs-coeff", "fxo-coeff", "prt",
}

// Param is the name of the URL parameter for this kind of file.
func (k FileKind) Param() string {
	if k < 0 || k >= numFileKinds {
		return ""
	}
	return fileKindParams[k]
}

func (k FileKind) String() string {
	if k < 0 || k >= numFileKinds {
		return "FileKind(" + strconv.Itoa(int(k)) + ")"
	}
	return fileKindNames[k]
}

// maxSize bounds a download, so a hostile server cannot exhaust memory.
func (k FileKind) maxSize() int64 {
	switch k {
	case FileFirmware, FileAutoFirmware:
		return 256 << 20
	case FileIni, FileIniTemplate:
		return 8 << 20
	}
	return 16 << 20
}

// Outcome is what one file's check came to.
type Outcome int

const (
	// Applied: downloaded, validated and handed to the host.
	Applied Outcome = iota
	// NotModified: the server answered 304 to If-Modified-Since.
	NotModified
	// Unchanged: downloaded, but the content (or firmware version) is what
	// is already running, so nothing was done.
	Unchanged
	// Failed: the download or the validation failed; see Err.
	Failed
)

func (o Outcome) String() string {
	switch o {
	case Applied:
		return "applied"
	case NotModified:
		return "not modified"
	case Unchanged:
		return "unchanged"
	case Failed:
		return "failed"
	}
	return "Outcome(" + strconv.Itoa(int(o)) + ")"
}
