package gateway

import (
	"bytes"
	"fmt"
	"os"
	"slices"

	"github.com/potsgate/potsgate/media/tone"
	"github.com/potsgate/potsgate/provisioning"
)

// ParamCallProgressTonesFilename names the call progress tones file (the
// text source of the device's CPT file) loaded at start.
const ParamCallProgressTonesFilename = "CallProgressTonesFilename"

// TonesParams are the call progress tone parameters.
func TonesParams() []provisioning.Param {
	return []provisioning.Param{{Name: ParamCallProgressTonesFilename, Kind: provisioning.KindString, MaxLen: 255, RestartRequired: true,
		Description: "call progress tones file loaded at start (text CPT format); empty = the one installed from CptFileUrl, else the country's tones"}}
}

// ParseTones checks a call progress tones file (CptFileUrl's download, say)
// and returns its definitions.
func ParseTones(text []byte) ([]tone.Definition, error) {
	defs, err := tone.ParseCPT(bytes.NewReader(text))
	if err != nil {
		return nil, err
	}
	if len(defs) == 0 {
		return nil, fmt.Errorf("%w: no tone defined", tone.ErrCPT)
	}
	return defs, nil
}

// Tones returns the tones the gateway plays: those of the file named by
// CallProgressTonesFilename, or else of installed (the file CptFileUrl
// brought; "" or absent = none), in front of the country's preset, so a
// file that defines only some tones keeps the preset's others.
func Tones(c provisioning.Config, country, installed string) (tone.Set, error) {
	set, err := tone.Country(country)
	if err != nil {
		return tone.Set{}, err
	}
	path := c.String(ParamCallProgressTonesFilename)
	if path == "" && installed != "" {
		if _, err := os.Stat(installed); err == nil {
			path = installed
		}
	}
	if path == "" {
		return set, nil
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return tone.Set{}, fmt.Errorf("call progress tones: %w", err)
	}
	defs, err := ParseTones(b)
	if err != nil {
		return tone.Set{}, fmt.Errorf("call progress tones %s: %w", path, err)
	}
	set.Tones = append(slices.Clone(defs), set.Tones...)
	return set, nil
}
