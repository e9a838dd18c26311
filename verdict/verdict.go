package verdict

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"
)

// Status is the outcome of one threshold.
type Status uint8

// The outcomes of a threshold.
const (
	// Pass: the condition held (in every window, for "over").
	Pass Status = iota
	// Fail: the condition did not hold.
	Fail
	// NoData: the metric had no observations in the evaluated range, so the
	// condition could not be checked; this fails the threshold.
	NoData
	// NoDataAllowed: no observations, but the threshold was written with
	// "?", so this passes.
	NoDataAllowed
)

// String returns "pass", "fail", "no data" or "no data (allowed)".
func (s Status) String() string {
	switch s {
	case Pass:
		return "pass"
	case Fail:
		return "fail"
	case NoData:
		return "no data"
	case NoDataAllowed:
		return "no data (allowed)"
	}
	return fmt.Sprintf("Status(%d)", uint8(s))
}

// MarshalText returns the String form, so that verdicts encode to JSON
// readably.
func (s Status) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// Verdict is the outcome of one threshold on one run.
type Verdict struct {
	Expr     string  // the expression as written
	Status   Status  // pass, fail, no data
	Observed float64 // in Unit; for "over", the worst window; 0 without data
	Unit     Unit    // unit of Observed
	Limit    string  // the comparison as written, such as "< 250ms"

	// At is when the threshold broke: the earliest elapsed time at which
	// checking the run so far (live, as a running fleet does every second)
	// would have failed: for "over" the end of the first failing window, for
	// counters the point where the count first crossed the limit. 0 unless
	// Status is Fail.
	At time.Duration
	// WindowStart is the start of the first failing window ("over" only).
	WindowStart time.Duration
	// Window is the length of the windows ("over"), 0 for the whole run.
	Window time.Duration
	// Note explains the verdict when the numbers alone do not: why there
	// was no data, or that the run was shorter than the window.
	Note string
}

// Passed reports whether the verdict does not fail the run.
func (v Verdict) Passed() bool { return v.Status == Pass || v.Status == NoDataAllowed }

// ObservedText prints the observed value in its unit, or "-" without data.
func (v Verdict) ObservedText() string {
	if v.Status == NoData || v.Status == NoDataAllowed {
		return "-"
	}
	return v.Unit.Format(v.Observed)
}

// Outcome describes the verdict with its mark, status and, for failures,
// when it broke: "✓ pass", "✗ fail at 12s (window 2s–12s)", "✗ no data".
func (v Verdict) Outcome() string {
	mark := "✓"
	if !v.Passed() {
		mark = "✗"
	}
	s := mark + " " + v.Status.String()
	switch {
	case v.Status == Fail && v.Window > 0:
		s += fmt.Sprintf(" at %s (window %s–%s)", FormatElapsed(v.At), FormatElapsed(v.WindowStart), FormatElapsed(v.At))
	case v.Status == Fail && v.At > 0:
		s += " at " + FormatElapsed(v.At)
	case v.Status == Pass && v.Window > 0 && v.Note == "":
		s += ", worst " + FormatElapsed(v.Window) + " window"
	}
	if v.Note != "" {
		s += ": " + v.Note
	}
	return s
}

// String describes the verdict on one line:
// `p95(segment_latency) < 250ms: observed 312ms: ✗ fail at 30s`.
func (v Verdict) String() string {
	return fmt.Sprintf("%s: observed %s: %s", v.Expr, v.ObservedText(), v.Outcome())
}

// fmtElapsed prints an elapsed time rounded for reading: 12s, 1m30s, 850ms.
func FormatElapsed(d time.Duration) string {
	switch {
	case d >= 10*time.Second:
		return d.Round(time.Second).String()
	case d >= time.Second:
		return d.Round(100 * time.Millisecond).String()
	}
	return d.Round(time.Millisecond).String()
}

// Verdicts are the outcomes of several thresholds, in the order of their
// expressions.
type Verdicts []Verdict

// OK reports whether every verdict passed.
func (vs Verdicts) OK() bool {
	for _, v := range vs {
		if !v.Passed() {
			return false
		}
	}
	return true
}

// Failed returns the verdicts that did not pass: failures and no data.
func (vs Verdicts) Failed() Verdicts {
	var out Verdicts
	for _, v := range vs {
		if !v.Passed() {
			out = append(out, v)
		}
	}
	return out
}

// Breached returns the first verdict whose condition failed on data
// (Status Fail) and true, or false when there is none. A running fleet
// should abort on a breach only: a metric without data yet may still get
// some.
func (vs Verdicts) Breached() (Verdict, bool) {
	for _, v := range vs {
		if v.Status == Fail {
			return v, true
		}
	}
	return Verdict{}, false
}

// WriteTable writes the verdicts as an aligned table with the columns
// threshold, observed, limit and verdict.
func (vs Verdicts) WriteTable(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 0, 3, ' ', 0)
	fmt.Fprintln(tw, "threshold\tobserved\tlimit\tverdict")
	for _, v := range vs {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", v.Expr, v.ObservedText(), v.Limit, v.Outcome())
	}
	return tw.Flush()
}

// Table returns the verdicts as [Verdicts.WriteTable] writes them, without
// the final newline.
func (vs Verdicts) Table() string {
	var b strings.Builder
	_ = vs.WriteTable(&b)
	return strings.TrimSuffix(b.String(), "\n")
}
