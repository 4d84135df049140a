package faxpeer_test

import (
	"fmt"
	"path/filepath"
	"testing"

	"github.com/potsgate/potsgate/internal/faxpeer"
)

// A one-page fax between two spandsp machines, as a test runs it (with
// its own t; compiled, not run, as it needs the peer).
func Example() {
	var t testing.TB
	tool := faxpeer.Tool(t)
	img := faxpeer.Image(t, tool, 1)
	rx := filepath.Join(t.TempDir(), "rx.tif")
	_, rr, err := faxpeer.Connect(faxpeer.Send(t, tool, img, faxpeer.Options{}), faxpeer.Receive(t, tool, rx, faxpeer.Options{}), nil)
	if err != nil || !rr.OK() {
		t.Fatal(rr, err)
	}
	if err := faxpeer.SamePages(t, img, rx); err != nil {
		t.Fatal(err)
	}
	fmt.Println(rr)
}
