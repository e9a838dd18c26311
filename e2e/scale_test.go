package e2e

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/hlsswarm/hlsswarm/assert"
	"github.com/hlsswarm/hlsswarm/fixtures"
	"github.com/hlsswarm/hlsswarm/loadtest"
)

// originChildEnv makes the test binary serve a live origin (TestMain), so
// that TestScale measures the harness without the origin's CPU.
const originChildEnv = "HLSSWARM_E2E_ORIGIN"

// childCounts is what the origin child reports at the end: its request
// counts, and the requests without a client id (the fleet's own master
// playlist fetch).
type childCounts struct {
	Requests  map[string]map[int]int64
	Anonymous int64
}

// serveOriginChild serves a live origin, prints its URL, and when stdin
// closes prints its request counts as JSON and exits.
func serveOriginChild() int {
	o, err := fixtures.New(fixtures.Live{}, fixtures.WithLogLimit(0))
	if err == nil {
		err = o.Start()
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "origin child:", err)
		return 1
	}
	fmt.Println(o.URL())
	_, _ = io.Copy(io.Discard, os.Stdin)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = o.WaitIdle(ctx)
	_ = json.NewEncoder(os.Stdout).Encode(childCounts{o.RequestCounts(), o.Snapshot().ByClient[""].Total()})
	o.Close()
	return 0
}

// originChild is an origin served by a child process.
type originChild struct {
	url   string
	pid   int
	stdin io.WriteCloser
	out   *bufio.Reader
	cmd   *exec.Cmd
}

func startOriginChild(t *testing.T) *originChild {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), originChildEnv+"=1")
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	o := &originChild{pid: cmd.Process.Pid, stdin: stdin, out: bufio.NewReader(stdout), cmd: cmd}
	t.Cleanup(func() { o.stdin.Close(); _ = o.cmd.Wait() })
	line, err := o.out.ReadString('\n')
	if err != nil {
		t.Fatalf("origin child: %v", err)
	}
	o.url = strings.TrimSpace(line)
	return o
}

// counts stops the origin and returns what it served.
func (o *originChild) counts(t *testing.T) childCounts {
	t.Helper()
	o.stdin.Close()
	var c childCounts
	if err := json.NewDecoder(o.out).Decode(&c); err != nil {
		t.Fatalf("origin child counts: %v", err)
	}
	return c
}

// procStat returns the CPU time (utime+stime) of a process, from
// /proc/<pid>/stat in clock ticks of 10 ms.
func procCPU(pid string) (time.Duration, bool) {
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
	return time.Duration(u+s) * 10 * time.Millisecond, true
}

// procKB returns a "Key: N kB" field of a /proc file in kB.
func procKB(path, key string) int64 {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0
	}
	for _, l := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(l, key+":"); ok {
			n, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			return n
		}
	}
	return 0
}

// fleetSample is the CPU and memory of the fleet's processes at one time.
type fleetSample struct {
	at             time.Time
	harness        time.Duration // this test process: fleet, readers, parsers, stats
	origin         time.Duration // the origin child
	ffmpeg         time.Duration // the viewers in pids
	ffmpegPSSKB    int64
	harnessRSSKB   int64
	originRSSKB    int64
	ffmpegAccessed int
}

func sampleFleet(pids []int, origin int) fleetSample {
	s := fleetSample{at: time.Now()}
	s.harness, _ = procCPU("self")
	s.origin, _ = procCPU(strconv.Itoa(origin))
	for _, p := range pids {
		if c, ok := procCPU(strconv.Itoa(p)); ok {
			s.ffmpeg += c
			s.ffmpegPSSKB += procKB(fmt.Sprintf("/proc/%d/smaps_rollup", p), "Pss")
			s.ffmpegAccessed++
		}
	}
	s.harnessRSSKB = procKB("/proc/self/status", "VmHWM") // peak resident set so far
	s.originRSSKB = procKB(fmt.Sprintf("/proc/%d/status", origin), "VmHWM")
	return s
}

// TestScale runs 300 live viewers for 30 s after the default ramp (10
// starts a second, so 30 s) against an origin in a child process, and logs
// what it cost: how many viewers kept up, the harness's CPU against the
// viewers' ffmpeg CPU and the origin's, memory, and dropped lines (which
// must be 0). It takes about 70 s and keeps two cores busy; skipped with
// -short. The figures under -race are the race detector's, not the
// harness's: take them from a run without it.
func TestScale(t *testing.T) {
	if testing.Short() {
		t.Skip("300 viewers for 60 s: skipped with -short")
	}
	const (
		clients  = 300
		duration = 30 * time.Second
		window   = 20 * time.Second // steady-state measurement
	)
	origin := startOriginChild(t)
	token := hostOf(t, origin.url)
	begin := time.Now()
	f := loadtest.Start(t, loadtest.Config{URL: origin.url, Clients: clients, Duration: duration, ProgressInterval: 10 * time.Second})
	waitFor(t, 90*time.Second, "all viewers active", func() bool { return f.Snapshot().Clients.Active == clients })
	full := time.Since(begin)
	time.Sleep(3 * time.Second) // let the last starts settle

	pids := ffmpegPids(token)
	snap1, s1 := f.Snapshot(), sampleFleet(pids, origin.pid)
	peakPSS, peakHarness := s1.ffmpegPSSKB, s1.harnessRSSKB
	for i := 0; i < 4; i++ {
		time.Sleep(window / 4)
		if i < 3 {
			s := sampleFleet(pids, origin.pid)
			peakPSS, peakHarness = max(peakPSS, s.ffmpegPSSKB), max(peakHarness, s.harnessRSSKB)
		}
	}
	snap2, s2 := f.Snapshot(), sampleFleet(pids, origin.pid)
	peakPSS, peakHarness = max(peakPSS, s2.ffmpegPSSKB), max(peakHarness, s2.harnessRSSKB)
	res := f.Wait()
	c := origin.counts(t)
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
	harness, ffmpeg, originCPU := (s2.harness - s1.harness).Seconds(), (s2.ffmpeg - s1.ffmpeg).Seconds(), (s2.origin - s1.origin).Seconds()
	t.Logf(`scale: %d live viewers (MPEG-TS, 1 s segments, one rendition each, round-robin over 2; keep-alive %s), %s at full strength; race detector %v
  ramp             %s to full strength (default ramp %s)
  kept up          %d of %d viewers advanced >= 99%% of wall time over %s (allowing one 1 s segment of step); %d without that allowance
  CPU (%2.0f s)      harness %.1f%% of a core, ffmpeg %.1f%% of a core (%.3f%% per viewer, %d processes), origin %.1f%% of a core
                   harness = %.1f%% of ffmpeg's CPU (the harness is this test process: fleet, pipe readers, parsers, stats; the origin runs in a child process)
  memory           ffmpeg PSS peak %.0f MB (%.1f MB per viewer, sum of smaps_rollup sampled 5 times); harness peak RSS %.0f MB; origin peak RSS %.0f MB (VmHWM)
  lines            %d stderr + %d progress lines read, %d dropped
  requests         manifest %d segment %d (origin served %d / %d); errors %d timeouts %d
  %s`,
		clients, f.Config().KeepAlive, duration, raceEnabled,
		full.Round(100*time.Millisecond), f.Config().Ramp,
		keptUp, measured, wall.Round(100*time.Millisecond), strict,
		secs, 100*harness/secs, 100*ffmpeg/secs, 100*ffmpeg/secs/float64(max(s2.ffmpegAccessed, 1)), s2.ffmpegAccessed, 100*originCPU/secs,
		100*harness/max(ffmpeg, 0.001),
		float64(peakPSS)/1024, float64(peakPSS)/1024/float64(max(s2.ffmpegAccessed, 1)), float64(peakHarness)/1024, float64(s2.originRSSKB)/1024,
		res.Totals.StderrLines, res.Totals.ProgressLines, res.Totals.DroppedLines,
		res.Totals.Requests.Manifest, res.Totals.Requests.Segment, sumCounts(served["manifest"]), sumCounts(served["segment"]),
		res.Totals.HTTPErrors, res.Totals.Timeouts,
		strings.ReplaceAll(res.Summary(), "\n", "\n  "))

	assert.Thresholds(t, res, "dropped_lines == 0", "http_errors == 0", "timeouts == 0")
	if measured != clients {
		t.Errorf("%d viewers measured over the window; want all %d", measured, clients)
	}
	for _, k := range []string{"manifest", "segment"} {
		ours, theirs := int64(res.Totals.Requests.Get(k)), sumCounts(served[k])
		if ours < theirs || ours > theirs+clients {
			t.Errorf("%s requests: counted %d, origin served %d; want equal up to %d in flight", k, ours, theirs, clients)
		}
	}
	if left := ffmpegPids(token); len(left) != 0 {
		t.Errorf("%d ffmpeg processes left after the run", len(left))
	}
}

func sumCounts(m map[int]int64) int64 {
	var n int64
	for _, v := range m {
		n += v
	}
	return n
}
