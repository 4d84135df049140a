package sdp

import (
	"errors"
	"fmt"
	"net/netip"
	"strings"

	"github.com/potsgate/potsgate/media/t38"
)

// T.38 fax relay in SDP (T.38 Annex D, RFC 3362): a media line
// "m=image PORT udptl t38" with the T38Fax* attributes media/t38 reads.

// T38 is the T.38 stream of a session: where to send UDPTL and the
// parameters agreed (the answer's).
type T38 struct {
	Remote netip.AddrPort
	Params t38.Params
}

// Enabled reports whether the call is on T.38.
func (t T38) Enabled() bool { return t.Remote.IsValid() }

// Errors of T.38 offers and answers.
var (
	// ErrNoT38 is an offer or answer without a usable T.38 stream.
	ErrNoT38 = errors.New("sdp: no T.38 stream")
	// ErrT38 wraps a T.38 stream whose attributes cannot be used (a bad
	// value, UDPTL without T38FaxRateManagement:transferredTCF).
	ErrT38 = errors.New("sdp: T.38 stream not acceptable")
)

// T38Index is the index of the first "m=image <port> udptl t38" line
// with a non-zero port, -1 when there is none.
func (s *Session) T38Index() int {
	for i := range s.Media {
		if isT38(&s.Media[i]) && s.Media[i].Port != 0 {
			return i
		}
	}
	return -1
}

func isT38(m *Media) bool {
	if m.Type != "image" || !strings.EqualFold(m.Proto, "udptl") {
		return false
	}
	for _, f := range m.Fmt {
		if strings.EqualFold(f, "t38") {
			return true
		}
	}
	return false
}

// T38Offer is our offer of T.38 alone: one image line on port with p.
func T38Offer(local netip.Addr, port int, version uint64, p t38.Params) *Session {
	return &Session{Version: version, Addr: local, Media: []Media{t38Media(port, p)}}
}

func t38Media(port int, p t38.Params) Media {
	return Media{Type: "image", Port: port, Proto: "udptl", Fmt: []string{"t38"}, Attributes: p.Attributes()}
}

// t38Params reads and checks a T.38 line's attributes.
func t38Params(m *Media) (t38.Params, error) {
	p, err := t38.ParseAttributes(m.Attributes)
	if err != nil {
		return t38.Params{}, fmt.Errorf("%w: %w", ErrT38, err)
	}
	// Over UDPTL the training check travels end to end (T.38 Annex D:
	// localTCF is for TCP); an offer saying otherwise cannot be relayed.
	if p.RateManagement == t38.LocalTCF {
		return t38.Params{}, fmt.Errorf("%w: T38FaxRateManagement:localTCF over UDPTL (want transferredTCF)", ErrT38)
	}
	return p, nil
}

// NegotiateT38 answers an offer's T.38 line with ours: the lower version
// and bit rate, transferredTCF, our buffer and datagram sizes, and the
// error correction we send (redundancy: an offer of FEC gets redundancy
// back, an offer without error correction none).
func NegotiateT38(offer *Session, ours t38.Params) (Choice, error) {
	i := offer.T38Index()
	if i < 0 {
		return Choice{}, ErrNoT38
	}
	m := &offer.Media[i]
	p, err := t38Params(m)
	if err != nil {
		return Choice{}, err
	}
	remote := offer.RemoteAddr(m)
	if !remote.Addr().IsValid() {
		return Choice{}, fmt.Errorf("%w: no c= address for the T.38 line", ErrT38)
	}
	ans := ours
	ans.Version = min(p.Version, ours.Version)
	if p.MaxBitRate > 0 && (ans.MaxBitRate == 0 || p.MaxBitRate < ans.MaxBitRate) {
		ans.MaxBitRate = p.MaxBitRate
	}
	ans.RateManagement = t38.TransferredTCF
	// MMR/JBIG transcoding and fill bit removal: we do none of them.
	ans.FillBitRemoval, ans.TranscodingMMR, ans.TranscodingJBIG = false, false, false
	if p.UDPEC == t38.ECNone {
		ans.UDPEC = t38.ECNone
	} else {
		ans.UDPEC = t38.ECRedundancy
	}
	return Choice{Media: i, Direction: SendRecv, T38: T38{Remote: remote, Params: ans}}, nil
}

// AnswerT38 is our answer to an offer for which NegotiateT38 chose c:
// the T.38 line on port, every other line refused (port 0).
func AnswerT38(offer *Session, c Choice, local netip.Addr, port int, version uint64) *Session {
	ans := &Session{Version: version, Addr: local}
	for i, m := range offer.Media {
		if i == c.Media {
			ans.Media = append(ans.Media, t38Media(port, c.T38.Params))
			continue
		}
		ans.Media = append(ans.Media, Media{Type: m.Type, Proto: m.Proto, Formats: m.Formats, Fmt: m.Fmt, Direction: Inactive})
	}
	return ans
}

// AcceptT38 reads the answer to our T.38 offer: the answer's T.38 line
// with a port, and attributes we can use. An answer that refuses the
// line (port 0) or keeps audio instead is ErrNoT38.
func AcceptT38(answer *Session) (Choice, error) {
	i := answer.T38Index()
	if i < 0 {
		return Choice{}, ErrNoT38
	}
	m := &answer.Media[i]
	p, err := t38Params(m)
	if err != nil {
		return Choice{}, err
	}
	remote := answer.RemoteAddr(m)
	if !remote.Addr().IsValid() {
		return Choice{}, fmt.Errorf("%w: no c= address for the T.38 line", ErrT38)
	}
	return Choice{Media: i, Direction: SendRecv, T38: T38{Remote: remote, Params: p}}, nil
}
