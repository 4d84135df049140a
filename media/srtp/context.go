package srtp

import (
	"errors"
	"fmt"

	"github.com/pion/rtcp"
	"github.com/pion/rtp"
	pionsrtp "github.com/pion/srtp/v3"
	"github.com/pion/transport/v5/replaydetector"
)

// Errors of Unprotect, for counting.
var (
	ErrAuth      = errors.New("srtp: authentication failed")
	ErrReplay    = errors.New("srtp: replayed packet")
	ErrMalformed = errors.New("srtp: malformed packet")
	ErrKeying    = errors.New("srtp: invalid keying")
)

// ReplayWindow is the replay protection window, in packets.
const ReplayWindow = 128

// Largest SRTP index (48 bits) and SRTCP index (31 bits).
const (
	maxSRTPIndex  = 1<<48 - 1
	maxSRTCPIndex = 1<<31 - 1
)

// Keying is one direction's keys: the suite, the master key followed by
// the master salt, and the MKI (empty for none), held in strings so that
// the value is comparable.
type Keying struct {
	Suite Suite
	Key   string
	MKI   string
}

// IsZero reports a keying that turns SRTP off.
func (k Keying) IsZero() bool { return k.Suite == SuiteUnknown }

// check verifies lengths before pion sees them.
func (k Keying) check() error {
	if k.Suite.KeyLen() == 0 {
		return fmt.Errorf("%w: suite %v", ErrKeying, k.Suite)
	}
	if len(k.Key) != k.Suite.KeyLen()+k.Suite.SaltLen() {
		return fmt.Errorf("%w: %d bytes of key and salt for %v", ErrKeying, len(k.Key), k.Suite)
	}
	if len(k.MKI) > 4 {
		return fmt.Errorf("%w: MKI of %d bytes", ErrKeying, len(k.MKI))
	}
	return nil
}

// replayFlag wraps pion's replay window to remember that the last check
// refused a packet: pion's error for it is not exported.
type replayFlag struct {
	replaydetector.ReplayDetector
	ca       replaydetector.CheckAccepter
	rejected *bool
}

func (r *replayFlag) CheckSeq(seq uint64) replaydetector.Token {
	t := r.ca.CheckSeq(seq)
	if !t.Passed() {
		*r.rejected = true
	}
	return t
}

func (r *replayFlag) Accept(t replaydetector.Token) bool { return r.ca.Accept(t) }

// direction is one pion context and the flag its replay windows set.
type direction struct {
	keying   Keying
	ctx      *pionsrtp.Context
	replayed *bool
}

func newDirection(k Keying, receive bool) (*direction, error) {
	if err := k.check(); err != nil {
		return nil, err
	}
	d := &direction{keying: k, replayed: new(bool)}
	opts := []pionsrtp.ContextOption{}
	if k.MKI != "" {
		opts = append(opts, pionsrtp.MasterKeyIndicator([]byte(k.MKI)))
	}
	if receive {
		flag := d.replayed
		factory := func(max uint64) func() replaydetector.ReplayDetector {
			return func() replaydetector.ReplayDetector {
				rd := replaydetector.New(ReplayWindow, max)
				return &replayFlag{ReplayDetector: rd, ca: rd.(replaydetector.CheckAccepter), rejected: flag}
			}
		}
		opts = append(opts, pionsrtp.SRTPReplayDetectorFactory(factory(maxSRTPIndex)),
			pionsrtp.SRTCPReplayDetectorFactory(factory(maxSRTCPIndex)))
	}
	n := k.Suite.KeyLen()
	key := []byte(k.Key)
	ctx, err := pionsrtp.CreateContext(key[:n], key[n:], k.Suite.profile(), opts...)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrKeying, err)
	}
	d.ctx = ctx
	return d, nil
}

// Context is the SRTP and SRTCP state of one session: a sending and a
// receiving direction. It is not safe for concurrent use: the session
// calls it under its own lock.
type Context struct {
	tx, rx, rxPrev *direction
	hdr            rtp.Header
	rtcpHdr        rtcp.Header
}

// NewContext keys a session: tx protects what we send, rx checks what we
// receive.
func NewContext(tx, rx Keying) (*Context, error) {
	c := &Context{}
	if err := c.Rekey(tx, rx); err != nil {
		return nil, err
	}
	return c, nil
}

// Keys returns the keyings in use.
func (c *Context) Keys() (tx, rx Keying) { return c.tx.keying, c.rx.keying }

// Rekey replaces the keys that changed. A direction whose keying is
// unchanged keeps its state (rollover counter, replay window). The
// previous receiving key stays usable until a packet authenticates under
// the new one.
func (c *Context) Rekey(tx, rx Keying) error {
	var ntx, nrx *direction
	var err error
	if c.tx == nil || c.tx.keying != tx {
		if ntx, err = newDirection(tx, false); err != nil {
			return fmt.Errorf("sending key: %w", err)
		}
	}
	if c.rx == nil || c.rx.keying != rx {
		if nrx, err = newDirection(rx, true); err != nil {
			return fmt.Errorf("receiving key: %w", err)
		}
	}
	if ntx != nil {
		c.tx = ntx
	}
	if nrx != nil {
		c.rxPrev, c.rx = c.rx, nrx
	}
	return nil
}

// ProtectRTP encrypts and authenticates the RTP packet pkt into dst
// (grown if its capacity is short by the tag and MKI) and returns it.
func (c *Context) ProtectRTP(dst, pkt []byte) ([]byte, error) {
	out, err := c.tx.ctx.EncryptRTP(dst, pkt, &c.hdr)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrMalformed, err)
	}
	return out, nil
}

// ProtectRTCP encrypts and authenticates a compound RTCP packet.
func (c *Context) ProtectRTCP(dst, pkt []byte) ([]byte, error) {
	out, err := c.tx.ctx.EncryptRTCP(dst, pkt, &c.rtcpHdr)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrMalformed, err)
	}
	return out, nil
}

// UnprotectRTP authenticates and decrypts the SRTP packet pkt into dst and
// returns the plain RTP packet. The error wraps ErrAuth, ErrReplay or
// ErrMalformed.
func (c *Context) UnprotectRTP(dst, pkt []byte) ([]byte, error) {
	out, err := c.unprotect(c.rx, dst, pkt, false)
	if err != nil && c.rxPrev != nil && !errors.Is(err, ErrMalformed) {
		if out2, err2 := c.unprotect(c.rxPrev, dst, pkt, false); err2 == nil {
			return out2, nil
		}
	}
	if err == nil {
		c.rxPrev = nil
	}
	return out, err
}

// UnprotectRTCP is UnprotectRTP for SRTCP.
func (c *Context) UnprotectRTCP(dst, pkt []byte) ([]byte, error) {
	out, err := c.unprotect(c.rx, dst, pkt, true)
	if err != nil && c.rxPrev != nil && !errors.Is(err, ErrMalformed) {
		if out2, err2 := c.unprotect(c.rxPrev, dst, pkt, true); err2 == nil {
			return out2, nil
		}
	}
	return out, err
}

func (c *Context) unprotect(d *direction, dst, pkt []byte, isRTCP bool) ([]byte, error) {
	*d.replayed = false
	var out []byte
	var err error
	if isRTCP {
		out, err = d.ctx.DecryptRTCP(dst, pkt, &c.rtcpHdr)
	} else {
		out, err = d.ctx.DecryptRTP(dst, pkt, &c.hdr)
	}
	switch {
	case err == nil:
		return out, nil
	case *d.replayed:
		return nil, ErrReplay
	case errors.Is(err, pionsrtp.ErrFailedToVerifyAuthTag), errors.Is(err, pionsrtp.ErrMKINotFound):
		return nil, ErrAuth
	}
	return nil, ErrMalformed
}
