package stats_test

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hlsswarm/hlsswarm/fixtures"
)

var capture = flag.Bool("capture", false, "record real ffmpeg -progress timing into testdata/progress (needs ffmpeg)")

// TestCaptureProgress records, for each of 6 ffmpeg viewers of a live
// fixture origin, the wall time (ms since the viewer's start) and out_time
// (µs) of each -progress report, into testdata/progress/<case>.txt: one
// line "viewer wall_ms out_us" per report. Run with -capture.
func TestCaptureProgress(t *testing.T) {
	if !*capture {
		t.Skip("records testdata; run with -capture")
	}
	cases := map[string][]fixtures.Fault{
		"healthy":   nil,
		"bandwidth": {{Type: fixtures.FaultBandwidth, BytesPerSecond: 10_000, Kinds: []fixtures.Kind{fixtures.KindSegment}}},
	}
	for name, faults := range cases {
		for run := range 3 {
			o := fixtures.NewOrigin(t, fixtures.Live{})
			if err := o.SetFaults(faults...); err != nil {
				t.Fatal(err)
			}
			var mu sync.Mutex
			var lines []string
			var wg sync.WaitGroup
			ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
			for v := range 6 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					time.Sleep(time.Duration(v) * 300 * time.Millisecond)
					cmd := exec.CommandContext(ctx, "ffmpeg", "-hide_banner", "-nostdin", "-nostats", "-loglevel", "error",
						"-progress", "pipe:1", "-stats_period", "1", "-rw_timeout", "10000000",
						"-i", o.MediaURLs()[0], "-map", "0", "-c", "copy", "-f", "null", "-")
					out, _ := cmd.StdoutPipe()
					start := time.Now()
					if err := cmd.Start(); err != nil {
						t.Error(err)
						return
					}
					sc := bufio.NewScanner(out)
					for sc.Scan() {
						if us, ok := strings.CutPrefix(sc.Text(), "out_time_us="); ok && us != "N/A" {
							mu.Lock()
							lines = append(lines, fmt.Sprintf("%d %d %s", v, time.Since(start).Milliseconds(), us))
							mu.Unlock()
						}
					}
					_ = cmd.Wait()
				}()
			}
			wg.Wait()
			cancel()
			p := filepath.Join("testdata", "progress", fmt.Sprintf("%s_%d.txt", name, run))
			if err := os.WriteFile(p, []byte(strings.Join(lines, "\n")+"\n"), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
}
