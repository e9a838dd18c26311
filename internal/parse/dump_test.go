package parse

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestDumpCorpora prints each corpus's tally as a golden table row; run it
// with DUMP=1 to review a change.
func TestDumpCorpora(t *testing.T) {
	if os.Getenv("DUMP") == "" {
		t.Skip("set DUMP=1 to print the golden rows")
	}
	files, _ := filepath.Glob("testdata/corpus/*.stderr.log")
	for _, f := range files {
		name := strings.TrimSuffix(filepath.Base(f), ".stderr.log")
		se, _ := os.ReadFile(f)
		pr, _ := os.ReadFile(strings.Replace(f, ".stderr.", ".progress.", 1))
		var tl Tally
		c, _ := Start(bytes.NewReader(se), bytes.NewReader(pr), &tl, Options{}).Wait()
		fmt.Printf("{name: %q, req: %#v, errs: %#v, errKinds: %#v, reconnects: %#v, timeouts: %d, refused: %d, cuts: %d, segFailed: %d, plFailed: %d, skipped: %d, seq: %d, ends: %#v, progress: %d, lines: [2]uint64{%d, %d}, latN: [3]int{%d, %d, %d}, unknown: %d},\n",
			name, tl.Requests, tl.HTTPErrors, tl.HTTPErrorKinds, tl.Reconnects, tl.Timeouts, tl.Refused, tl.BodyCuts, tl.SegmentsFailed, tl.PlaylistsFailed, tl.Skipped, tl.SeqChanges, tl.Ends, tl.ProgressBlocks, c.StderrRead, c.ProgressRead,
			len(tl.Latencies[0]), len(tl.Latencies[1]), len(tl.Latencies[2]), tl.UnknownLines)
	}
}
