package autoupdate

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"
)

const stateFile = "autoupdate.json"

// urlState is what is remembered about one URL. URLs are stored only as a
// hash, so credentials in userinfo never reach the disk.
type urlState struct {
	LastDownload time.Time `json:"last_download,omitzero"`
	CRC          uint32    `json:"crc,omitempty"`
	Applied      bool      `json:"applied,omitempty"` // CRC is of an ini that was applied
	SHA256       string    `json:"sha256,omitempty"`
	// Done marks a one-time firmware URL (CmpFileURL) as installed.
	Done bool `json:"done,omitempty"`
}

type state struct {
	Version int `json:"version"`
	// ConfigVersion is INIFileVersion of the last ini applied, so a restart
	// still reports which configuration is running.
	ConfigVersion string               `json:"config_version,omitempty"`
	URLs          map[string]*urlState `json:"urls"`
}

func urlKey(kind FileKind, rawURL string) string {
	sum := sha256.Sum256([]byte(kind.Param() + "\x00" + rawURL))
	return hex.EncodeToString(sum[:16])
}

func (s *state) get(kind FileKind, rawURL string) *urlState {
	k := urlKey(kind, rawURL)
	if s.URLs[k] == nil {
		s.URLs[k] = &urlState{}
	}
	return s.URLs[k]
}

func loadState(dir string) (*state, error) {
	s := &state{Version: 1, URLs: map[string]*urlState{}}
	if dir == "" {
		return s, nil
	}
	b, err := os.ReadFile(filepath.Join(dir, stateFile))
	if errors.Is(err, fs.ErrNotExist) {
		return s, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read update state: %w", err)
	}
	if err := json.Unmarshal(b, s); err != nil {
		return nil, fmt.Errorf("update state %s is corrupt: %w", filepath.Join(dir, stateFile), err)
	}
	if s.URLs == nil {
		s.URLs = map[string]*urlState{}
	}
	return s, nil
}

// save writes the state atomically: a crash leaves the old or the new file,
// never a torn one.
func (s *state) save(dir string) error {
	if dir == "" {
		return nil
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("save update state: %w", err)
	}
	b, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return err
	}
	return writeFileAtomic(filepath.Join(dir, stateFile), b)
}

func writeFileAtomic(path string, data []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	defer os.Remove(tmp.Name()) // no-op after the rename
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if d, err := os.Open(filepath.Dir(path)); err == nil {
		_ = d.Sync()
		d.Close()
	}
	return nil
}
