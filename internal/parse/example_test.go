package parse_test

import (
	"fmt"
	"time"

	"github.com/hlsswarm/hlsswarm/internal/parse"
)

// ExampleTally parses a recorded log.
func ExampleTally() {
	log := "[http @ 0x1] [debug] request: GET /live/v0/index.m3u8 HTTP/1.1\r\nHost: h\r\n\r\n\n" +
		"[http @ 0x1] [warning] HTTP error 503 Service Unavailable\n"
	var t parse.Tally
	p := parse.NewStderrParser(&t, nil, 0)
	var sp parse.Splitter // ends lines at "\n", "\r\n" or "\r", as the readers do
	sp.Reset()
	lines, off, now := 0, 0, time.Now()
	for {
		line, end, ok := sp.Next([]byte(log), off)
		if !ok {
			break
		}
		p.Line(line, now)
		lines, off = lines+1, end
	}
	p.Flush()
	fmt.Println(t.Requests[parse.KindManifest], t.HTTPErrors[503], lines)
	// Output: 1 1 5
}
