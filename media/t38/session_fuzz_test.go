package t38

import (
	"net"
	"testing"
	"time"
)

// FuzzSessionReceive: any sequence of datagrams (split on 0xFE 0xFE)
// goes through the receiver without a panic, and every IFP packet it
// hands on decodes; the counters add up.
func FuzzSessionReceive(f *testing.F) {
	for _, seed := range [][]byte{
		{0, 0, 1, 0, 0, 0},
		{0, 0, 1, 0, 0, 0, 0xFE, 0xFE, 0, 2, 1, 0x06, 0, 2, 1, 0x04, 1, 0x02},
		{0, 5, 1, 0x06, 0x80, 1, 3, 1, 1, 0x06},
		{0xff, 0xff, 1, 0x06, 0, 0, 0xFE, 0xFE, 0, 0, 1, 0x06, 0, 0},
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		c, err := net.ListenPacket("udp", "127.0.0.1:0")
		if err != nil {
			t.Skip(err)
		}
		defer c.Close()
		s := &Session{conn: c, cfg: SessionConfig{ReorderWait: time.Millisecond, OnIFP: func(_ uint16, p *IFP) {
			if _, err := p.Marshal(); err != nil {
				t.Fatalf("handed on %v, which does not encode: %v", p, err)
			}
		}}}
		s.rx.init()
		now := time.Now()
		start := 0
		for i := 0; i <= len(b); i++ {
			if i == len(b) || i+1 < len(b) && b[i] == 0xFE && b[i+1] == 0xFE {
				s.take(b[start:i], now)
				now = now.Add(time.Millisecond)
				start = i + 2
				i++
			}
		}
		s.giveUp(now.Add(time.Second))
		st := s.Stats()
		if st.Recovered > st.Delivered || st.Delivered < 0 {
			t.Fatalf("%+v", st)
		}
	})
}
