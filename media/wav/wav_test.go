package wav

import (
	"bytes"
	"errors"
	"fmt"
	"slices"
	"testing"
)

func TestRoundTrip(t *testing.T) {
	in := []int16{0, 1, -1, 32767, -32768, 1234}
	var buf bytes.Buffer
	if err := Write(&buf, 8000, in); err != nil {
		t.Fatal(err)
	}
	rate, out, err := Read(&buf)
	if err != nil || rate != 8000 || !slices.Equal(in, out) {
		t.Fatalf("Read = %d %v %v", rate, out, err)
	}
	if _, _, err := Read(bytes.NewReader([]byte("RIFF....WAVEjunk"))); !errors.Is(err, ErrFormat) {
		t.Fatalf("garbage: err = %v", err)
	}
}

func ExampleWrite() {
	var buf bytes.Buffer
	_ = Write(&buf, 8000, make([]int16, 80))
	rate, samples, _ := Read(&buf)
	fmt.Println(rate, len(samples))
	// Output: 8000 80
}
