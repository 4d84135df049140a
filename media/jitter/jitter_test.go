package jitter

import (
	"math/rand/v2"
	"slices"
	"testing"
	"time"
)

// arrival is one packet the network delivers at time at.
type arrival struct {
	at time.Duration
	p  Packet
}

// stream makes n packets of ptime from seq/ts, sent at i*ptime and
// delivered after delay(i) (negative = lost).
func stream(n int, ptime time.Duration, seq uint16, ts uint32, delay func(i int) time.Duration) []arrival {
	samples := int(ptime / time.Millisecond * 8)
	var out []arrival
	for i := range n {
		d := delay(i)
		if d < 0 {
			continue
		}
		payload := []byte{byte(i), byte(i >> 8)}
		out = append(out, arrival{
			at: time.Duration(i)*ptime + d,
			p: Packet{SSRC: 1, Seq: seq + uint16(i), Timestamp: ts + uint32(i*samples),
				Marker: i == 0, Payload: payload, Samples: samples},
		})
	}
	slices.SortStableFunc(out, func(a, b arrival) int { return int(a.at - b.at) })
	return out
}

// result is what a reader pulling 10 ms every 10 ms got.
type result struct {
	played  []int // packet indexes (from the payload) in playout order
	lostSmp int   // samples returned as FrameLost
	kinds   map[FrameKind]int
	stats   Stats
	// firstAudio is when the first packet was played.
	firstAudio time.Duration
}

// run feeds arrivals to b and a reader for dur; the reader keeps a FIFO of
// samples like a session and asks for a frame whenever it holds less than
// 10 ms, as the line pulls every 10 ms.
func run(t *testing.T, b *Buffer, arrivals []arrival, dur time.Duration) result {
	t.Helper()
	t0 := time.Unix(1000, 0)
	r := result{kinds: map[FrameKind]int{}, firstAudio: -1}
	arrivals = slices.Clone(arrivals)
	slices.SortStableFunc(arrivals, func(a, b arrival) int { return int(a.at - b.at) })
	fifo := 0
	ai := 0
	for tick := time.Duration(0); tick < dur; tick += 10 * time.Millisecond {
		for ai < len(arrivals) && arrivals[ai].at <= tick {
			b.Push(t0.Add(arrivals[ai].at), arrivals[ai].p)
			ai++
		}
		for fifo < 80 {
			f := b.Next(t0.Add(tick))
			if f.Samples <= 0 || f.Samples > 8000 {
				t.Fatalf("frame of %d samples", f.Samples)
			}
			r.kinds[f.Kind]++
			switch f.Kind {
			case FrameAudio:
				r.played = append(r.played, int(f.Payload[0])|int(f.Payload[1])<<8)
				if r.firstAudio < 0 {
					r.firstAudio = tick
				}
			case FrameLost:
				r.lostSmp += f.Samples
			}
			fifo += f.Samples
		}
		fifo -= 80
	}
	r.stats = b.Stats()
	return r
}

// accounted checks that the packets were played in order and that every
// index missing before the last one played was declared lost or skipped.
func accounted(t *testing.T, r result, atLeast int) {
	t.Helper()
	for i := 1; i < len(r.played); i++ {
		if r.played[i] <= r.played[i-1] {
			t.Fatalf("played out of order at %d: %v", i, r.played)
		}
	}
	if len(r.played) < atLeast {
		t.Errorf("played %d, want >= %d", len(r.played), atLeast)
	}
	missing := r.played[len(r.played)-1] + 1 - r.played[0] - len(r.played)
	if missing != int(r.stats.Lost+r.stats.Skipped) {
		t.Errorf("%d packets missing, %d lost + %d skipped", missing, r.stats.Lost, r.stats.Skipped)
	}
	if r.stats.Skipped > 4 {
		t.Errorf("skipped %d packets, want a few at most", r.stats.Skipped)
	}
}

func newBuffer(t *testing.T) *Buffer {
	t.Helper()
	b, err := New(Config{})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func seqRange(from, to int, skip func(int) bool) []int {
	var out []int
	for i := from; i < to; i++ {
		if skip == nil || !skip(i) {
			out = append(out, i)
		}
	}
	return out
}

func TestScenarios(t *testing.T) {
	const ms = time.Millisecond
	rng := func(seed uint64) *rand.Rand { return rand.New(rand.NewPCG(seed, 1)) }
	for _, tc := range []struct {
		name   string
		arr    []arrival
		dur    time.Duration
		check  func(t *testing.T, r result)
		ptimes []time.Duration
	}{
		{
			name: "clean 20 ms",
			arr:  stream(500, 20*ms, 100, 1000, func(int) time.Duration { return 5 * ms }),
			dur:  9800 * ms,
			check: func(t *testing.T, r result) {
				accounted(t, r, 485)
				if r.stats.Lost != 0 || r.stats.Late != 0 || r.stats.Holds != 0 || r.stats.Underruns != 0 {
					t.Errorf("stats %+v", r.stats)
				}
				if r.firstAudio < 40*ms || r.firstAudio > 60*ms {
					t.Errorf("first audio at %v, want the 40 ms initial delay after arrival", r.firstAudio)
				}
			},
		},
		{
			name: "clean shrinks to the minimum",
			arr:  stream(3000, 20*ms, 100, 1000, func(int) time.Duration { return 5 * ms }),
			dur:  60 * time.Second,
			check: func(t *testing.T, r result) {
				if r.stats.Target != 20*ms {
					t.Errorf("target %v after a minute of clean stream, want 20ms", r.stats.Target)
				}
				if r.stats.Skipped == 0 || r.stats.Skipped > 3 {
					t.Errorf("skipped %d packets to shrink 40 -> 20 ms, want 1..3", r.stats.Skipped)
				}
				if r.stats.Lost != 0 || r.stats.Late != 0 || r.stats.Holds != 0 {
					t.Errorf("stats %+v", r.stats)
				}
			},
		},
		{
			name: "loss every 10th",
			arr: stream(500, 20*ms, 65000, 4294960000, func(i int) time.Duration {
				if i%10 == 5 {
					return -1
				}
				return 5 * ms
			}),
			dur: 9800 * ms,
			check: func(t *testing.T, r result) {
				accounted(t, r, 435)
				last := r.played[len(r.played)-1]
				want := seqRange(0, last+1, func(i int) bool { return i%10 == 5 })
				if int(r.stats.Lost) != last+1-len(want) {
					t.Errorf("lost %d, want %d", r.stats.Lost, last+1-len(want))
				}
				if r.lostSmp != int(r.stats.Lost)*160 {
					t.Errorf("concealed %d samples for %d losses", r.lostSmp, r.stats.Lost)
				}
			},
		},
		{
			name: "reorder pairs",
			arr: stream(500, 20*ms, 10, 0, func(i int) time.Duration {
				if i%2 == 0 {
					return 25 * ms // arrives after its successor
				}
				return 5 * ms
			}),
			dur: 9800 * ms,
			check: func(t *testing.T, r result) {
				// Shrinking from 40 ms towards the 30 ms this needs may drop
				// a packet or two; nothing else is missing.
				accounted(t, r, 480)
				if r.stats.Lost != 0 || r.stats.Late != 0 {
					t.Errorf("stats %+v", r.stats)
				}
			},
		},
		{
			name: "duplicates",
			arr: append(stream(200, 20*ms, 10, 0, func(int) time.Duration { return 5 * ms }),
				stream(200, 20*ms, 10, 0, func(int) time.Duration { return 6 * ms })...),
			dur: 3800 * ms,
			check: func(t *testing.T, r result) {
				accounted(t, r, 185)
				if r.stats.Duplicates < 185 {
					t.Errorf("duplicates %d, want one per packet pushed", r.stats.Duplicates)
				}
			},
		},
		{
			name: "burst after 120 ms outage",
			arr: stream(500, 20*ms, 10, 0, func(i int) time.Duration {
				if i >= 200 && i < 206 {
					return time.Duration(206-i)*20*ms + 5*ms // held back, then all at once
				}
				return 5 * ms
			}),
			dur: 4500 * ms,
			check: func(t *testing.T, r result) {
				if r.stats.Target < 120*ms {
					t.Errorf("target %v after a 120 ms spike, want >= 120ms", r.stats.Target)
				}
				// The spike costs at most the packets that were late once.
				missing := r.played[len(r.played)-1] + 1 - len(r.played)
				if missing > 8 {
					t.Errorf("%d packets not played (%+v)", missing, r.stats)
				}
				if !slices.IsSorted(r.played) {
					t.Errorf("out of order: %v", r.played)
				}
			},
		},
		{
			name: "uniform jitter 0-60 ms",
			arr: func() []arrival {
				g := rng(7)
				return stream(1500, 20*ms, 10, 0, func(int) time.Duration { return time.Duration(g.IntN(60)) * ms })
			}(),
			dur: 29800 * ms,
			check: func(t *testing.T, r result) {
				if r.stats.Target < 60*ms || r.stats.Target > 90*ms {
					t.Errorf("target %v for 60 ms of jitter, want 60..90ms", r.stats.Target)
				}
				if r.stats.Jitter < 10*ms || r.stats.Jitter > 30*ms {
					t.Errorf("RFC 3550 jitter %v, want about 20ms", r.stats.Jitter)
				}
				if late := r.stats.Late + r.stats.Lost; late > 15 {
					t.Errorf("%d of 1500 packets late or lost (%+v)", late, r.stats)
				}
				if !slices.IsSorted(r.played) {
					t.Error("out of order")
				}
			},
		},
		{
			name: "10 ms packets with wraparound",
			arr:  stream(1000, 10*ms, 65500, 4294967000, func(i int) time.Duration { return time.Duration(i%3) * ms }),
			dur:  9800 * ms,
			check: func(t *testing.T, r result) {
				accounted(t, r, 970)
				if r.stats.Lost != 0 || r.stats.Late != 0 || r.stats.Resyncs != 0 {
					t.Errorf("stats %+v", r.stats)
				}
			},
		},
		{
			name: "60 ms packets",
			arr:  stream(100, 60*ms, 1, 1, func(int) time.Duration { return 2 * ms }),
			dur:  5800 * ms,
			check: func(t *testing.T, r result) {
				accounted(t, r, 95)
				if r.stats.Lost != 0 || r.stats.Late != 0 {
					t.Errorf("stats %+v", r.stats)
				}
			},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := run(t, newBuffer(t), tc.arr, tc.dur)
			t.Logf("played %d, kinds %v, stats %+v", len(r.played), r.kinds, r.stats)
			tc.check(t, r)
		})
	}
}

func TestResync(t *testing.T) {
	const ms = time.Millisecond
	a := stream(100, 20*ms, 10, 0, func(int) time.Duration { return 5 * ms })
	// A new SSRC continues at 2 s with unrelated numbers.
	b := stream(100, 20*ms, 40000, 123456789, func(int) time.Duration { return 2005 * ms })
	for i := range b {
		b[i].p.SSRC = 2
		b[i].p.Payload[1] = 1 // indexes 256.. mark the second stream
	}
	// The same SSRC jumps 10 s in timestamps at 4 s (a long gap).
	c := stream(100, 20*ms, 40100, 123456789+10*8000, func(int) time.Duration { return 4005 * ms })
	for i := range c {
		c[i].p.SSRC = 2
		c[i].p.Marker = false
		c[i].p.Payload[1] = 2
	}
	all := append(append(a, b...), c...)
	r := run(t, newBuffer(t), all, 6100*ms)
	t.Logf("stats %+v", r.stats)
	// Packets of the old SSRC still waiting at the switch are flushed.
	for _, want := range [][2]int{{0, 97}, {256, 354}, {512, 590}} {
		i := slices.Index(r.played, want[0])
		j := slices.Index(r.played, want[1])
		// One packet may be skipped while the delay shrinks.
		if i < 0 || j < i || j-i < want[1]-want[0]-1 || !slices.IsSorted(r.played[i:j+1]) {
			t.Errorf("%d..%d not played in order: %v", want[0], want[1], r.played)
		}
	}
	if r.stats.Resyncs != 2 {
		t.Errorf("resyncs %d, want 2 (SSRC change, timestamp jump)", r.stats.Resyncs)
	}
}

func TestTalkspurtMarkerReanchors(t *testing.T) {
	const ms = time.Millisecond
	// 1 s of speech, 1 s of silence (no packets, seq continuous, timestamps
	// jump), then a talkspurt with the marker bit that arrives with 30 ms
	// less network delay.
	a := stream(50, 20*ms, 10, 0, func(int) time.Duration { return 35 * ms })
	b := stream(50, 20*ms, 60, 16000, func(int) time.Duration { return 2005 * ms })
	for i := range b {
		b[i].p.Payload[1] = 1
	}
	r := run(t, newBuffer(t), append(a, b...), 3200*ms)
	if len(r.played) != 100 || r.stats.Lost != 0 || r.stats.Late != 0 {
		t.Errorf("played %d, stats %+v", len(r.played), r.stats)
	}
	if r.stats.Resyncs != 1 {
		t.Errorf("resyncs %d, want 1 at the talkspurt", r.stats.Resyncs)
	}
}

func TestEmptyAndInvalid(t *testing.T) {
	b := newBuffer(t)
	if f := b.Next(time.Unix(0, 0)); f.Kind != FrameEmpty || f.Samples != 80 {
		t.Errorf("empty buffer gave %+v", f)
	}
	if r := b.Push(time.Unix(0, 0), Packet{Seq: 1}); r != Dropped {
		t.Errorf("empty payload: %v", r)
	}
	for _, cfg := range []Config{
		{MinDelay: 100 * time.Millisecond, MaxDelay: 50 * time.Millisecond},
		{InitialDelay: time.Second},
		{ClockRate: -1},
		{PacketTime: time.Hour},
	} {
		if _, err := New(cfg); err == nil {
			t.Errorf("New(%+v) accepted", cfg)
		}
	}
	if FrameLost.String() != "lost" || Late.String() != "late" || FrameKind(9).String() != "FrameKind(9)" {
		t.Error("String")
	}
}

func TestNoAllocation(t *testing.T) {
	b := newBuffer(t)
	t0 := time.Unix(0, 0)
	payload := make([]byte, 160)
	i := 0
	step := func() {
		b.Push(t0.Add(time.Duration(i)*20*time.Millisecond), Packet{SSRC: 1, Seq: uint16(i), Timestamp: uint32(i * 160), Payload: payload, Samples: 160})
		b.Next(t0.Add(time.Duration(i) * 20 * time.Millisecond))
		i++
	}
	for range 200 {
		step()
	}
	if a := testing.AllocsPerRun(1000, step); a != 0 {
		t.Errorf("%v allocations per packet", a)
	}
}

func BenchmarkPushNext(b *testing.B) {
	buf, _ := New(Config{})
	t0 := time.Unix(0, 0)
	payload := make([]byte, 160)
	i := 0
	b.ReportAllocs()
	for b.Loop() {
		now := t0.Add(time.Duration(i) * 20 * time.Millisecond)
		buf.Push(now, Packet{SSRC: 1, Seq: uint16(i), Timestamp: uint32(i * 160), Payload: payload, Samples: 160})
		buf.Next(now)
		i++
	}
}

// TestFix: a fixed buffer keeps its target delay whatever the jitter,
// where an adaptive one follows it up.
func TestFix(t *testing.T) {
	const ms = time.Millisecond
	// Every tenth packet 80 ms late.
	arr := stream(200, 20*ms, 10, 0, func(i int) time.Duration {
		if i%10 == 5 {
			return 85 * ms
		}
		return 5 * ms
	})
	adaptive := run(t, newBuffer(t), arr, 4100*ms)
	fixed := newBuffer(t)
	fixed.Fix(60 * ms)
	if got := fixed.Stats().Target; got != 60*ms {
		t.Fatalf("target after Fix(60 ms): %v", got)
	}
	r := run(t, fixed, arr, 4100*ms)
	if r.stats.Target != 60*ms {
		t.Errorf("fixed: target %v, want 60 ms", r.stats.Target)
	}
	if r.stats.Holds != 0 || r.stats.Skipped != 0 {
		t.Errorf("fixed: %d holds, %d skips; want none", r.stats.Holds, r.stats.Skipped)
	}
	if adaptive.stats.Target <= 60*ms {
		t.Errorf("adaptive: target %v, want it to grow past 60 ms with 80 ms spikes", adaptive.stats.Target)
	}
	t.Logf("adaptive target %v, late %d; fixed late %d", adaptive.stats.Target, adaptive.stats.Late, r.stats.Late)
}
