package peer

import (
	"bufio"
	"os"
	"strconv"
	"strings"
	"testing"
)

// SIPpCounts are SIPp's final call counts.
type SIPpCounts struct{ OK, Failed int }

// SIPpStats reads the last line of a SIPp -trace_stat file (-stf path):
// its successful and failed calls. A file without those columns fails
// the test.
func SIPpStats(t testing.TB, path string) SIPpCounts {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var header, last []string
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		fields := strings.Split(sc.Text(), ";")
		if header == nil {
			header = fields
			continue
		}
		last = fields
	}
	col := func(name string) int {
		for i, h := range header {
			if h == name && i < len(last) {
				n, _ := strconv.Atoi(last[i])
				return n
			}
		}
		t.Fatalf("no %s column in SIPp's statistics %s", name, path)
		return 0
	}
	return SIPpCounts{OK: col("SuccessfulCall(C)"), Failed: col("FailedCall(C)")}
}
