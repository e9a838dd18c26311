package pump_test

import (
	"fmt"
	"os"
	"os/exec"
	"time"

	"github.com/hlsswarm/hlsswarm/internal/parse"
	"github.com/hlsswarm/hlsswarm/internal/pump"
)

// requestCounter is a Sink that counts requests by kind; embed NopSink to
// ignore the other events.
type requestCounter struct {
	parse.NopSink
	requests [4]int
}

func (c *requestCounter) Request(k parse.Kind, _ []byte, _ time.Time) { c.requests[k]++ }

// Example wires a viewer's stderr and -progress pipe (fd 3) into a sink. It
// needs ffmpeg and an origin, so it is compiled but not run.
func Example() {
	progressR, progressW, err := os.Pipe()
	if err != nil {
		panic(err)
	}
	cmd := exec.Command("ffmpeg", "-hide_banner", "-nostdin", "-nostats",
		"-loglevel", "repeat+level+debug", "-progress", "pipe:3",
		"-i", "http://127.0.0.1:8080/master.m3u8", "-map", "0", "-c", "copy", "-f", "null", "-")
	cmd.ExtraFiles = []*os.File{progressW}
	stderr, err := cmd.StderrPipe()
	if err != nil {
		panic(err)
	}
	if err := cmd.Start(); err != nil {
		panic(err)
	}
	progressW.Close() // ffmpeg has its own copy

	sink := &requestCounter{}
	p := pump.Start(stderr, progressR, sink, pump.Options{})
	counts, err := p.Wait() // both pipes reached EOF and every line was parsed
	_ = cmd.Wait()          // only after p.Wait: it closes stderr
	progressR.Close()
	fmt.Println(sink.requests, counts.StderrRead, counts.StderrDropped, err)
}
