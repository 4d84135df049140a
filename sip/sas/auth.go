package sas

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/icholy/digest"
)

// Authentication errors; callers (and tests) branch on them with errors.Is.
var (
	// ErrAuthMissing: the request carries no credentials for the realm.
	ErrAuthMissing = errors.New("sas: credentials missing")
	// ErrAuthFailed: unknown user, wrong password or malformed credentials.
	ErrAuthFailed = errors.New("sas: credentials rejected")
	// ErrAuthStale: the nonce is ours but too old; the client may retry
	// with a fresh challenge.
	ErrAuthStale = errors.New("sas: nonce stale")
)

// nonceLifetime is how long an issued nonce is accepted.
const nonceLifetime = 5 * time.Minute

// authenticator issues stateless nonces (time + HMAC) and checks digest
// credentials (RFC 2617/7616 MD5 or SHA-256, qop=auth or none).
type authenticator struct {
	realm string
	users map[string]string
	key   [32]byte
}

func newAuthenticator(realm string, users map[string]string) (*authenticator, error) {
	a := &authenticator{realm: realm, users: users}
	if _, err := rand.Read(a.key[:]); err != nil {
		return nil, fmt.Errorf("sas: nonce key: %w", err)
	}
	return a, nil
}

func (a *authenticator) nonce(now time.Time) string {
	var ts [8]byte
	binary.BigEndian.PutUint64(ts[:], uint64(now.Unix()))
	m := hmac.New(sha256.New, a.key[:])
	m.Write(ts[:])
	return hex.EncodeToString(ts[:]) + hex.EncodeToString(m.Sum(nil)[:12])
}

// checkNonce returns nil, ErrAuthStale or ErrAuthFailed.
func (a *authenticator) checkNonce(n string, now time.Time) error {
	if len(n) != 16+24 {
		return ErrAuthFailed
	}
	ts, err := hex.DecodeString(n[:16])
	if err != nil {
		return ErrAuthFailed
	}
	mac, err := hex.DecodeString(n[16:])
	if err != nil {
		return ErrAuthFailed
	}
	m := hmac.New(sha256.New, a.key[:])
	m.Write(ts)
	if !hmac.Equal(mac, m.Sum(nil)[:12]) {
		return ErrAuthFailed
	}
	issued := time.Unix(int64(binary.BigEndian.Uint64(ts)), 0)
	if now.Sub(issued) > nonceLifetime || issued.Sub(now) > time.Minute {
		return ErrAuthStale
	}
	return nil
}

// challenge returns a WWW-Authenticate / Proxy-Authenticate value.
func (a *authenticator) challenge(now time.Time, stale bool) string {
	c := digest.Challenge{Realm: a.realm, Nonce: a.nonce(now), Algorithm: "MD5", QOP: []string{"auth"}, Stale: stale}
	return c.String()
}

// known reports whether user must authenticate.
func (a *authenticator) known(user string) bool {
	_, ok := a.users[user]
	return ok
}

// verify checks the credentials among headers (Authorization or
// Proxy-Authorization values) for method. It returns the authenticated user.
func (a *authenticator) verify(headers []string, method string, now time.Time) (string, error) {
	var cred *digest.Credentials
	for _, h := range headers {
		if len(h) > 2048 {
			return "", ErrAuthFailed
		}
		c, err := digest.ParseCredentials(h)
		if err != nil {
			return "", fmt.Errorf("%w: %v", ErrAuthFailed, err)
		}
		if c.Realm == a.realm {
			cred = c
			break
		}
	}
	if cred == nil {
		return "", ErrAuthMissing
	}
	if err := a.checkNonce(cred.Nonce, now); err != nil {
		return "", err
	}
	pw, ok := a.users[cred.Username]
	if !ok {
		return "", ErrAuthFailed
	}
	chal := &digest.Challenge{Realm: a.realm, Nonce: cred.Nonce, Algorithm: cred.Algorithm}
	if cred.QOP != "" {
		if !strings.EqualFold(cred.QOP, "auth") {
			return "", ErrAuthFailed
		}
		chal.QOP = []string{"auth"}
		if cred.Cnonce == "" || cred.Nc <= 0 {
			return "", ErrAuthFailed
		}
	}
	want, err := digest.Digest(chal, digest.Options{
		Method: method, URI: cred.URI, Username: cred.Username, Password: pw,
		Cnonce: cred.Cnonce, Count: cred.Nc,
	})
	if err != nil {
		return "", fmt.Errorf("%w: %v", ErrAuthFailed, err)
	}
	if subtle.ConstantTimeCompare([]byte(strings.ToLower(want.Response)), []byte(strings.ToLower(cred.Response))) != 1 {
		return "", ErrAuthFailed
	}
	return cred.Username, nil
}
