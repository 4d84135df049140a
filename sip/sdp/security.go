package sdp

import (
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"

	"github.com/potsgate/potsgate/media/srtp"
)

// ErrSecurity is wrapped when the media security policy refuses an offer
// or an answer: a plain offer or answer while SRTP is mandatory, an
// RTP/SAVP offer we cannot key. The call is refused with 488 (an offer)
// or ended (an answer); never carried on in clear.
var ErrSecurity = errors.New("sdp: media security")

// Profiles of RFC 3551 and RFC 3711.
const (
	ProfileAVP  = "RTP/AVP"
	ProfileSAVP = "RTP/SAVP"
)

// SecurityMode is what the gateway does about SRTP (MediaSecurityBehaviour).
type SecurityMode int

const (
	// SecurityOff: no a=crypto offered; crypto in an RTP/AVP offer is
	// ignored, an RTP/SAVP offer refused.
	SecurityOff SecurityMode = iota
	// SecurityPreferable: our offers are RTP/AVP with a=crypto (best
	// effort: the answerer may take SRTP or plain RTP); an offer with
	// usable crypto is answered with SRTP, a plain one with plain RTP.
	SecurityPreferable
	// SecurityMandatory: our offers are RTP/SAVP; a plain offer is refused
	// and a plain answer ends the call.
	SecurityMandatory
)

func (m SecurityMode) String() string {
	switch m {
	case SecurityOff:
		return "off"
	case SecurityPreferable:
		return "preferable"
	case SecurityMandatory:
		return "mandatory"
	}
	return "SecurityMode(" + strconv.Itoa(int(m)) + ")"
}

// Security is the media security policy of the calls.
type Security struct {
	Mode SecurityMode
	// Suites are offered, and chosen from an offer, in this order; empty
	// means every suite media/srtp implements.
	Suites []srtp.Suite
	// Rand draws keys; nil is crypto/rand.
	Rand io.Reader
}

// SRTP is the SDES keying negotiated for a call; the zero value is plain
// RTP. It is comparable, so a renegotiation that keeps the keys is seen
// as no change.
type SRTP struct {
	Tag     int
	Profile string // the m= line's profile the keys were negotiated on
	// Send keys what we send (our a=crypto key), Receive what the far
	// end sends (its key).
	Send, Receive srtp.Keying
}

// Enabled reports whether the media is SRTP.
func (s SRTP) Enabled() bool { return !s.Send.IsZero() }

func (sec Security) suites() []srtp.Suite {
	if len(sec.Suites) == 0 {
		return []srtp.Suite{srtp.AES_CM_128_HMAC_SHA1_80, srtp.AES_CM_128_HMAC_SHA1_32, srtp.AES_256_CM_HMAC_SHA1_80, srtp.AES_256_CM_HMAC_SHA1_32}
	}
	return sec.Suites
}

func (sec Security) newKey(s srtp.Suite) (srtp.KeyParam, error) {
	r := sec.Rand
	if r == nil {
		r = rand.Reader
	}
	return srtp.NewKey(s, r)
}

func isSecureProfile(p string) bool {
	return strings.EqualFold(p, ProfileSAVP) || strings.EqualFold(p, "RTP/SAVPF")
}

// SecureOffer turns an offer's audio stream into an SRTP offer: one
// a=crypto line per suite, in our order, each with a fresh key, on
// RTP/SAVP when mandatory and RTP/AVP when preferable. Off leaves it.
func (sec Security) SecureOffer(offer *Session) error {
	m, ok := offer.Audio()
	if !ok || sec.Mode == SecurityOff {
		return nil
	}
	m.Crypto = m.Crypto[:0]
	for i, s := range sec.suites() {
		k, err := sec.newKey(s)
		if err != nil {
			return err
		}
		m.Crypto = append(m.Crypto, srtp.Crypto{Tag: i + 1, Suite: s, Keys: []srtp.KeyParam{k}})
	}
	m.Proto = ProfileAVP
	if sec.Mode == SecurityMandatory {
		m.Proto = ProfileSAVP
	}
	return nil
}

// Reoffer puts the call's current keying in a re-INVITE's offer (hold,
// resume): our key is kept, the far end may answer with a new one.
func Reoffer(offer *Session, cur SRTP) {
	m, ok := offer.Audio()
	if !ok || !cur.Enabled() {
		return
	}
	m.Proto = cur.Profile
	m.Crypto = []srtp.Crypto{cryptoLine(cur.Tag, cur.Send)}
}

func cryptoLine(tag int, k srtp.Keying) srtp.Crypto {
	kp := srtp.KeyParam{Key: []byte(k.Key)}
	if k.MKI != "" {
		for _, b := range []byte(k.MKI) {
			kp.MKI = kp.MKI<<8 | uint64(b)
		}
		kp.MKILen = len(k.MKI)
	}
	return srtp.Crypto{Tag: tag, Suite: k.Suite, Keys: []srtp.KeyParam{kp}}
}

// AnswerOffer applies the policy to an offer that Negotiate answered with
// c: it picks the first of our suites among the offer's usable a=crypto
// lines and draws our key, setting c.SRTP. cur is the call's keying so
// far (zero for a new call): when the far end re-offers the key it
// already uses, ours is kept too (a session refresh), otherwise a re-offer
// gets a fresh key of ours (rekeying). The error wraps ErrSecurity.
func (sec Security) AnswerOffer(offer *Session, c *Choice, cur SRTP) error {
	if c.Media < 0 || c.Media >= len(offer.Media) || offer.Media[c.Media].Type != "audio" {
		return ErrNoAudio
	}
	m := &offer.Media[c.Media]
	c.SRTP = SRTP{}
	secure := isSecureProfile(m.Proto)
	if sec.Mode == SecurityOff {
		if secure {
			return fmt.Errorf("%w: %s offered and media security is off", ErrSecurity, m.Proto)
		}
		return nil
	}
	var chosen *srtp.Crypto
	var why []string
	for _, s := range sec.suites() {
		for i := range m.Crypto {
			if m.Crypto[i].Suite == s && chosen == nil {
				if err := m.Crypto[i].Usable(); err != nil {
					why = append(why, fmt.Sprintf("tag %d: %v", m.Crypto[i].Tag, err))
					continue
				}
				chosen = &m.Crypto[i]
			}
		}
	}
	if chosen == nil {
		switch {
		case len(m.Crypto) == 0 && (secure || sec.Mode == SecurityMandatory):
			return fmt.Errorf("%w: %s offer without a=crypto and media security is %v", ErrSecurity, m.Proto, sec.Mode)
		case secure || sec.Mode == SecurityMandatory:
			return fmt.Errorf("%w: no offered a=crypto line we can use (we take %v): %s", ErrSecurity, sec.suites(), strings.Join(why, "; "))
		}
		return nil // preferable, a plain offer: plain RTP
	}
	rx := chosen.Keying()
	srtpc := SRTP{Tag: chosen.Tag, Profile: m.Proto, Receive: rx}
	if cur.Enabled() && cur.Receive == rx && cur.Send.Suite == rx.Suite {
		srtpc.Send = cur.Send
	} else {
		k, err := sec.newKey(rx.Suite)
		if err != nil {
			return err
		}
		srtpc.Send = srtp.Crypto{Suite: rx.Suite, Keys: []srtp.KeyParam{k}}.Keying()
	}
	c.SRTP = srtpc
	return nil
}

// AcceptAnswer applies the policy to the answer to our offer, which
// Accept read into c: the answer's a=crypto line must carry one of our
// tags with its suite. A plain answer to an offer of ours with crypto is
// plain RTP when preferable and an error wrapping ErrSecurity when
// mandatory.
func (sec Security) AcceptAnswer(offer, answer *Session, c *Choice) error {
	om, ok := offer.Audio()
	if !ok {
		return ErrNoAudio
	}
	am, ok := answer.Audio()
	if !ok {
		return ErrNoAudio
	}
	c.SRTP = SRTP{}
	if len(om.Crypto) == 0 {
		if isSecureProfile(am.Proto) {
			return fmt.Errorf("%w: %s answer to a plain offer", ErrSecurity, am.Proto)
		}
		return nil
	}
	for _, ac := range am.Crypto {
		i := slices.IndexFunc(om.Crypto, func(oc srtp.Crypto) bool { return oc.Tag == ac.Tag })
		if i < 0 {
			return fmt.Errorf("%w: answer a=crypto tag %d was not offered", ErrSecurity, ac.Tag)
		}
		if ac.Suite != om.Crypto[i].Suite {
			return fmt.Errorf("%w: answer a=crypto tag %d is %s, offered %s", ErrSecurity, ac.Tag, ac.SuiteName, om.Crypto[i].Suite)
		}
		if err := ac.Usable(); err != nil {
			return fmt.Errorf("%w: answer a=crypto tag %d: %w", ErrSecurity, ac.Tag, err)
		}
		c.SRTP = SRTP{Tag: ac.Tag, Profile: am.Proto, Send: om.Crypto[i].Keying(), Receive: ac.Keying()}
		return nil
	}
	if sec.Mode == SecurityMandatory || isSecureProfile(am.Proto) || isSecureProfile(om.Proto) {
		return fmt.Errorf("%w: the answer has no a=crypto line and SRTP is mandatory", ErrSecurity)
	}
	return nil
}

// Negotiate answers an offer under the policy: Negotiate and AnswerOffer
// on the audio stream to take. An offer may carry the same stream twice,
// RTP/SAVP and RTP/AVP (best-effort SRTP): unless security is off, the
// first audio line we can key is taken, whatever the order; the others
// are refused (port 0) in the answer.
func (sec Security) Negotiate(offer *Session, supported []Format, dtmf bool, cur SRTP) (Choice, error) {
	first := offer.audioIndex()
	if first < 0 {
		return Choice{}, ErrNoAudio
	}
	if sec.Mode != SecurityOff {
		for i := range offer.Media {
			m := &offer.Media[i]
			if m.Type != "audio" || m.Port == 0 || len(m.Crypto) == 0 {
				continue
			}
			c, err := negotiateMedia(offer, i, supported, dtmf)
			if err == nil && sec.AnswerOffer(offer, &c, cur) == nil && c.SRTP.Enabled() {
				return c, nil
			}
		}
	}
	// Otherwise the first line the policy accepts (a plain one when
	// security is off); the first line's error when none.
	var firstErr error
	for i := range offer.Media {
		m := &offer.Media[i]
		if m.Type != "audio" || m.Port == 0 {
			continue
		}
		c, err := negotiateMedia(offer, i, supported, dtmf)
		if err == nil {
			err = sec.AnswerOffer(offer, &c, cur)
		}
		if err == nil {
			return c, nil
		}
		if firstErr == nil {
			firstErr = err
		}
	}
	return Choice{}, firstErr
}
