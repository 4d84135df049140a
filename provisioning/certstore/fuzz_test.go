package certstore_test

import (
	"crypto"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/potsgate/potsgate/provisioning/certstore"
)

// exampleT stands in for a test in examples, which have none.
type exampleT struct{}

func (exampleT) Helper()                        {}
func (exampleT) Fatalf(format string, a ...any) { panic(fmt.Sprintf(format, a...)) }

// fuzzNow is the time the fuzz target validates at: inside the validity
// of the seed certificates in testdata (made for 2026-2036).
var fuzzNow = time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)

// FuzzLoad: no input makes Load panic, and what it accepts is usable:
// a certificate whose key matches it and is valid at the time given.
func FuzzLoad(f *testing.F) {
	seeds, _ := filepath.Glob("testdata/*.*")
	for _, p := range seeds {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add([]byte(nil), b, []byte(nil))
	}
	read := func(name string) []byte {
		b, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			f.Fatal(err)
		}
		return b
	}
	f.Add(read("root.pem"), read("server.pem"), read("server.key"))
	f.Add(read("root.pem"), read("server.pem"), read("other.key"))
	f.Fuzz(func(t *testing.T, roots, cert, key []byte) {
		set, err := certstore.Load(files(roots, cert, key), fuzzNow)
		if err != nil {
			return
		}
		c := set.Certificate()
		if c == nil {
			return
		}
		if c.Leaf == nil || fuzzNow.After(c.Leaf.NotAfter) || fuzzNow.Before(c.Leaf.NotBefore) {
			t.Fatalf("accepted a certificate not valid at %s", fuzzNow)
		}
		pub, ok := c.PrivateKey.(crypto.Signer)
		if !ok {
			t.Fatalf("key %T is no signer", c.PrivateKey)
		}
		if eq, ok := pub.Public().(interface{ Equal(crypto.PublicKey) bool }); !ok || !eq.Equal(c.Leaf.PublicKey) {
			t.Fatal("accepted a key that does not match")
		}
	})
}
