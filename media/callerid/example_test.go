package callerid_test

import (
	"fmt"
	"time"

	"github.com/potsgate/potsgate/media/callerid"
)

func ExampleEncode() {
	m := callerid.Message{
		Time:   time.Date(2024, 11, 24, 15, 30, 0, 0, time.UTC),
		Number: "5551234567",
		Name:   "JOHN DOE",
	}
	b, _ := callerid.Encode(callerid.Bellcore, m)
	fmt.Printf("type 0x%02x, %d bytes, checksum 0x%02x\n", b[0], len(b), b[len(b)-1])
	d, _ := callerid.Encode(callerid.ETSIDTMF, m)
	fmt.Println(string(d))
	// Output:
	// type 0x80, 35 bytes, checksum 0x79
	// A5551234567C
}

// A transmitter on an FXS port feeds a receiver on an FXO port, 10 ms at a
// time.
func ExampleReceiver() {
	m := callerid.Message{Number: "0612345678", Name: "ALICE"}
	tx, _ := callerid.NewTransmitter(callerid.ETSI, m, callerid.Options{Level: -30})
	rx, _ := callerid.NewReceiver(callerid.ETSI, callerid.ReceiverOptions{})
	frame := make([]int16, 80)
	for done := false; !done; {
		_, done = tx.Generate(frame)
		rx.Process(frame)
	}
	rx.Process(make([]int16, 80)) // silence after the signal
	got, ok := rx.Next()
	fmt.Println(ok, got.Number, got.Name)
	// Output: true 0612345678 ALICE
}

func ExampleAlertSignal() {
	cas := callerid.NewAlertSignal(0, 0) // 80 ms CAS before a type 2 message
	frame := make([]int16, 80)
	frames := 0
	for done := false; !done; frames++ {
		_, done = cas.Generate(frame)
	}
	fmt.Println(frames, "frames")
	// Output: 8 frames
}
