package srtp_test

import (
	"crypto/rand"
	"fmt"

	"github.com/pion/rtp"

	"github.com/potsgate/potsgate/media/srtp"
)

// Two ends key a call with SDES lines and exchange one packet.
func Example() {
	offerKey, _ := srtp.NewKey(srtp.AES_CM_128_HMAC_SHA1_80, rand.Reader)
	offer := srtp.Crypto{Tag: 1, Suite: srtp.AES_CM_128_HMAC_SHA1_80, Keys: []srtp.KeyParam{offerKey}}
	// The answerer reads the offered line and answers with its own key.
	line, err := srtp.ParseCrypto(offer.String())
	if err != nil || line.Usable() != nil {
		fmt.Println("offer refused:", err)
		return
	}
	answerKey, _ := srtp.NewKey(line.Suite, rand.Reader)
	answer := srtp.Crypto{Tag: line.Tag, Suite: line.Suite, Keys: []srtp.KeyParam{answerKey}}

	offerer, _ := srtp.NewContext(offer.Keying(), answer.Keying())
	answerer, _ := srtp.NewContext(answer.Keying(), line.Keying())

	pkt, _ := (&rtp.Packet{Header: rtp.Header{Version: 2, SSRC: 1, SequenceNumber: 1}, Payload: []byte("hello")}).Marshal()
	sent, _ := offerer.ProtectRTP(nil, pkt)
	tampered := append([]byte(nil), sent...)
	tampered[13] ^= 1
	_, err = answerer.UnprotectRTP(nil, tampered)
	fmt.Println(err)
	got, err := answerer.UnprotectRTP(nil, sent)
	fmt.Println(len(sent)-len(pkt), "bytes of tag;", err == nil && string(got[12:]) == "hello")
	_, err = answerer.UnprotectRTP(nil, sent)
	fmt.Println(err)
	// Output:
	// srtp: authentication failed
	// 10 bytes of tag; true
	// srtp: replayed packet
}
