package player

import (
	"context"
	"crypto/tls"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
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

// densityEnv sets the fleet sizes of BenchmarkLiveDensity and protoEnv
// its protocols ("h1", the default, "h1tls", "h2", e.g. "h1,h2");
// profileEnv, when set, names a directory where each run writes its heap
// and goroutine profiles at full strength (density-<name>-<n>.heap and
// .goroutine), to see where a viewer's memory goes.
const (
	densityEnv = "HLSSWARM_NATIVE_SCALE"
	protoEnv   = "HLSSWARM_NATIVE_PROTO"
	// stockEnv=1 runs the shared pool as net/http's defaults have it
	// (4 KB buffers, no bound on connections), to compare.
	stockEnv   = "HLSSWARM_DENSITY_STOCK_POOL"
	profileEnv = "HLSSWARM_DENSITY_PROFILE"
)

// BenchmarkLiveDensity runs fleets of live native viewers (sizes from
// HLSSWARM_NATIVE_SCALE, e.g. "1000,5000"; when unset, 100 with the origin
// in process only) against a fixture origin in this process ("in") and in
// a child process ("child"), over HTTP/1.1 from the shared pool and, as
// HLSSWARM_NATIVE_PROTO lists (h1, the default, h1tls, h2, e.g. "h1,h2"),
// over HTTP/1.1 from the pool to an https origin ("in-h1tls",
// "child-h1tls") or over HTTP/2, a connection per viewer ("in-h2",
// "child-h2"). Viewers start at 1,000 a
// second; a 15 s window at full strength measures the CPU of this process
// (viewers and stats, and the origin when it is in process) and of the
// child origin, in cores and per viewer, the viewers that kept up (no
// stall from their first segment to the end: every segment arrived before
// playback needed it), errors, and the memory the viewers added, per
// viewer: in all (heap and stacks in use), and with the origin in process
// the harness's share alone (B/viewer-harness: the origin's server side
// taken out by allocating stack and goroutine; an estimate). Run it
// alone, without -race:
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
	protos := []string{"h1"}
	if v := os.Getenv(protoEnv); v != "" {
		protos = strings.Split(v, ",")
		for _, p := range protos {
			if p != "h1" && p != "h1tls" && p != "h2" {
				b.Fatalf("%s=%q: want h1, h1tls or h2, or several of them separated by commas", protoEnv, v)
			}
		}
	}
	for _, proto := range protos {
		for _, child := range places {
			d := density{child: child, proto: proto}
			for _, n := range sizes {
				d.n = n
				b.Run(d.name()+"/"+strconv.Itoa(n), func(b *testing.B) {
					for range b.N {
						liveDensity(b, d)
					}
				})
			}
		}
	}
}

// density is one run of BenchmarkLiveDensity: n viewers, the origin in
// a child process or in this one, over proto: "h1" (HTTP/1.1 over plain
// http), "h1tls" (HTTP/1.1 over TLS, from the shared pool, to an origin
// that offers h2 too) or "h2" (HTTP/2, a connection per viewer).
type density struct {
	n     int
	child bool
	proto string
}

func (d density) tls() bool { return d.proto != "h1" }

func (d density) name() string {
	s := "in"
	if d.child {
		s = "child"
	}
	if d.proto != "h1" {
		s += "-" + d.proto
	}
	return s
}

// densityOrigin starts the benchmark's live origin, in this process or
// in a child (then with its pid), and returns its media playlists and,
// in process, the connections it holds open (-1 for a child).
func densityOrigin(b *testing.B, d density) (urls []string, pid int, conns func() int) {
	if !d.child {
		opts := []fixtures.Option{fixtures.Live{}, fixtures.WithMaxInFlight(d.n + 16), fixtures.WithLogLimit(1)}
		if d.tls() {
			opts = append(opts, fixtures.WithHTTP2())
		}
		origin := fixtures.NewOrigin(b, opts...)
		return origin.MediaURLs(), 0, origin.OpenConnections
	}
	if d.tls() {
		b.Setenv(originproc.EnvHTTP2, "1")
	}
	p := originproc.Start(b)
	hc := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}}
	defer hc.CloseIdleConnections()
	resp, err := hc.Get(p.URL)
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

func liveDensity(b *testing.B, d density) {
	n, child := d.n, d.child
	// Finer heap samples than the default (512 KB) for the split of the
	// memory between harness and origin; set before the fleet allocates.
	runtime.MemProfileRate = 64 << 10
	const (
		startRate = 1000
		settle    = 4 * time.Second
		window    = 15 * time.Second
	)
	urls, pid, originConns := densityOrigin(b, d)
	agg := stats.NewAggregator(stats.Options{})
	c := NewClient(ClientOptions{Viewers: n, Renditions: 1, HTTP2: d.proto == "h2"})
	if os.Getenv(stockEnv) == "1" {
		c.tr.ReadBufferSize, c.tr.WriteBufferSize, c.tr.MaxConnsPerHost = 0, 0, 0
	}
	defer c.Close()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()

	var m0, m1 runtime.MemStats
	// What an earlier run left (its connections closing) is gone, and its
	// spans freed, before the baseline.
	time.Sleep(time.Second)
	debug.FreeOSMemory()
	runtime.GC()
	runtime.ReadMemStats(&m0)
	split0 := splitMemory()
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
	// The memory at full strength, measured after the window: the
	// collections and profiles stop the world, which the window must not
	// see.
	runtime.GC()
	runtime.GC()
	runtime.ReadMemStats(&m1)
	split1 := splitMemory()
	goroutines, conns := runtime.NumGoroutine(), originConns()
	writeProfiles(b, d)
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
	originMem := (split1.origin(m1.StackInuse) - split0.origin(m0.StackInuse)) / float64(n)
	heapPer := float64(int64(m1.HeapInuse)-int64(m0.HeapInuse)) / float64(n)
	stackPer := float64(int64(m1.StackInuse)-int64(m0.StackInuse)) / float64(n)
	segs := s1.Requests[stats.KindSegment] - s0.Requests[stats.KindSegment]
	errs := s1.HTTPErrors + s1.Timeouts + s1.Reconnects + s1.ConnRefused + s1.SegmentFailures
	b.ReportMetric(cores, "cores")
	b.ReportMetric(originCores, "origin-cores")
	b.ReportMetric(cores*1e6/float64(n), "µcores/viewer")
	b.ReportMetric(float64(kept)/float64(n), "kept-up")
	b.ReportMetric(perViewer, "B/viewer")
	b.ReportMetric(float64(errs), "errors")
	b.ReportMetric(float64(goroutines)/float64(n), "goroutines/viewer")
	b.ReportMetric(perViewer-originMem, "B/viewer-harness")
	if os.Getenv(stockEnv) == "1" {
		b.Log("the shared pool as net/http has it: 4 KB buffers, no bound on connections")
	}
	b.Logf("%d goroutines in this process at full strength (%.2f a viewer; %d of them the in-process origin's, holding %d connections, -1 for a child's); memory a viewer %.1f KB: heap %.1f KB, stacks %.1f KB; the in-process origin's share about %.1f KB, the harness's %.1f KB (%s)",
		goroutines, float64(goroutines)/float64(n), split1.originGoroutines, conns, perViewer/1024, heapPer/1024, stackPer/1024, originMem/1024, (perViewer-originMem)/1024, d.name())
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
func writeProfiles(b *testing.B, d density) {
	dir := os.Getenv(profileEnv)
	if dir == "" {
		return
	}
	for _, p := range []string{"heap", "goroutine"} {
		f, err := os.Create(filepath.Join(dir, "density-"+d.name()+"-"+strconv.Itoa(d.n)+"."+p))
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
