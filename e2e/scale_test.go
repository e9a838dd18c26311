package e2e

import (
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/hlsswarm/hlsswarm/assert"
	"github.com/hlsswarm/hlsswarm/internal/originproc"
	"github.com/hlsswarm/hlsswarm/internal/testkit"
	"github.com/hlsswarm/hlsswarm/loadtest"
)

// scaleEnv enables TestScale; scaleEngineEnv chooses its viewers'
// engine (loadtest.Engine: ffmpeg, the default, or native).
const (
	scaleEnv       = "HLSSWARM_SCALE"
	scaleEngineEnv = "HLSSWARM_SCALE_ENGINE"
)

// fleetSample is the CPU and memory of the fleet's processes at one time.
type fleetSample struct {
	at             time.Time
	harnessIn      time.Duration // this test process (fleet, readers, parsers, stats) before the reads of the others
	harness        time.Duration // and after them
	origin         time.Duration // the origin child
	ffmpeg         time.Duration // the viewers in pids
	ffmpegPSSKB    int64
	harnessRSSKB   int64
	originRSSKB    int64
	ffmpegAccessed int
}

// sampleFleet reads the CPU times of this process, the origin and the
// viewers in pids, and with memory their memory too.
func sampleFleet(pids []int, origin int, memory bool) fleetSample {
	s := fleetSample{at: time.Now()}
	s.harnessIn, _ = originproc.CPUTime("self")
	s.origin, _ = originproc.CPUTime(strconv.Itoa(origin))
	for _, p := range pids {
		if c, ok := originproc.CPUTime(strconv.Itoa(p)); ok {
			s.ffmpeg += c
			s.ffmpegAccessed++
		}
	}
	s.harness, _ = originproc.CPUTime("self")
	if !memory {
		return s
	}
	for _, p := range pids {
		s.ffmpegPSSKB += originproc.KB(fmt.Sprintf("/proc/%d/smaps_rollup", p), "Pss")
	}
	s.harnessRSSKB = originproc.KB("/proc/self/status", "VmHWM") // peak resident set so far
	s.originRSSKB = originproc.KB(fmt.Sprintf("/proc/%d/status", origin), "VmHWM")
	return s
}

// TestScale finds the largest live fleet this machine holds: it runs
// fleets of the sizes in HLSSWARM_SCALE (300 when it is "1"; e.g.
// "300,500,700,1000"), each for 30 s after the default ramp (10 starts a
// second) against an origin in a child process, and stops at the first
// that did not hold: every viewer kept up over a 20 s window, no HTTP
// error, no timeout, no dropped line. Each step logs what it cost: the
// harness's CPU against the viewers' ffmpeg CPU and the origin's, memory,
// lines, and the summary. It keeps two cores busy, so it is a capacity
// measurement, not part of `make test`: it runs only with HLSSWARM_SCALE
// set (`make scale`), alone on the machine. Beside other fleets, or under
// -race, its figures are the machine's, not the harness's.
func TestScale(t *testing.T) {
	steps := scaleSteps(t, os.Getenv(scaleEnv))
	if steps == nil {
		t.Skipf("fleets of 300 or more viewers on both cores: a capacity measurement; run it alone with %s=1 or %s=300,500,700,1000 (make scale)", scaleEnv, scaleEnv)
	}
	held := 0
	for _, n := range steps {
		ok := false
		t.Run(strconv.Itoa(n), func(t *testing.T) { ok = scaleStep(t, n) })
		if !ok {
			break
		}
		held = n
	}
	if held == 0 {
		t.Errorf("no fleet held: %d live viewers did not keep up", steps[0])
	}
	t.Logf("largest live fleet held on this machine (%d CPUs): %d viewers (steps tried: %v)", runtime.NumCPU(), held, steps)
}

// scaleSteps parses HLSSWARM_SCALE: "" is nil, "1" is 300.
func scaleSteps(t *testing.T, v string) []int {
	switch v {
	case "":
		return nil
	case "1":
		return []int{300}
	}
	var steps []int
	for _, f := range strings.Split(v, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 1 || n > loadtest.MaxClients {
			t.Fatalf("%s=%q: want 1 or fleet sizes like 300,500,700,1000 (1..%d)", scaleEnv, v, loadtest.MaxClients)
		}
		steps = append(steps, n)
	}
	return steps
}

// scaleStep runs one fleet of clients live viewers and reports whether it
// held (see TestScale). Counts that differ from the origin's fail the test
// at any size.
func scaleStep(t *testing.T, clients int) bool {
	const (
		window = 20 * time.Second // steady-state measurement
		// duration only bounds the run: the fleet is stopped once the
		// window and the memory samples are taken, however long the ramp
		// took (on a saturated machine, far longer than planned).
		duration = 5 * time.Minute
	)
	origin := originproc.Start(t)
	token := testkit.Host(t, origin.URL)
	begin := time.Now()
	cfg := loadtest.Config{URL: origin.URL, Clients: clients, Duration: duration, ProgressInterval: 10 * time.Second,
		Engine: loadtest.Engine(os.Getenv(scaleEngineEnv))}
	if cfg.Engine == loadtest.EngineNative {
		// A native viewer starts in microseconds: 200 starts a second
		// rather than ffmpeg's 10.
		cfg.Ramp = time.Duration(clients) * 5 * time.Millisecond
	}
	f := loadtest.Start(t, cfg)
	testkit.WaitFor(t, f.Config().Ramp+60*time.Second, "all viewers active", func() bool { return f.Snapshot().Clients.Active == clients })
	full := time.Since(begin)
	time.Sleep(3 * time.Second) // let the last starts settle

	pids := testkit.LiveFFmpegPids(token)
	// CPU over the window first, with nothing of ours in it but two reads
	// of the CPU times; memory after it: reading 300 smaps_rollup files
	// walks 300 processes' page tables, CPU that is not the harness's.
	snap1, s1 := f.Snapshot(), sampleFleet(pids, origin.Pid, false)
	time.Sleep(window)
	snap2, s2 := f.Snapshot(), sampleFleet(pids, origin.Pid, false)
	var peakPSS, peakHarness int64
	for i := 0; i < 3; i++ {
		s := sampleFleet(pids, origin.Pid, true)
		peakPSS, peakHarness = max(peakPSS, s.ffmpegPSSKB), max(peakHarness, s.harnessRSSKB)
		s2.originRSSKB = s.originRSSKB
		time.Sleep(time.Second)
	}
	res := f.Stop()
	c := origin.Counts(t)
	served := c.Requests
	served["manifest"][200] -= c.Anonymous // the fleet's master fetch, before the run

	// Keeping up: media time advanced >= 99 % of wall time over the window.
	// out_time moves in steps of one 1 s segment, so one segment of slack.
	wall := snap2.End.Sub(snap1.End)
	out1 := map[int]time.Duration{}
	for _, v := range snap1.Viewers {
		out1[v.ID] = v.OutTime
	}
	keptUp, strict, measured := 0, 0, 0
	for _, v := range snap2.Viewers {
		o1, ok := out1[v.ID]
		if !ok || !v.Active {
			continue
		}
		measured++
		adv := v.OutTime - o1
		if float64(adv) >= 0.99*float64(wall)-float64(time.Second) {
			keptUp++
		}
		if float64(adv) >= 0.99*float64(wall) {
			strict++
		}
	}
	secs := s2.at.Sub(s1.at).Seconds()
	// The harness's window leaves out the samples' own reads of /proc.
	harness, ffmpeg, originCPU := (s2.harnessIn - s1.harness).Seconds(), (s2.ffmpeg - s1.ffmpeg).Seconds(), (s2.origin - s1.origin).Seconds()
	if f.Config().Engine == loadtest.EngineNative {
		// No ffmpeg: the viewers are goroutines of this process.
		t.Logf(`scale: %d live native viewers (MPEG-TS, 1 s segments, one rendition each, round-robin over 2), measured %s after full strength; race detector %v
  ramp             %s to full strength (ramp %s)
  kept up          %d of %d viewers advanced >= 99%% of wall time over %s (allowing one 1 s segment of step); %d without that allowance
  CPU (%2.0f s)      harness (the viewers included) %.1f%% of a core, %.4f%% per viewer; origin %.1f%% of a core
  memory           harness peak RSS %.0f MB (%.1f KB per viewer); origin peak RSS %.0f MB (VmHWM)
  requests         manifest %d segment %d (origin served %d / %d); errors %d timeouts %d
  %s`,
			clients, window, raceEnabled, full.Round(100*time.Millisecond), f.Config().Ramp,
			keptUp, measured, wall.Round(100*time.Millisecond), strict,
			secs, 100*harness/secs, 100*harness/secs/float64(clients), 100*originCPU/secs,
			float64(peakHarness)/1024, float64(peakHarness)/float64(clients), float64(s2.originRSSKB)/1024,
			res.Totals.Requests.Manifest, res.Totals.Requests.Segment, sumCounts(served["manifest"]), sumCounts(served["segment"]),
			res.Totals.HTTPErrors, res.Totals.Timeouts,
			strings.ReplaceAll(res.Summary(), "\n", "\n  "))
	} else {
		t.Logf(`scale: %d live ffmpeg viewers (MPEG-TS, 1 s segments, one rendition each, round-robin over 2; keep-alive %s), measured %s after full strength; race detector %v
  ramp             %s to full strength (default ramp %s)
  kept up          %d of %d viewers advanced >= 99%% of wall time over %s (allowing one 1 s segment of step); %d without that allowance
  CPU (%2.0f s)      harness %.1f%% of a core, ffmpeg %.1f%% of a core (%.3f%% per viewer, %d processes), origin %.1f%% of a core
                   harness = %.1f%% of ffmpeg's CPU (the harness is this test process: fleet, pipe readers, parsers, stats; the origin runs in a child process)
  memory           ffmpeg PSS peak %.0f MB (%.1f MB per viewer, sum of smaps_rollup, peak of 3 samples after the CPU window); harness peak RSS %.0f MB; origin peak RSS %.0f MB (VmHWM)
  lines            %d stderr + %d progress lines read, %d dropped
  requests         manifest %d segment %d (origin served %d / %d); errors %d timeouts %d
  %s`,
			clients, f.Config().KeepAlive, window, raceEnabled,
			full.Round(100*time.Millisecond), f.Config().Ramp,
			keptUp, measured, wall.Round(100*time.Millisecond), strict,
			secs, 100*harness/secs, 100*ffmpeg/secs, 100*ffmpeg/secs/float64(max(s2.ffmpegAccessed, 1)), s2.ffmpegAccessed, 100*originCPU/secs,
			100*harness/max(ffmpeg, 0.001),
			float64(peakPSS)/1024, float64(peakPSS)/1024/float64(max(s2.ffmpegAccessed, 1)), float64(peakHarness)/1024, float64(s2.originRSSKB)/1024,
			res.Totals.StderrLines, res.Totals.ProgressLines, res.Totals.DroppedLines,
			res.Totals.Requests.Manifest, res.Totals.Requests.Segment, sumCounts(served["manifest"]), sumCounts(served["segment"]),
			res.Totals.HTTPErrors, res.Totals.Timeouts,
			strings.ReplaceAll(res.Summary(), "\n", "\n  "))
	}

	for _, k := range []string{"manifest", "segment"} {
		ours, theirs := int64(res.Totals.Requests.Get(k)), sumCounts(served[k])
		if ours < theirs || ours > theirs+int64(clients) {
			t.Errorf("%s requests: counted %d, origin served %d; want equal up to %d in flight", k, ours, theirs, clients)
		}
	}
	if left := testkit.LiveFFmpegPids(token); len(left) != 0 {
		t.Errorf("%d ffmpeg processes left after the run", len(left))
	}
	_, err := assert.Check(res, "dropped_lines == 0", "http_errors == 0", "timeouts == 0")
	held := err == nil && measured == clients && keptUp == clients
	if !held {
		t.Logf("%d viewers did not hold: %d of %d measured kept up; %v", clients, keptUp, measured, err)
	}
	return held
}

func sumCounts(m map[int]int64) int64 {
	var n int64
	for _, v := range m {
		n += v
	}
	return n
}
