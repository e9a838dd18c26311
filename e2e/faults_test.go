package e2e

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/hlsswarm/hlsswarm/assert"
	"github.com/hlsswarm/hlsswarm/fixtures"
	"github.com/hlsswarm/hlsswarm/internal/testkit"
	"github.com/hlsswarm/hlsswarm/loadtest"
)

// faultRun is the schedule of every fault case: a healthy start (at least
// faultOn, and until every viewer plays), the fault for faultHold (longer
// when it has not fired minFaults times yet), and a healthy tail long
// enough for every held response to end before the fleet is stopped, so
// that nothing faulty is in flight at the stop and the counts can be
// compared exactly. The schedule follows the fleet rather than the clock:
// on a busy machine starts take seconds, and a window fixed in wall time
// saw no fault at all.
const (
	faultClients = 6
	faultOn      = 3 * time.Second
	faultHold    = 7 * time.Second
	faultTail    = 9 * time.Second
	faultRamp    = time.Second
	faultRunTime = 2 * time.Minute // Duration after the ramp: the fleet is stopped after the tail
	minFaults    = 3
)

// window is when a fault was on, counted from the run's start.
type window struct{ on, off time.Duration }

// faultOutcome is a run with a fault, with the origin's ground truth taken
// once the origin was idle.
type faultOutcome struct {
	res   *loadtest.Result
	truth fixtures.Snapshot
	log   []fixtures.Request
}

// runWithFault plays a live origin with faultClients viewers and applies
// fault for faultHold, once every viewer plays (see faultWindow).
func runWithFault(t *testing.T, fault fixtures.Fault, timeout time.Duration, keepAlive loadtest.KeepAlive) faultOutcome {
	t.Helper()
	origin := fixtures.NewOrigin(t, fixtures.Live{}, fixtures.WithSeed(7))
	f := loadtest.Start(t, loadtest.Config{
		URL: origin.URL(), Clients: faultClients, Ramp: faultRamp, Duration: faultRunTime,
		Timeout: timeout, KeepAlive: keepAlive, ProgressInterval: -1, Origin: origin,
	})
	res, _ := faultWindow(t, origin, f, faultOn, faultHold, fault)
	if res.Totals.DroppedLines != 0 {
		t.Fatalf("%d dropped lines: the counts cannot be compared", res.Totals.DroppedLines)
	}
	return faultOutcome{res: res, truth: origin.Snapshot(), log: origin.Requests()}
}

// faultWindow applies fault on origin once at least on has passed and
// every viewer plays, holds it for hold and until it fired minFaults times
// (at most a minute), stops the fleet faultTail later and waits for the
// origin to be idle, so that its record is complete. It returns the Result
// and when the fault was on.
func faultWindow(t *testing.T, origin *fixtures.Origin, f *loadtest.Fleet, on, hold time.Duration, fault fixtures.Fault) (*loadtest.Result, window) {
	t.Helper()
	begin := time.Now()
	time.Sleep(on)
	testkit.WaitFor(t, time.Minute, "every viewer playing before the fault", func() bool {
		s := f.Snapshot()
		playing := 0
		for _, v := range s.Viewers {
			if v.Active && v.Requests.Segment > 0 {
				playing++
			}
		}
		return playing == f.Config().Clients
	})
	var w window
	w.on = time.Since(begin)
	if err := origin.SetFaults(fault); err != nil {
		t.Fatal(err)
	}
	faultStart := time.Now()
	for time.Since(faultStart) < hold || origin.Snapshot().Faults[fault.Type] < minFaults && time.Since(faultStart) < time.Minute {
		time.Sleep(100 * time.Millisecond)
	}
	if err := origin.SetFaults(); err != nil {
		t.Fatal(err)
	}
	w.off = time.Since(begin)
	time.Sleep(faultTail)
	res := f.Stop()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := origin.WaitIdle(ctx); err != nil {
		t.Fatalf("origin not idle after the run: %v", err)
	}
	w.on, w.off = w.on-res.Start.Sub(begin), w.off-res.Start.Sub(begin)
	return res, w
}

// within fails the test unless got is within 0.5 % of want (exact below 200).
func within(t *testing.T, what string, got, want int64) {
	t.Helper()
	d := got - want
	if d < 0 {
		d = -d
	}
	if want <= 0 || d*1000 > want*5 {
		t.Errorf("%s: counted %d, ground truth %d; want within 0.5%% (and > 0)", what, got, want)
	}
}

// thresholdFails checks that expr fails on res, without failing the test:
// the failure goes to a recording TB.
func thresholdFails(t *testing.T, res *loadtest.Result, expr string) {
	t.Helper()
	rec := &testkit.Recorder{TB: t, RealFatal: true}
	if assert.Thresholds(rec, res, expr) {
		t.Errorf("threshold %q passed; want it to catch the fault", expr)
		return
	}
	if errs := rec.Errors(); len(errs) != 1 || !strings.Contains(errs[0], expr) || !strings.Contains(errs[0], "✗ fail") {
		t.Errorf("failures = %q; want one table that shows %q failing", errs, expr)
	}
}

// skippedSegments counts, from the origin's log, the segments each client
// never asked for between the first and the last one it asked for, per
// rendition: the segments it skipped.
func skippedSegments(log []fixtures.Request) int64 {
	seen := map[string][]int{} // client/rendition -> segment numbers
	for _, r := range log {
		if r.Kind != fixtures.KindSegment {
			continue
		}
		base := r.Path[strings.LastIndexByte(r.Path, '/')+1:]
		n, err := strconv.Atoi(strings.TrimSuffix(strings.TrimPrefix(base, "seg_"), ".ts"))
		if err != nil {
			continue
		}
		k := r.Client + "/" + r.Rendition
		seen[k] = append(seen[k], n)
	}
	var gaps int64
	for _, ns := range seen {
		sort.Ints(ns)
		for i := 1; i < len(ns); i++ {
			if d := ns[i] - ns[i-1]; d > 1 {
				gaps += int64(d - 1)
			}
		}
	}
	return gaps
}

// TestFaults injects each fault kind into a live origin for 7 s (or until
// it fired 3 times) of a run of about 20 s, with viewers on keep-alive connections (ffmpeg's default, what
// loadtest does over https) and without (-http_persistent 0, loadtest's
// default over http), and shows two things: the threshold a user would
// write for it fails (recorded, not failing this test), and what the
// parsers counted from ffmpeg's log matches the origin's ground truth
// within 0.5 %. It also checks that a fault does not spoil the other
// numbers: request counts still equal the origin's.
//
// What ffmpeg 5.1 logs decides the signal:
//   - an error status is logged as such (404, 500, 503). Without
//     keep-alive, a 500 on a live media playlist reload is not retried and
//     ends the viewer with status 0: on a live stream an early end
//     ("ended-early"), restarted under on-failure, so the fleet keeps its
//     size; with keep-alive, it is retried on a new connection;
//   - a stall before the headers, beyond the viewer timeout, is a timeout;
//   - a reset before the response fails the segment; with keep-alive a
//     reset on a reused connection is first retried on a new one (a
//     reconnect). ffmpeg prints no error of its own for the reset, the
//     same lines as for a timeout: the parser tells them apart by the
//     time to failure against the viewer's timeout, so it is no timeout;
//   - a bandwidth cap below the stream's bitrate is no error at all: the
//     viewer falls behind and skips expired segments, which ffmpeg logs;
//     the origin's log shows the same skips as gaps in each viewer's
//     segment numbers;
//   - a truncated body: ffmpeg logs it ("Stream ends prematurely"), a
//     reconnect in both modes; with keep-alive the silent retry of the
//     next request on the spoilt connection is part of the same incident,
//     not a second reconnect;
//   - a stall in the body beyond the timeout is a blind spot: the read
//     times out and ends the segment without a line. With keep-alive the
//     next request on that connection sometimes times out too (a timeout
//     and a reconnect), depending on timing; the lost time may show as
//     expired segments skipped;
//   - a reset in the body leaves no line of its own; with keep-alive the
//     next request on the dead connection fails to be written (Broken
//     pipe) and is retried, a reconnect, most of the time but not always;
//     without keep-alive it is a blind spot.
//
// For a blind spot the test shows that the origin's ground truth records
// every fault, and that no counter counts more than there were.
//
// A body stall shorter than the timeout leaves no line in either mode; QoE
// (drift) sees it: see TestBodyStallWithinTimeout.
func TestFaults(t *testing.T) {
	t.Parallel()
	seg := []fixtures.Kind{fixtures.KindSegment}
	// The stall cases hold for twice the viewers' rw_timeout. The timeout
	// has room: on two busy cores (go test -race ./...) a healthy playlist
	// load can take over a second.
	const timeout, stall = 3 * time.Second, 6 * time.Second
	type expect struct {
		threshold string // the check that must fail; "" for a blind spot
		exact     bool   // counted within 0.5 % of the truth; else at most the truth
	}
	off, on := loadtest.KeepAliveOff, loadtest.KeepAliveOn
	visible := func(threshold string) map[loadtest.KeepAlive]expect {
		return map[loadtest.KeepAlive]expect{off: {threshold, true}, on: {threshold, true}}
	}
	tests := []struct {
		name    string
		fault   fixtures.Fault
		timeout time.Duration
		expect  map[loadtest.KeepAlive]expect
		// count returns what the parsers counted for the fault and the
		// ground truth it must match.
		count func(t *testing.T, o faultOutcome) (got, want int64, what string)
	}{
		{
			name:   "404_segments",
			fault:  fixtures.Fault{Type: fixtures.FaultStatus, Status: 404, Kinds: seg, Probability: 0.2},
			expect: visible("http_errors{code=404} == 0"),
			count: func(t *testing.T, o faultOutcome) (int64, int64, string) {
				return int64(o.res.Totals.HTTPErrorsFor(404)), o.truth.ByKind[fixtures.KindSegment][404], "segment 404s"
			},
		},
		{
			name:   "500_media_playlists",
			fault:  fixtures.Fault{Type: fixtures.FaultStatus, Status: 500, Kinds: []fixtures.Kind{fixtures.KindMedia}, Probability: 0.2},
			expect: visible("http_errors{kind=manifest} == 0"),
			count: func(t *testing.T, o faultOutcome) (int64, int64, string) {
				if got := o.res.Totals.HTTPErrorsByKind.Manifest; got != o.res.Totals.HTTPErrorsFor(500) {
					t.Errorf("manifest errors %d; want all of them 500s (%d)", got, o.res.Totals.HTTPErrorsFor(500))
				}
				// A viewer the 500 ended (status 0, a live stream) was
				// restarted: none is missing at the end, none ended clean.
				if o.res.Clients.Active != faultClients || o.res.Exits["clean"] != 0 {
					t.Errorf("active viewers at the end %d, exits %v; want all %d active, early ends restarted", o.res.Clients.Active, o.res.Exits, faultClients)
				}
				return int64(o.res.Totals.HTTPErrorsFor(500)), o.truth.ByKind[fixtures.KindMedia][500], "media playlist 500s"
			},
		},
		{
			name:   "503_bursts",
			fault:  fixtures.Fault{Type: fixtures.FaultStatus, Status: 503, Kinds: seg, Every: 3},
			expect: visible("http_error_rate < 1% over 5s"),
			count: func(t *testing.T, o faultOutcome) (int64, int64, string) {
				return int64(o.res.Totals.HTTPErrorsFor(503)), o.truth.ByKind[fixtures.KindSegment][503], "segment 503s"
			},
		},
		{
			name:    "header_stall",
			fault:   fixtures.Fault{Type: fixtures.FaultHeaderStall, Delay: stall, Kinds: seg, Probability: 0.2},
			timeout: timeout,
			expect:  visible("timeouts == 0"),
			count: func(t *testing.T, o faultOutcome) (int64, int64, string) {
				// A viewer that gives up before the status line is recorded
				// with status 0: the origin's count of timeouts, whatever
				// their cause (every stall, and any healthy request that
				// was too slow on a loaded machine).
				var noStatus int64
				for _, byStatus := range o.truth.ByKind {
					noStatus += byStatus[0]
				}
				if stalls := o.truth.Faults[fixtures.FaultHeaderStall]; o.truth.ByKind[fixtures.KindSegment][0] < stalls {
					t.Errorf("origin: %d segment requests without status; want one per stall (%d) at least", o.truth.ByKind[fixtures.KindSegment][0], stalls)
				}
				return int64(o.res.Totals.Timeouts), noStatus, "timeouts (requests without status)"
			},
		},
		{
			name:   "reset_before_response",
			fault:  fixtures.Fault{Type: fixtures.FaultReset, Kinds: seg, Probability: 0.2},
			expect: map[loadtest.KeepAlive]expect{off: {"segment_failures == 0", true}, on: {"reconnects == 0", true}},
			count: func(t *testing.T, o faultOutcome) (int64, int64, string) {
				tot := o.res.Totals
				if tot.Timeouts != 0 {
					t.Errorf("timeouts = %d; want 0: a reset is no timeout", tot.Timeouts)
				}
				return int64(tot.Reconnects + tot.SegmentFailures), o.truth.Faults[fixtures.FaultReset], "reconnects + segment failures (resets)"
			},
		},
		{
			name: "bandwidth_cap",
			// 10 kB/s per response, below both renditions' bitrates
			// (120 and 300 kbit/s: 15 and 37.5 kB/s).
			fault:  fixtures.Fault{Type: fixtures.FaultBandwidth, BytesPerSecond: 10_000, Kinds: seg},
			expect: visible("expired_skips == 0"),
			count: func(t *testing.T, o faultOutcome) (int64, int64, string) {
				return int64(o.res.Totals.ExpiredSkips), skippedSegments(o.log), "expired segments skipped"
			},
		},
		{
			name:    "body_stall_beyond_timeout",
			fault:   fixtures.Fault{Type: fixtures.FaultBodyStall, Delay: stall, After: 5000, Kinds: seg, Probability: 0.2},
			timeout: timeout,
			expect:  map[loadtest.KeepAlive]expect{off: {"", false}, on: {"", false}},
			count: func(t *testing.T, o faultOutcome) (int64, int64, string) {
				return int64(o.res.Totals.Timeouts), o.truth.Faults[fixtures.FaultBodyStall], "timeouts (body stalls)"
			},
		},
		{
			name:   "truncated_segment",
			fault:  fixtures.Fault{Type: fixtures.FaultTruncate, After: 5000, Kinds: seg, Probability: 0.2},
			expect: visible("reconnects == 0"),
			count: func(t *testing.T, o faultOutcome) (int64, int64, string) {
				return int64(o.res.Totals.Reconnects), o.truth.Faults[fixtures.FaultTruncate], "reconnects (truncations)"
			},
		},
		{
			name:   "reset_mid_body",
			fault:  fixtures.Fault{Type: fixtures.FaultReset, After: 5000, Kinds: seg, Probability: 0.2},
			expect: map[loadtest.KeepAlive]expect{off: {"", false}, on: {"reconnects == 0", false}},
			count: func(t *testing.T, o faultOutcome) (int64, int64, string) {
				return int64(o.res.Totals.Reconnects), o.truth.Faults[fixtures.FaultReset], "reconnects (resets)"
			},
		},
	}
	for _, mode := range []loadtest.KeepAlive{off, on} {
		for _, tc := range tests {
			t.Run("keepalive_"+string(mode)+"/"+tc.name, func(t *testing.T) {
				t.Parallel()
				exp := tc.expect[mode]
				o := runWithFault(t, tc.fault, tc.timeout, mode)
				if o.truth.Faults[tc.fault.Type] == 0 {
					t.Fatalf("no %s fault injected", tc.fault.Type)
				}
				got, want, what := tc.count(t, o)
				if exp.threshold != "" {
					thresholdFails(t, o.res, exp.threshold)
				}
				if exp.exact {
					within(t, what, got, want)
				} else {
					blindSpot(t, o, tc.fault, got, want, what)
				}
				tot := o.res.Totals
				// In flight at the stop: a request ffmpeg logged just before
				// it was stopped may never reach the origin (one per viewer
				// at most). Nothing else may differ: a request whose write
				// failed on a dead connection (Broken pipe, after a reset in
				// the body with keep-alive) is a reconnect, not a request.
				extra := int64(faultClients)
				// Viewer by viewer: requests by kind, and error statuses
				// code for code, as for a healthy origin.
				truthDiff(t, o.truth, o.res, 2*faultClients)
				segs, truthSegs := int64(tot.Requests.Segment), sum(o.truth.ByKind[fixtures.KindSegment])
				if segs < truthSegs || segs > truthSegs+extra {
					t.Errorf("segment requests: counted %d, origin %d; want equal (up to %d more)%s", segs, truthSegs, extra, viewerDiffs(o))
				}
				// The fleet's own master and media playlist fetches have no
				// client id.
				manifests := int64(tot.Requests.Manifest)
				anon := o.truth.ByClient[""].Requests
				truthManifests := sum(o.truth.ByKind[fixtures.KindMaster]) + sum(o.truth.ByKind[fixtures.KindMedia]) - anon[fixtures.KindMaster] - anon[fixtures.KindMedia]
				if manifests < truthManifests || manifests > truthManifests+faultClients {
					t.Errorf("manifest requests: counted %d, origin %d; want equal (up to %d in flight)%s", manifests, truthManifests, faultClients, viewerDiffs(o))
				}
				t.Logf("%s keep-alive %s: %s counted %d, truth %d | faults %v | errors %d %v timeouts %d reconnects %d segment failures %d skips %d restarts %d exits %v | requests %d/%d segment, %d/%d manifest (parsers/origin)",
					tc.name, mode, what, got, want, o.truth.Faults, tot.HTTPErrors, tot.Status, tot.Timeouts, tot.Reconnects,
					tot.SegmentFailures, tot.ExpiredSkips, tot.Restarts, o.res.Exits, segs, truthSegs, manifests, truthManifests)
			})
		}
	}
}

// blindSpot checks a fault that ffmpeg 5.1 may not log: the origin's log
// holds every faulted response, cut short of the full body or (a body
// stall on a connection the viewer kept open) held for the whole delay;
// and the parsers' counter, which sees none, some or all of them, never
// counts more than there were.
func blindSpot(t *testing.T, o faultOutcome, f fixtures.Fault, got, want int64, what string) {
	t.Helper()
	var spoilt int64
	for _, r := range o.log {
		if r.Fault == f.Type && r.Kind == fixtures.KindSegment && r.Status == 200 &&
			(r.Bytes <= f.After || f.Type == fixtures.FaultBodyStall && r.Duration >= f.Delay) {
			spoilt++
		}
	}
	within(t, "origin log: faulted segment responses cut short or held", spoilt, want)
	if got > want {
		t.Errorf("%s: counted %d, more than the %d faults", what, got, want)
	}
	t.Logf("blind spot: %d %s faults, %d of them visible in ffmpeg's counters (%s); the origin's ground truth has them all", want, f.Type, got, what)
}

// viewerDiffs lists the viewers whose request counts differ from the
// origin's record of their requests, for failure messages.
func viewerDiffs(o faultOutcome) string {
	var b strings.Builder
	for _, v := range o.res.Viewers {
		c := o.truth.ByClient[strconv.Itoa(v.ID)]
		m := c.Requests[fixtures.KindMaster] + c.Requests[fixtures.KindMedia]
		if int64(v.Requests.Manifest) != m || int64(v.Requests.Segment) != c.Requests[fixtures.KindSegment] {
			fmt.Fprintf(&b, "\n\tviewer %d: manifest %d/%d segment %d/%d (parsers/origin)", v.ID, v.Requests.Manifest, m, v.Requests.Segment, c.Requests[fixtures.KindSegment])
		}
	}
	return b.String()
}

func sum(m map[int]int64) int64 {
	var n int64
	for _, v := range m {
		n += v
	}
	return n
}
