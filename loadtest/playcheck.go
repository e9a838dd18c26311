package loadtest

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/hlsswarm/hlsswarm/internal/ffmpeg"
)

// The checks in this file keep a run from passing silently: a fleet whose
// viewers could not start, or that received nothing, measured nothing, and
// a gate that passes then is worse than none. They fail the test whatever
// thresholds were written (Config.AllowNoPlayback turns the second into a
// log line, for tests that expect a dead origin).

// runProblems returns why r cannot stand as a load test, one message each,
// for t.Errorf; nil when it can. Refused starts always count; no playback
// counts for a run that ran its whole Ramp + Duration.
func (f *Fleet) runProblems(r *Result) []string {
	var out []string
	f.mu.Lock()
	failed, texts := f.exits[ffmpeg.ExitStartFailed.String()], append([]string(nil), f.startFailures...)
	f.mu.Unlock()
	if failed > 0 {
		out = append(out, fmt.Sprintf("loadtest: %d viewer start%s failed: the OS refused to start ffmpeg, so the fleet was smaller than asked and the result describes fewer viewers (%d of %d never ran); errors (each once):\n\t%s",
			failed, plural(failed), r.Clients.NeverStarted, r.Clients.Target, strings.Join(texts, "\n\t")))
	}
	f.mu.Lock()
	full := f.onSchedule
	f.mu.Unlock()
	// A run stopped early (Stop, the test's end, a live threshold that
	// already failed it) made no claim to have loaded anything.
	if msg := noPlayback(r); msg != "" && full {
		if f.cfg.AllowNoPlayback {
			f.t.Logf("%s (allowed: Config.AllowNoPlayback)", msg)
		} else {
			out = append(out, msg+"; set Config.AllowNoPlayback if the test expects this")
		}
	}
	return append(out, f.generatorProblems(r)...)
}

// noPlayback returns why no viewer of r received a segment, or "" when one
// did. A segment was received when a viewer's media time advanced (ffmpeg
// had packets to pass on), when the end of a segment response was seen (a
// latency), or when more segment and init requests went without an HTTP
// error, a timeout or a failure to open than there are viewers (each may
// have one in flight at the stop, which proves nothing: a tarpit holds
// them all). -progress comes once a second, so a short run on a busy
// machine may end before its first media time.
func noPlayback(r *Result) string {
	for _, v := range r.Viewers {
		if v.OutTime > 0 {
			return ""
		}
	}
	tot := r.Totals
	if r.SegmentLatency.Count > 0 {
		return ""
	}
	bad := tot.HTTPErrorsByKind.Segment + tot.HTTPErrorsByKind.Init + tot.Timeouts + tot.SegmentFailures
	if ok := tot.Requests.Segment + tot.Requests.Init; ok > bad && ok-bad > uint64(r.Clients.Total) {
		return ""
	}
	var why []string
	why = append(why, fmt.Sprintf("%d viewer%s ran for %s", r.Clients.Total, plural(r.Clients.Total), r.Elapsed().Round(100*time.Millisecond)))
	why = append(why, fmt.Sprintf("requests: %d playlist, %d segment, %d init", tot.Requests.Manifest, tot.Requests.Segment, tot.Requests.Init))
	if tot.HTTPErrors > 0 {
		codes := make([]string, 0, len(tot.Status))
		for _, sc := range tot.Status {
			codes = append(codes, fmt.Sprintf("%d×%d", sc.Count, sc.Code))
		}
		why = append(why, "HTTP errors: "+strings.Join(codes, ", "))
	}
	if tot.Timeouts > 0 {
		why = append(why, fmt.Sprintf("timeouts: %d", tot.Timeouts))
	}
	if tot.ConnRefused > 0 {
		why = append(why, fmt.Sprintf("connections refused: %d", tot.ConnRefused))
	}
	if len(r.Exits) > 0 {
		classes := make([]string, 0, len(r.Exits))
		for c, n := range r.Exits {
			classes = append(classes, fmt.Sprintf("%s %d", c, n))
		}
		sort.Strings(classes)
		why = append(why, "ffmpeg exits: "+strings.Join(classes, ", "))
	}
	msg := fmt.Sprintf("loadtest: no viewer received a segment from %s: nothing was loaded or measured (%s)", r.Config.URL, strings.Join(why, "; "))
	if len(r.StartErrors) > 0 {
		msg += "; ffmpeg said (each error once):\n\t" + strings.Join(r.StartErrors, "\n\t")
	}
	return msg
}

// countsOf reads g's counts; a panic in it (user code) becomes an error,
// so that it fails one test and not the whole test binary.
func countsOf(g GroundTruth) (counts map[string]map[int]int64, err error) {
	defer func() {
		if p := recover(); p != nil {
			counts, err = nil, fmt.Errorf("loadtest: Config.Origin.RequestCounts panicked: %v", p)
		}
	}()
	return copyCounts(g.RequestCounts()), nil
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}
