package loadtest

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime/pprof"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/hlsswarm/hlsswarm/fixtures"
)

// originHelperEnv makes the test binary serve a live fixture origin
// instead of running tests (see TestMain), so that a benchmark can measure
// the harness's CPU without the origin's.
const originHelperEnv = "HLSSWARM_LOADTEST_ORIGIN_HELPER"

// serveOriginHelper serves a live origin, prints its URL on stdout and
// returns when stdin closes.
func serveOriginHelper() int {
	o, err := fixtures.New(fixtures.Live{}, fixtures.WithLogLimit(1000))
	if err == nil {
		err = o.Start()
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "origin helper:", err)
		return 1
	}
	fmt.Println(o.URL())
	_, _ = io.Copy(io.Discard, os.Stdin)
	o.Close()
	return 0
}

// startOriginProcess runs the origin helper and returns its URL; the
// process ends with the benchmark.
func startOriginProcess(b *testing.B) string {
	b.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), originHelperEnv+"=1")
	stdin, err := cmd.StdinPipe()
	if err != nil {
		b.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		b.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() {
		stdin.Close()
		_ = cmd.Wait()
	})
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil {
		b.Fatalf("origin helper: %v", err)
	}
	return strings.TrimSpace(line)
}

// cpuTicks returns utime+stime of a process from /proc/<pid>/stat, in
// clock ticks (USER_HZ, 100 a second on Linux).
func cpuTicks(pid string) (int64, bool) {
	stat, err := os.ReadFile(filepath.Join("/proc", pid, "stat"))
	if err != nil {
		return 0, false
	}
	i := bytes.LastIndexByte(stat, ')')
	if i < 0 {
		return 0, false
	}
	f := strings.Fields(string(stat[i+1:]))
	if len(f) < 13 {
		return 0, false
	}
	u, _ := strconv.ParseInt(f[11], 10, 64)
	s, _ := strconv.ParseInt(f[12], 10, 64)
	return u + s, true
}

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
// process) as a percentage of the viewers' ffmpeg CPU over a steady 15 s
// window, and how long Stop takes. It takes about a minute and keeps two
// cores busy; run it alone (HLSSWARM_BENCH_CPUPROFILE=file adds a CPU
// profile of the steady window):
//
//	go test -run '^$' -bench Fleet200 -benchtime 1x ./loadtest
func BenchmarkFleet200(b *testing.B) {
	const clients = 200
	url := startOriginProcess(b)
	for b.Loop() {
		begin := time.Now()
		f := Start(b, Config{URL: url, Clients: clients, Duration: 5 * time.Minute, ProgressInterval: 10 * time.Second})
		waitFor(b, 60*time.Second, "200 active viewers", func() bool { return f.Snapshot().Clients.Active == clients })
		full := time.Since(begin)
		time.Sleep(3 * time.Second) // let the last starts settle

		pids := ffmpegsServing(b, url)
		sample := func() (self, viewers int64) {
			self, _ = cpuTicks("self")
			for _, p := range pids {
				if t, ok := cpuTicks(strconv.Itoa(p)); ok {
					viewers += t
				}
			}
			return self, viewers
		}
		stopProfile := profileSteadyWindow(b)
		self0, ff0 := sample()
		lines0 := f.FinalSnapshot().Lines()
		time.Sleep(15 * time.Second)
		self1, ff1 := sample()
		lines1 := f.FinalSnapshot().Lines()
		stopProfile()

		stopBegin := time.Now()
		r := f.Stop()
		stop := time.Since(stopBegin)
		if left := ffmpegsServing(b, url); len(left) != 0 {
			b.Errorf("%d ffmpeg processes left after Stop", len(left))
		}
		harness, ffmpeg := float64(self1-self0), float64(ff1-ff0)
		b.ReportMetric(100*harness/max(ffmpeg, 1), "harness-cpu-%-of-ffmpeg")
		b.ReportMetric(ffmpeg/15/float64(len(pids)), "ffmpeg-cpu-%-core-per-viewer")
		b.ReportMetric(harness/15, "harness-cpu-%-core")
		b.ReportMetric(float64(lines1-lines0)/15, "lines/s")
		b.ReportMetric(harness*1e4/max(float64(lines1-lines0), 1), "harness-us/line") // a tick is 10 ms
		b.ReportMetric(full.Seconds(), "full-strength-s")
		b.ReportMetric(float64(stop.Milliseconds()), "stop-ms")
		r.ReportMetrics(b)
		b.Logf("200 viewers: full strength after %s (ramp %s), harness %.0f ticks vs ffmpeg %.0f ticks over 15 s (%d pids), stop %s\n%s",
			full.Round(time.Millisecond), f.Config().Ramp, harness, ffmpeg, len(pids), stop.Round(time.Millisecond), r.Summary())
	}
}
