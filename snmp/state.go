package snmp

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// engineState is what StateFile holds.
type engineState struct {
	EngineID string `json:"engineID"` // hex
	Boots    uint32 `json:"boots"`
}

// ErrState wraps failures to read or write Config.StateFile.
var ErrState = errors.New("snmp: engine state")

// parseEngineID parses a hex engine ID ("0x8001869f04...", "80:01:...",
// "80 01 ..."), 5 to 32 bytes (RFC 3411 SnmpEngineID).
func parseEngineID(s string) ([]byte, error) {
	s = strings.TrimPrefix(strings.TrimPrefix(strings.TrimSpace(s), "0x"), "0X")
	s = strings.NewReplacer(" ", "", ":", "", "-", "").Replace(s)
	b, err := hex.DecodeString(s)
	if err != nil || len(b) < 5 || len(b) > 32 {
		return nil, fmt.Errorf("%w: EngineID %q must be 5..32 bytes of hex", ErrInvalidConfig, s)
	}
	return b, nil
}

// newEngineID builds an RFC 3411 engine ID under our enterprise number
// (99999, format 5: 8 random octets).
func newEngineID() []byte {
	id := []byte{0x80, 0x01, 0x86, 0x9f, 0x05, 0, 0, 0, 0, 0, 0, 0, 0}
	_, _ = rand.Read(id[5:])
	return id
}

// loadState returns the engine ID (configured, persisted or new) and this
// run's snmpEngineBoots, saving the incremented value first.
func loadState(path string, configured []byte) ([]byte, uint32, error) {
	if path == "" {
		if configured == nil {
			configured = newEngineID()
		}
		return configured, 1, nil
	}
	var st engineState
	b, err := os.ReadFile(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
	case err != nil:
		return nil, 0, fmt.Errorf("%w: %w", ErrState, err)
	default:
		if err := json.Unmarshal(b, &st); err != nil {
			return nil, 0, fmt.Errorf("%w: %s: %w", ErrState, path, err)
		}
	}
	id, _ := hex.DecodeString(st.EngineID)
	switch {
	case configured != nil && string(configured) != string(id):
		id, st.Boots = configured, 0 // a new engine ID starts a new count
	case len(id) < 5 || len(id) > 32:
		id, st.Boots = newEngineID(), 0
	}
	st.Boots++
	if st.Boots >= 1<<31-1 {
		st.Boots = 1<<31 - 1 // latched: RFC 3414 2.2.2
	}
	st.EngineID = hex.EncodeToString(id)
	out, _ := json.Marshal(st)
	tmp, err := os.CreateTemp(filepath.Dir(path), ".snmp-state-*")
	if err != nil {
		return nil, 0, fmt.Errorf("%w: %w", ErrState, err)
	}
	_, werr := tmp.Write(out)
	serr := tmp.Sync()
	cerr := tmp.Close()
	if err := errors.Join(werr, serr, cerr); err != nil {
		_ = os.Remove(tmp.Name())
		return nil, 0, fmt.Errorf("%w: %w", ErrState, err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		_ = os.Remove(tmp.Name())
		return nil, 0, fmt.Errorf("%w: %w", ErrState, err)
	}
	return id, st.Boots, nil
}
