package autoupdate

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
)

// Firmware image format (all integers big-endian):
//
//	offset  size  field
//	0       8     magic "PGFWIMG\x00"
//	8       2     header version, 1
//	10      2     header length in bytes, including magic and this field
//	12      1     product name length P (1..64)
//	13      P     product name, ASCII
//	13+P    1     software version length V (1..64)
//	14+P    V     software version, ASCII
//	14+P+V  8     payload length L
//	22+P+V  32    SHA-256 of the payload
//	54+P+V  L     payload
//
// The header length lets a later version add fields that version-1 readers
// skip; the image must end exactly after the payload.
const (
	firmwareMagic   = "PGFWIMG\x00"
	firmwareVersion = 1
	maxNameLen      = 64
)

// ErrBadFirmware is wrapped by every firmware validation error.
var ErrBadFirmware = errors.New("invalid firmware image")

// Firmware is a validated firmware image.
type Firmware struct {
	Product string
	Version string
	SHA256  [32]byte
	Payload []byte
}

// EncodeFirmware builds an image; vendors use it in their build pipeline.
func EncodeFirmware(product, version string, payload []byte) ([]byte, error) {
	if len(product) == 0 || len(product) > maxNameLen || len(version) == 0 || len(version) > maxNameLen {
		return nil, fmt.Errorf("%w: product and version must be 1..%d bytes", ErrBadFirmware, maxNameLen)
	}
	var b bytes.Buffer
	b.WriteString(firmwareMagic)
	hdrLen := 8 + 2 + 2 + 1 + len(product) + 1 + len(version) + 8 + 32
	binary.Write(&b, binary.BigEndian, uint16(firmwareVersion))
	binary.Write(&b, binary.BigEndian, uint16(hdrLen))
	b.WriteByte(byte(len(product)))
	b.WriteString(product)
	b.WriteByte(byte(len(version)))
	b.WriteString(version)
	binary.Write(&b, binary.BigEndian, uint64(len(payload)))
	sum := sha256.Sum256(payload)
	b.Write(sum[:])
	b.Write(payload)
	return b.Bytes(), nil
}

// DecodeFirmware validates an image: magic, header, lengths and the payload
// hash. The returned Payload aliases data.
func DecodeFirmware(data []byte) (*Firmware, error) {
	bad := func(format string, args ...any) error {
		return fmt.Errorf("%w: %s", ErrBadFirmware, fmt.Sprintf(format, args...))
	}
	if len(data) < 12 || string(data[:8]) != firmwareMagic {
		return nil, bad("no image magic")
	}
	if v := binary.BigEndian.Uint16(data[8:]); v != firmwareVersion {
		return nil, bad("header version %d not supported", v)
	}
	hdrLen := int(binary.BigEndian.Uint16(data[10:]))
	if hdrLen > len(data) || hdrLen < 12 {
		return nil, bad("header length %d out of range", hdrLen)
	}
	h := data[12:hdrLen]
	readName := func(what string) (string, error) {
		if len(h) < 1 || int(h[0]) == 0 || int(h[0]) > maxNameLen || len(h) < 1+int(h[0]) {
			return "", bad("bad %s field", what)
		}
		s := string(h[1 : 1+h[0]])
		h = h[1+h[0]:]
		return s, nil
	}
	fw := &Firmware{}
	var err error
	if fw.Product, err = readName("product"); err != nil {
		return nil, err
	}
	if fw.Version, err = readName("version"); err != nil {
		return nil, err
	}
	if len(h) < 40 {
		return nil, bad("header truncated")
	}
	n := binary.BigEndian.Uint64(h)
	copy(fw.SHA256[:], h[8:40])
	payload := data[hdrLen:]
	if uint64(len(payload)) != n {
		return nil, bad("payload is %d bytes, header says %d", len(payload), n)
	}
	if sha256.Sum256(payload) != fw.SHA256 {
		return nil, bad("payload SHA-256 mismatch")
	}
	fw.Payload = payload
	return fw, nil
}
