package faxpeer

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"sync"
	"testing"
)

// T38Send starts a T.38 terminal (spandsp's t38_terminal, T.30 on it)
// that calls and sends file. o.Frame is its step of simulated time in
// samples (zero: 160, 20 ms).
func T38Send(t testing.TB, tool, file string, o Options) *Machine {
	return start(t, tool, "t38send", file, o)
}

// T38Receive starts a T.38 terminal that answers and writes what it
// receives to file.
func T38Receive(t testing.TB, tool, file string, o Options) *Machine {
	return start(t, tool, "t38receive", file, o)
}

// ReadIFP returns the IFP packets a T.38 terminal sent in its next step
// of simulated time (none is common); io.EOF once it has ended. Call
// ReadIFP and WriteIFP in turn, ReadIFP first.
func (m *Machine) ReadIFP() ([][]byte, error) {
	var pkts [][]byte
	var l [2]byte
	for {
		if _, err := io.ReadFull(m.out, l[:]); err != nil {
			if errors.Is(err, io.ErrUnexpectedEOF) {
				err = io.EOF
			}
			return pkts, err
		}
		n := int(binary.LittleEndian.Uint16(l[:]))
		if n == 0 {
			return pkts, nil
		}
		p := make([]byte, n)
		if _, err := io.ReadFull(m.out, p); err != nil {
			return pkts, fmt.Errorf("ifp packet cut short: %w", err)
		}
		pkts = append(pkts, p)
	}
}

// WriteIFP gives a T.38 terminal the packets it receives in this step,
// in sequence order, and lets it go on to its next step.
func (m *Machine) WriteIFP(pkts [][]byte) error {
	b := m.wbuf[:0]
	for _, p := range pkts {
		if len(p) == 0 || len(p) > 0xFFFF {
			return fmt.Errorf("ifp packet of %d octets", len(p))
		}
		b = binary.LittleEndian.AppendUint16(b, uint16(len(p)))
		b = append(b, p...)
	}
	b = binary.LittleEndian.AppendUint16(b, 0)
	_, err := m.in.Write(b)
	m.wbuf = b[:0]
	return err
}

// ConnectT38 relays IFP packets between two T.38 terminals, step by step,
// until both have ended, passing each packet to tap (nil: none). It
// returns both reports.
func ConnectT38(a, b *Machine, tap func(from *Machine, p []byte)) (Result, Result, error) {
	var wg sync.WaitGroup
	relay := func(from, to *Machine) {
		defer wg.Done()
		defer to.CloseInput()
		for {
			pkts, err := from.ReadIFP()
			if err != nil {
				return
			}
			if tap != nil {
				for _, p := range pkts {
					tap(from, p)
				}
			}
			if to.WriteIFP(pkts) != nil {
				_, _ = io.Copy(io.Discard, from.out)
				return
			}
		}
	}
	wg.Add(2)
	go relay(a, b)
	go relay(b, a)
	wg.Wait()
	ra, errA := a.Wait()
	rb, errB := b.Wait()
	return ra, rb, errors.Join(errA, errB)
}
