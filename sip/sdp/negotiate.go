package sdp

import (
	"errors"
	"net/netip"
	"strings"
	"time"

	"github.com/potsgate/potsgate/media/srtp"
)

// ErrNoCommonCodec is returned when an offer has no format we support: the
// call is refused with 488 Not Acceptable Here.
var ErrNoCommonCodec = errors.New("sdp: no common codec")

// ErrNoAudio is returned for an offer without an audio stream.
var ErrNoAudio = errors.New("sdp: no audio stream")

// TelephoneEvent is the RFC 4733 format name.
const TelephoneEvent = "telephone-event"

// Choice is the outcome of an offer/answer exchange for the audio stream.
type Choice struct {
	Codec     Format // the voice format both sides use
	DTMF      Format // telephone-event, PayloadType 0 when not negotiated
	Remote    netip.AddrPort
	Direction Direction // our direction
	// PacketTime is the remote's a=ptime (0 = not given).
	PacketTime time.Duration
	// SRTP is the SDES keying (Security.AnswerOffer, AcceptAnswer); zero
	// for plain RTP.
	SRTP SRTP
	// Media is the index of the offer's m= line answered.
	Media int
	// T38, when set (Enabled), is a fax call on T.38 (m=image udptl
	// t38) instead of audio: Codec, DTMF and Remote are then unset.
	T38 T38
}

// HasDTMF reports whether RFC 4733 events were negotiated.
func (c Choice) HasDTMF() bool { return c.DTMF.Name != "" }

// Negotiate answers an offer: the first offered format that is in
// supported (compared by name and clock rate, the offer's order wins), and
// telephone-event if offered and wanted. supported lists our formats in
// preference order; their payload types matter only for our own offers.
// It answers the first audio stream.
func Negotiate(offer *Session, supported []Format, dtmf bool) (Choice, error) {
	i := offer.audioIndex()
	if i < 0 {
		return Choice{}, ErrNoAudio
	}
	return negotiateMedia(offer, i, supported, dtmf)
}

// audioIndex is the index of the first audio stream with a non-zero port.
func (s *Session) audioIndex() int {
	for i := range s.Media {
		if s.Media[i].Type == "audio" && s.Media[i].Port != 0 {
			return i
		}
	}
	return -1
}

// negotiateMedia answers the offer's m= line i.
func negotiateMedia(offer *Session, i int, supported []Format, dtmf bool) (Choice, error) {
	m := &offer.Media[i]
	c := Choice{Remote: offer.RemoteAddr(m), Direction: m.Direction.Reverse(), PacketTime: m.PacketTime, Media: i}
	for _, f := range m.Formats {
		if strings.EqualFold(f.Name, TelephoneEvent) && f.ClockRate == 8000 {
			if dtmf && !c.HasDTMF() {
				c.DTMF = f
			}
			continue
		}
		if c.Codec.Name != "" {
			continue
		}
		for _, s := range supported {
			if strings.EqualFold(f.Name, s.Name) && f.ClockRate == s.ClockRate && paramsCompatible(f, s) {
				c.Codec = f
				c.Codec.Name = s.Name
				c.Codec.Params = negotiatedParams(f, s)
				break
			}
		}
	}
	if c.Codec.Name == "" {
		return Choice{}, ErrNoCommonCodec
	}
	return c, nil
}

// paramsCompatible leaves room for codecs whose fmtp must agree; G.711
// has no fmtp and G.729's annexb is settled by negotiatedParams.
func paramsCompatible(offered, ours Format) bool { return true }

// negotiatedParams is the fmtp of the chosen format. For G.729 it is the
// annexb both sides can use: Annex B (VAD, DTX, SID) only when neither
// says annexb=no, absence meaning yes (RFC 4856 section 2.1.9, RFC 3551
// section 4.5.6); the answer states it explicitly. Other formats keep the
// offered fmtp.
func negotiatedParams(offered, ours Format) string {
	if !strings.EqualFold(ours.Name, "G729") {
		return offered.Params
	}
	if AnnexB(offered) && AnnexB(ours) {
		return "annexb=yes"
	}
	return "annexb=no"
}

// AnnexB reports whether a G.729 format's fmtp allows Annex B: true unless
// it says annexb=no (RFC 4856: yes is the default).
func AnnexB(f Format) bool {
	for _, p := range strings.Split(f.Params, ";") {
		k, v, _ := strings.Cut(strings.TrimSpace(p), "=")
		if strings.EqualFold(strings.TrimSpace(k), "annexb") {
			return !strings.EqualFold(strings.TrimSpace(v), "no")
		}
	}
	return true
}

// Answer is our answer to an offer for which Negotiate chose c.
func Answer(offer *Session, c Choice, local netip.Addr, port int, version uint64, ptime time.Duration) *Session {
	ans := &Session{Version: version, Addr: local}
	for i, m := range offer.Media {
		am := Media{Type: m.Type, Proto: m.Proto, Direction: Inactive}
		if i == c.Media && m.Type == "audio" && m.Port != 0 {
			am.Port = port
			am.Formats = []Format{c.Codec}
			if c.HasDTMF() {
				am.Formats = append(am.Formats, c.DTMF)
			}
			am.Direction = c.Direction
			am.PacketTime = ptime
			if c.SRTP.Enabled() {
				am.Crypto = []srtp.Crypto{cryptoLine(c.SRTP.Tag, c.SRTP.Send)}
			}
		} else {
			// Streams we do not take are refused with port 0 and keep the
			// offer's formats, as RFC 3264 section 6 asks.
			am.Formats = m.Formats
		}
		ans.Media = append(ans.Media, am)
	}
	return ans
}

// Offer is our offer: one audio stream with formats in preference order and
// telephone-event when dtmfPT is not 0.
func Offer(local netip.Addr, port int, version uint64, formats []Format, dtmfPT uint8, ptime time.Duration, dir Direction) *Session {
	m := Media{Type: "audio", Port: port, Proto: "RTP/AVP", Formats: append([]Format(nil), formats...), Direction: dir, PacketTime: ptime}
	if dtmfPT != 0 {
		m.Formats = append(m.Formats, Format{PayloadType: dtmfPT, Name: TelephoneEvent, ClockRate: 8000, Params: "0-15"})
	}
	return &Session{Version: version, Addr: local, Media: []Media{m}}
}

// Accept reads the answer to our offer: the answer's first format is the
// one to use (it must be one we offered).
func Accept(offer, answer *Session) (Choice, error) {
	am, ok := answer.Audio()
	if !ok {
		return Choice{}, ErrNoAudio
	}
	om, ok := offer.Audio()
	if !ok {
		return Choice{}, ErrNoAudio
	}
	ours := make([]Format, 0, len(om.Formats))
	for _, f := range om.Formats {
		if !strings.EqualFold(f.Name, TelephoneEvent) {
			ours = append(ours, f)
		}
	}
	hasDTMF := formatIndexByName(om, TelephoneEvent) >= 0
	c, err := Negotiate(answer, ours, hasDTMF)
	if err != nil {
		return Choice{}, err
	}
	c.Direction = am.Direction.Reverse()
	return c, nil
}

func formatIndexByName(m *Media, name string) int {
	for i, f := range m.Formats {
		if strings.EqualFold(f.Name, name) {
			return i
		}
	}
	return -1
}
