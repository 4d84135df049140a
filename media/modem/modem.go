package modem

import "errors"

// ErrRate is returned by a modem made or restarted with a bit rate it
// does not have.
var ErrRate = errors.New("modem: unsupported bit rate")

// EndOfData is what a [Source] returns when it has no more bits: the
// transmitter sends its turn-off sequence and ends.
const EndOfData = -1

// Source gives a transmitter its data bits, one at a time, 0 or 1, or
// EndOfData.
type Source interface {
	Bit() int
}

// Status is a change a receiver reports between bits.
type Status int

const (
	// CarrierUp: energy of the modem's signal appeared.
	CarrierUp Status = iota + 1
	// TrainingSucceeded: the training sequence was recognised; the bits
	// that follow are data.
	TrainingSucceeded
	// TrainingFailed: a carrier came but its training was not recognised.
	TrainingFailed
	// CarrierDown: the signal ended (after its turn-off sequence, or lost).
	CarrierDown
)

func (s Status) String() string {
	switch s {
	case CarrierUp:
		return "carrier-up"
	case TrainingSucceeded:
		return "training-succeeded"
	case TrainingFailed:
		return "training-failed"
	case CarrierDown:
		return "carrier-down"
	}
	return "status(?)"
}

// Sink takes what a receiver demodulates: data bits (0 or 1, after
// training) and status changes, on the goroutine that calls Receive.
type Sink interface {
	Bit(b int)
	Status(s Status)
}

// Transmitter modulates bits from its Source into audio.
type Transmitter interface {
	// Transmit writes up to len(out) samples and returns how many; fewer
	// than len(out) when the signal has ended (after EndOfData and the
	// turn-off sequence). It does not allocate.
	Transmit(out []int16) int
}

// Receiver demodulates audio into bits and status for its Sink.
type Receiver interface {
	// Receive takes the next samples of the line. It does not allocate.
	Receive(in []int16)
}
