package loadtest

import (
	"os"
	"runtime/pprof"
	"strconv"
	"testing"
	"time"

	"github.com/hlsswarm/hlsswarm/internal/originproc"
	"github.com/hlsswarm/hlsswarm/internal/testkit"
)

// profileEnv names a file that receives a CPU profile of the harness over
// BenchmarkFleet200's steady window (go test's -cpuprofile would include
// the ramp's process starts).
const profileEnv = "HLSSWARM_BENCH_CPUPROFILE"

func profileSteadyWindow(b *testing.B) (stop func()) {
	path := os.Getenv(profileEnv)
	if path == "" {
		return func() {}
	}
	f, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		b.Fatal(err)
	}
	return func() {
		pprof.StopCPUProfile()
		f.Close()
	}
}

// BenchmarkFleet200 measures a fleet of 200 live viewers against an origin
// in another process: the time to full strength with the default ramp,
// the harness's CPU (readers, parsers, stats, supervision: the whole test
// process) as a percentage of the viewers' ffmpeg CPU over a steady 30 s
// window, and how long Stop takes. It takes about a minute and keeps two
// cores busy; run it alone (HLSSWARM_BENCH_CPUPROFILE=file adds a CPU
// profile of the steady window):
//
//	go test -run '^$' -bench Fleet200 -benchtime 1x ./loadtest
func BenchmarkFleet200(b *testing.B) {
	const (
		clients = 200
		window  = 30 * time.Second      // the steady window measured
		tick    = 10 * time.Millisecond // the figures below count in clock ticks
	)
	url := originproc.Start(b).URL
	for b.Loop() {
		begin := time.Now()
		f := Start(b, Config{URL: url, Clients: clients, Duration: 5 * time.Minute, ProgressInterval: 10 * time.Second})
		testkit.WaitFor(b, 60*time.Second, "200 active viewers", func() bool { return f.Snapshot().Clients.Active == clients })
		full := time.Since(begin)
		time.Sleep(3 * time.Second) // let the last starts settle

		pids := ffmpegsServing(b, url)
		// The window's harness CPU leaves out the reads of the viewers'
		// CPU times: self is read after them at the start, before them at
		// the end (getrusage, to the microsecond).
		viewers := func() (sum time.Duration) {
			for _, p := range pids {
				if t, ok := originproc.CPUTime(strconv.Itoa(p)); ok {
					sum += t
				}
			}
			return sum
		}
		stopProfile := profileSteadyWindow(b)
		ff0 := viewers()
		self0, _ := originproc.CPUTime("self")
		lines0 := f.finalSnapshot().Lines()
		time.Sleep(window)
		lines1 := f.finalSnapshot().Lines()
		self1, _ := originproc.CPUTime("self")
		ff1 := viewers()
		stopProfile()

		stopBegin := time.Now()
		r := f.Stop()
		stop := time.Since(stopBegin)
		if left := ffmpegsServing(b, url); len(left) != 0 {
			b.Errorf("%d ffmpeg processes left after Stop", len(left))
		}
		secs := window.Seconds()
		harness, ffmpeg := float64(self1-self0)/float64(tick), float64(ff1-ff0)/float64(tick)
		b.ReportMetric(100*harness/max(ffmpeg, 1), "harness-cpu-%-of-ffmpeg")
		b.ReportMetric(ffmpeg/secs/float64(len(pids)), "ffmpeg-cpu-%-core-per-viewer")
		b.ReportMetric(harness/secs, "harness-cpu-%-core")
		b.ReportMetric(float64(lines1-lines0)/secs, "lines/s")
		b.ReportMetric(harness*1e4/max(float64(lines1-lines0), 1), "harness-us/line") // a tick is 10 ms
		b.ReportMetric(full.Seconds(), "full-strength-s")
		b.ReportMetric(float64(stop.Milliseconds()), "stop-ms")
		r.ReportMetrics(b)
		b.Logf("200 viewers: full strength after %s (ramp %s), harness %.1f ticks vs ffmpeg %.0f ticks over %s (%d pids), stop %s\n%s",
			full.Round(time.Millisecond), f.Config().Ramp, harness, ffmpeg, window, len(pids), stop.Round(time.Millisecond), r.Summary())
	}
}
