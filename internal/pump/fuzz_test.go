package pump

import (
	"bytes"
	"testing"

	"github.com/hlsswarm/hlsswarm/internal/parse"
)

// FuzzPipelineCountsLines feeds arbitrary output through a Pipeline with
// tiny reads and queues: every line is read (parsed or dropped), whatever
// the chunk and queue boundaries, and never more dropped than read.
func FuzzPipelineCountsLines(f *testing.F) {
	f.Add([]byte("[http @ 0x1] [debug] request: GET /a.ts HTTP/1.1\r\nHost: x\r\n\r\n\n"))
	f.Add([]byte("frame=1\rspeed=1x\r\nprogress=continue\n\n\r\r"))
	f.Add(bytes.Repeat([]byte("[hls @ 0x1] [info] Opening 'http://h/v0/s1.ts' for reading\n"), 40))
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := Start(bytes.NewReader(data), nil, parse.NopSink{}, Options{ReadSize: 64, QueueBytes: 256, QueueLines: 8}).Wait()
		if err != nil {
			t.Fatal(err)
		}
		if want := countLines(data); c.StderrRead != want {
			t.Fatalf("pipeline read %d lines, want %d", c.StderrRead, want)
		}
		if c.StderrDropped > c.StderrRead {
			t.Fatalf("dropped %d of %d", c.StderrDropped, c.StderrRead)
		}
	})
}

// countLines counts lines the simple way: every "\r\n", lone "\r" or "\n"
// ends one, and a non-empty unterminated tail is one more.
func countLines(b []byte) uint64 {
	n := bytes.Count(b, []byte("\n")) + bytes.Count(b, []byte("\r")) - bytes.Count(b, []byte("\r\n"))
	if len(b) > 0 && b[len(b)-1] != '\n' && b[len(b)-1] != '\r' {
		n++
	}
	return uint64(n)
}
