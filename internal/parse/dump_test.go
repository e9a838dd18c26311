package parse

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestDumpCorpora(t *testing.T) {
	if os.Getenv("DUMP") == "" {
		t.Skip()
	}
	files, _ := filepath.Glob("testdata/corpus/*.stderr.log")
	for _, f := range files {
		name := strings.TrimSuffix(filepath.Base(f), ".stderr.log")
		se, _ := os.ReadFile(f)
		pr, _ := os.ReadFile(strings.Replace(f, ".stderr.", ".progress.", 1))
		var tl Tally
		p := Start(bytes.NewReader(se), bytes.NewReader(pr), &tl, Options{})
		c, err := p.Wait()
		lat := func(k Kind) string {
			if len(tl.Latencies[k]) == 0 {
				return "-"
			}
			var mx time.Duration
			for _, d := range tl.Latencies[k] {
				mx = max(mx, d)
			}
			return fmt.Sprintf("%d(max %v)", len(tl.Latencies[k]), mx)
		}
		fmt.Printf("%-28s req=%v err=%v rc=%v to=%d ref=%d cut=%d sf=%d pf=%d skip=%d seq=%d end=%v unk=%d prog=%d lines=%d/%d lat m=%s s=%s i=%s %v\n",
			name, tl.Requests, tl.HTTPErrors, tl.Reconnects, tl.Timeouts, tl.Refused, tl.BodyCuts, tl.SegmentsFailed, tl.PlaylistsFailed, tl.Skipped, tl.SeqChanges, tl.Ends, tl.UnknownLines, tl.ProgressBlocks, c.StderrRead, c.ProgressRead, lat(0), lat(1), lat(2), err)
	}
}
