package faxrelay

import "github.com/potsgate/potsgate/media/t38"

// The queue between ReceiveIFP and Audio: fixed slots, so that neither
// allocates (about 80 KB a gateway). A packet larger than a slot is
// dropped and counted: no T.38 sender puts more than an ECM frame (260
// octets) in a packet. 128 packets are seconds of a fax's traffic: more
// between two 10 ms frames is a flood.
const (
	inSlots   = 128
	maxFields = 8
	slotData  = 600
)

type inPacket struct {
	isData bool
	ind    t38.Indicator
	dt     t38.DataType
	n      int
	ft     [maxFields]t38.FieldType
	end    [maxFields]int // field i is data[end[i-1]:end[i]]
	data   [slotData]byte
}

func (p *inPacket) field(i int) []byte {
	a := 0
	if i > 0 {
		a = p.end[i-1]
	}
	return p.data[a:p.end[i]]
}

// ReceiveIFP takes a packet from the network, in sequence order (the
// UDPTL layer recovers losses); any goroutine. It copies what it keeps:
// Audio acts on it at its next frame.
func (g *Gateway) ReceiveIFP(p *t38.IFP) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.recv++
	if p == nil || !valid(p) || g.inN == inSlots {
		g.recvBad++
		return
	}
	s := &g.inq[(g.inHd+g.inN)%inSlots]
	s.isData, s.ind, s.dt, s.n = p.IsData, p.Indicator, p.DataType, len(p.Fields)
	at := 0
	for i, f := range p.Fields {
		s.ft[i] = f.Type
		at += copy(s.data[at:], f.Data)
		s.end[i] = at
	}
	g.inN++
}

// valid: a packet the gateway can act on and that fits a slot.
func valid(p *t38.IFP) bool {
	if !p.IsData {
		return p.Indicator <= t38.V17_14400LongTraining && len(p.Fields) == 0
	}
	if p.DataType > t38.V17_14400 || len(p.Fields) > maxFields {
		return false
	}
	n := 0
	for _, f := range p.Fields {
		if f.Type > t38.T4NonECMSigEnd {
			return false
		}
		n += len(f.Data)
	}
	return n <= slotData
}

// drain hands the queued packets to the transmit side, in order. A slot
// stays in the queue while it is read, so ReceiveIFP does not reuse it.
func (g *Gateway) drain() {
	g.mu.Lock()
	n := g.inN
	g.mu.Unlock()
	for ; n > 0; n-- {
		g.tx.packet(&g.inq[g.inHd])
		g.mu.Lock()
		g.inHd = (g.inHd + 1) % inSlots
		g.inN--
		g.mu.Unlock()
	}
}
