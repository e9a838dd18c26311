package assert_test

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/hlsswarm/hlsswarm/assert"
	"github.com/hlsswarm/hlsswarm/internal/stats"
	"github.com/hlsswarm/hlsswarm/internal/threshold"
	"github.com/hlsswarm/hlsswarm/verdict"
)

// fakeRun is an assert.Run over synthetic stats values, as a finished
// *loadtest.Result would present them.
type fakeRun struct {
	final  *stats.Snapshot
	points []stats.Point
	warm   time.Duration
}

func (f *fakeRun) FinalSnapshot() *stats.Snapshot { return f.final }
func (f *fakeRun) HistoryPoints() []stats.Point   { return f.points }
func (f *fakeRun) WarmUpPeriod() time.Duration    { return f.warm }

// Evaluate and Measure make fakeRun an assert.Run the way loadtest's types
// are one: through the threshold engine.
func (f *fakeRun) Evaluate(exprs ...string) (assert.Verdicts, error) {
	return threshold.Evaluate(f, exprs...)
}

func (f *fakeRun) Measure(query string) (verdict.Measurement, error) {
	return threshold.Measure(f, query)
}

// second is one second of a synthetic run of 10 viewers.
type second struct {
	segments   int
	segLatency time.Duration
	errors503  int
	timeouts   int
	speedMin   float64
}

func healthy() second {
	return second{segments: 100, segLatency: 20 * time.Millisecond, speedMin: 1}
}

// newRun builds a run from its seconds: 10 manifest requests at 5 ms and
// 120 progress lines per second besides what each second says.
func newRun(warm time.Duration, seconds ...second) *fakeRun {
	var (
		snap          stats.Snapshot
		seg, man, stp stats.Histogram
		points        []stats.Point
	)
	for i := range 10 {
		stp.Record(time.Duration(800+20*i) * time.Millisecond)
	}
	for _, s := range seconds {
		c := &snap.Counters
		c.Requests[stats.KindSegment] += uint64(s.segments)
		c.Requests[stats.KindManifest] += 10
		for range s.segments {
			seg.Record(s.segLatency)
		}
		for range 10 {
			man.Record(5 * time.Millisecond)
		}
		if s.errors503 > 0 {
			c.HTTPErrors += uint64(s.errors503)
			c.HTTPErrorsByKind[stats.KindSegment] += uint64(s.errors503)
			if len(snap.Status) == 0 {
				snap.Status = []stats.StatusCount{{Code: 503}}
			}
			snap.Status[0].Count += uint64(s.errors503)
		}
		c.Timeouts += uint64(s.timeouts)
		c.ProgressLines += 120
		snap.Elapsed += time.Second
		snap.Clients = stats.Clients{Total: 10, Active: 10}
		snap.SpeedViewers, snap.SpeedMin, snap.SpeedMean = 10, s.speedMin, (s.speedMin+9)/10
		seg.Snapshot(&snap.SegmentLatency)
		man.Snapshot(&snap.ManifestLatency)
		stp.Snapshot(&snap.Startup)
		points = append(points, stats.PointOf(&snap))
	}
	final := snap
	final.Status = slices.Clone(snap.Status)
	final.SegmentLatency = snap.SegmentLatency.Clone()
	final.ManifestLatency = snap.ManifestLatency.Clone()
	final.Startup = snap.Startup.Clone()
	return &fakeRun{final: &final, points: points, warm: warm}
}

func repeat(n int, s second) []second {
	out := make([]second, n)
	for i := range out {
		out[i] = s
	}
	return out
}

// burstRun is 60 s of healthy load (110 requests per second) with 20 503s
// per second from 30 s to 33 s: 0.91 % errors over the run, up to 5.5 % in
// the 10 s windows around the burst.
func burstRun() *fakeRun {
	burst := healthy()
	burst.errors503 = 20
	return newRun(0, slices.Concat(repeat(30, healthy()), repeat(3, burst), repeat(27, healthy()))...)
}

// recordingT is a TestingT that records its calls.
type recordingT struct {
	helpers int
	errors  []string
	logs    []string
}

func (r *recordingT) Helper() { r.helpers++ }
func (r *recordingT) Errorf(format string, args ...any) {
	r.errors = append(r.errors, fmt.Sprintf(format, args...))
}
func (r *recordingT) Logf(format string, args ...any) {
	r.logs = append(r.logs, fmt.Sprintf(format, args...))
}

// errorfOnlyT has Errorf and nothing else: the smallest TestingT.
type errorfOnlyT struct{ errors []string }

func (e *errorfOnlyT) Errorf(format string, args ...any) {
	e.errors = append(e.errors, fmt.Sprintf(format, args...))
}

func joinLines(lines []string) string { return strings.Join(lines, "\n---\n") + "\n" }
