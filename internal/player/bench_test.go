package player

import (
	"context"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hlsswarm/hlsswarm/fixtures"
	"github.com/hlsswarm/hlsswarm/internal/genhealth"
	"github.com/hlsswarm/hlsswarm/internal/hls"
	"github.com/hlsswarm/hlsswarm/internal/originproc"
	"github.com/hlsswarm/hlsswarm/internal/stats"
)

// densityEnv sets the fleet sizes of BenchmarkLiveDensity; profileEnv,
// when set, names a directory where each run writes its heap and
// goroutine profiles at full strength (density-<where>-<n>.heap and
// .goroutine), to see where a viewer's memory goes.
const (
	densityEnv = "HLSSWARM_NATIVE_SCALE"
	profileEnv = "HLSSWARM_DENSITY_PROFILE"
)

// BenchmarkLiveDensity runs fleets of live native viewers (sizes from
// HLSSWARM_NATIVE_SCALE, e.g. "1000,5000"; when unset, 100 with the origin
// in process only) against a fixture origin in this process ("in") and in
// a child process ("child"), started at 1,000 a second, and measures over a 15 s window
// at full strength: the CPU of this process (viewers and stats, and the
// origin when it is in process) and of the child origin, in cores and per
// viewer, the viewers that kept up (no stall from their first segment to
// the end: every segment arrived before playback needed it), errors, and
// the memory the viewers added, per viewer. Run it alone, without -race:
//
//	HLSSWARM_NATIVE_SCALE=1000,5000 go test -run '^$' -bench LiveDensity -benchtime 1x ./internal/player
func BenchmarkLiveDensity(b *testing.B) {
	sizes, places := []int{100}, []bool{false}
	if v := os.Getenv(densityEnv); v != "" {
		places = []bool{false, true}
		sizes = nil
		for _, f := range strings.Split(v, ",") {
			n, err := strconv.Atoi(strings.TrimSpace(f))
			if err != nil || n < 1 || n > 20000 {
				b.Fatalf("%s=%q: want fleet sizes like 1000,5000 (1..20000)", densityEnv, v)
			}
			sizes = append(sizes, n)
		}
	}
	for _, child := range places {
		where := "in"
		if child {
			where = "child"
		}
		for _, n := range sizes {
			b.Run(where+"/"+strconv.Itoa(n), func(b *testing.B) {
				for range b.N {
					liveDensity(b, n, child)
				}
			})
		}
	}
}

// densityOrigin starts the benchmark's live origin, in this process or
// in a child (then with its pid), and returns its media playlists and,
// in process, the connections it holds open (-1 for a child).
func densityOrigin(b *testing.B, n int, child bool) (urls []string, pid int, conns func() int) {
	if !child {
		origin := fixtures.NewOrigin(b, fixtures.Live{}, fixtures.WithMaxInFlight(n+16), fixtures.WithLogLimit(1))
		return origin.MediaURLs(), 0, origin.OpenConnections
	}
	p := originproc.Start(b)
	resp, err := http.Get(p.URL)
	if err != nil {
		b.Fatal(err)
	}
	defer resp.Body.Close()
	u, _ := url.Parse(p.URL)
	pl, err := hls.Parse(u, resp.Body)
	if err != nil || len(pl.Variants) == 0 {
		b.Fatalf("master playlist of the child origin: %v (%d variants)", err, len(pl.Variants))
	}
	for _, v := range pl.Variants {
		urls = append(urls, v.URI)
	}
	return urls, p.Pid, func() int { return -1 }
}

func liveDensity(b *testing.B, n int, child bool) {
	const (
		startRate = 1000
		settle    = 4 * time.Second
		window    = 15 * time.Second
	)
	urls, pid, originConns := densityOrigin(b, n, child)
	agg := stats.NewAggregator(stats.Options{})
	c := NewClient(ClientOptions{Viewers: n})
	defer c.Close()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()

	var m0, m1 runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&m0)
	reports := make([]Report, n)
	var wg sync.WaitGroup
	begin := time.Now()
	for i := range n {
		time.Sleep(time.Until(begin.Add(time.Duration(i) * time.Second / startRate)))
		wg.Add(1)
		go func() {
			defer wg.Done()
			reports[i] = c.Play(ctx, Viewer{ID: i + 1, URL: urls[i%len(urls)], Stats: agg.AddViewer(i + 1)})
		}()
	}
	ramp := time.Since(begin)
	time.Sleep(settle)
	runtime.GC()
	runtime.ReadMemStats(&m1)
	goroutines, conns := runtime.NumGoroutine(), originConns()
	writeProfiles(b, n, child)
	var s0, s1 stats.Snapshot
	agg.Snapshot(&s0, false)
	psi0 := cpuPressureTotal()
	cpu0, _ := originproc.CPUTime("self")
	ocpu0, _ := originproc.CPUTime(strconv.Itoa(pid))
	t0 := time.Now()
	time.Sleep(window)
	cpu1, _ := originproc.CPUTime("self")
	ocpu1, _ := originproc.CPUTime(strconv.Itoa(pid))
	wall := time.Since(t0)
	psi := float64(cpuPressureTotal()-psi0) / float64(wall.Microseconds())
	agg.Snapshot(&s1, false)
	cancel()
	wg.Wait()

	kept, stalls := 0, 0
	var stallTime, worstStartup time.Duration
	for _, r := range reports {
		if r.Stalls == 0 && r.Segments > 0 {
			kept++
		}
		stalls += r.Stalls
		stallTime += r.StallTime
		worstStartup = max(worstStartup, r.Startup)
	}
	cores := float64(cpu1-cpu0) / float64(wall)
	originCores := 0.0
	if child {
		originCores = float64(ocpu1-ocpu0) / float64(wall)
	}
	perViewer := float64(int64(m1.HeapInuse+m1.StackInuse)-int64(m0.HeapInuse+m0.StackInuse)) / float64(n)
	segs := s1.Requests[stats.KindSegment] - s0.Requests[stats.KindSegment]
	errs := s1.HTTPErrors + s1.Timeouts + s1.Reconnects + s1.ConnRefused + s1.SegmentFailures
	b.ReportMetric(cores, "cores")
	b.ReportMetric(originCores, "origin-cores")
	b.ReportMetric(cores*1e6/float64(n), "µcores/viewer")
	b.ReportMetric(float64(kept)/float64(n), "kept-up")
	b.ReportMetric(perViewer, "B/viewer")
	b.ReportMetric(float64(errs), "errors")
	b.ReportMetric(float64(goroutines)/float64(n), "goroutines/viewer")
	b.Logf("%d goroutines in this process at full strength (%.2f a viewer), the in-process origin holding %d connections (-1: a child's)", goroutines, float64(goroutines)/float64(n), conns)
	b.Logf("%d live viewers (started at %.0f/s over %s; machine CPU pressure %.0f%% over the window): %.2f cores in this process (%.0f µcores a viewer; the origin's too when in process), child origin %.2f cores, %d of %d kept up (no stall; %d stalls, %s in all; startup max %s), %d segments in %s (%.2f a viewer a second), %d errors, %.1f KB a viewer (heap and stacks)",
		n, float64(n)/ramp.Seconds(), ramp.Round(time.Millisecond), 100*psi, cores, cores*1e6/float64(n), originCores, kept, n, stalls, stallTime.Round(time.Millisecond), worstStartup.Round(time.Millisecond),
		segs, wall.Round(time.Millisecond), float64(segs)/float64(n)/wall.Seconds(), errs, perViewer/1024)
}

// cpuPressureTotal returns the machine's total CPU pressure stall time
// ("some", µs) from Linux PSI, 0 where there is none: a window whose
// pressure is high measured the machine's other work too.
func cpuPressureTotal() uint64 {
	b, err := os.ReadFile("/proc/pressure/cpu")
	if err != nil {
		return 0
	}
	_, total, err := genhealth.ParsePressure(b)
	if err != nil {
		return 0
	}
	return total
}

// writeProfiles writes the heap and goroutine profiles of a density run
// into the directory named by profileEnv, when it is set.
func writeProfiles(b *testing.B, n int, child bool) {
	dir := os.Getenv(profileEnv)
	if dir == "" {
		return
	}
	where := "in"
	if child {
		where = "child"
	}
	for _, p := range []string{"heap", "goroutine"} {
		f, err := os.Create(filepath.Join(dir, "density-"+where+"-"+strconv.Itoa(n)+"."+p))
		if err != nil {
			b.Fatal(err)
		}
		if err := pprof.Lookup(p).WriteTo(f, 0); err != nil {
			b.Fatal(err)
		}
		if err := f.Close(); err != nil {
			b.Fatal(err)
		}
	}
}
