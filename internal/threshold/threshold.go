package threshold

import (
	"errors"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/hlsswarm/hlsswarm/internal/stats"
)

// op is a comparison operator.
type op uint8

const (
	opLT op = iota
	opLE
	opGT
	opGE
	opEQ
	opNE
)

var opNames = [...]string{"<", "<=", ">", ">=", "==", "!="}

func (o op) String() string { return opNames[o] }

// holds reports whether "v o limit" is true.
func (o op) holds(v, limit float64) bool {
	switch o {
	case opLT:
		return v < limit
	case opLE:
		return v <= limit
	case opGT:
		return v > limit
	case opGE:
		return v >= limit
	case opEQ:
		return v == limit
	}
	return v != limit
}

// worse reports whether a is further from passing than b: larger for < and
// <=, smaller for > and >=. For == and != no value is worse than another.
func (o op) worse(a, b float64) bool {
	switch o {
	case opLT, opLE:
		return a > b
	case opGT, opGE:
		return a < b
	}
	return false
}

// Threshold is one parsed expression, checked against the metric catalogue
// and ready to evaluate.
type Threshold struct {
	text      string
	query     *Query
	optional  bool // written with "?": no data passes
	op        op
	limit     float64
	limitText string
	over      time.Duration // 0: whole run
	after     time.Duration
	hasAfter  bool
}

// String returns the expression as written, without surrounding space.
func (t *Threshold) String() string { return t.text }

// Query returns the left-hand side of the threshold.
func (t *Threshold) Query() *Query { return t.query }

// Window returns the window of "over", 0 when the threshold covers the run.
func (t *Threshold) Window() time.Duration { return t.over }

// ParseThreshold parses one expression (grammar in the package doc) and
// checks it against the metric catalogue. Errors are *[Error] values that
// wrap [ErrInvalidThreshold].
func ParseThreshold(expr string) (*Threshold, error) {
	st, err := parseSyntax(expr)
	if err != nil {
		return nil, err
	}
	q, e := resolveQuery(st)
	if e != nil {
		return nil, e
	}
	t := &Threshold{text: strings.TrimSpace(expr), query: q, optional: st.optional}
	t.op = op(max(slices.Index(opNames[:], st.op), 0))
	limit, msg := parseLimit(st.value, q.Unit(), q.name)
	if msg != "" {
		return nil, errorAt(expr, st.valuePos, "%s", msg)
	}
	t.limit, t.limitText = limit, st.op+" "+st.value
	if st.over != "" {
		d, ok := parseWindow(st.over)
		if !ok || d <= 0 {
			return nil, errorAt(expr, st.overPos, "window %q is not a positive duration such as 10s", st.over)
		}
		t.over = d
	}
	if st.after != "" {
		d, ok := parseWindow(st.after)
		if !ok {
			return nil, errorAt(expr, st.afterPos, "%q is not a duration such as 30s", st.after)
		}
		t.after, t.hasAfter = d, true
	}
	if !q.def.history && q.def.kind == kindDistribution && (st.over != "" || st.after != "") {
		pos := st.overPos
		if st.over == "" {
			pos = st.afterPos
		}
		return nil, errorAt(expr, pos, "%s is recorded once per viewer start and has no history: over and after do not apply", q.name)
	}
	return t, nil
}

// Set is a compiled list of thresholds. Parse it once and call
// [Set.Evaluate] as often as needed, for example every second on a running
// fleet. A Set is safe for concurrent use; evaluations are serialised
// because they share scratch buffers.
type Set struct {
	thresholds []*Threshold

	mu      sync.Mutex
	scratch scratch
}

// scratch holds the buffers that window arithmetic reuses, so that
// evaluating allocates nothing but the verdicts once the buffers are sized.
type scratch struct {
	hist     stats.HistogramSnapshot
	counters stats.Counters
}

// Parse parses every expression and returns them as a Set. When some do not
// parse it returns all their errors joined ([errors.Join]); each wraps
// [ErrInvalidThreshold].
func Parse(exprs ...string) (*Set, error) {
	s := &Set{thresholds: make([]*Threshold, 0, len(exprs))}
	var errs []error
	for _, e := range exprs {
		t, err := ParseThreshold(e)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		s.thresholds = append(s.thresholds, t)
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return s, nil
}

// Len returns the number of thresholds.
func (s *Set) Len() int { return len(s.thresholds) }

// Thresholds returns the thresholds in the order given to [Parse].
func (s *Set) Thresholds() []*Threshold { return append([]*Threshold(nil), s.thresholds...) }

// Evaluate returns one verdict per threshold, in the order given to
// [Parse]. It reads src once (HistoryPoints, FinalSnapshot, WarmUpPeriod),
// so every threshold sees the same instant. It allocates only the returned slice once its scratch buffers
// are sized.
func (s *Set) Evaluate(src Source) Verdicts {
	return s.AppendVerdicts(make(Verdicts, 0, len(s.thresholds)), src)
}

// AppendVerdicts appends one verdict per threshold to dst and returns it;
// with a dst of enough capacity it does not allocate, which suits a live
// check every second.
func (s *Set) AppendVerdicts(dst Verdicts, src Source) Verdicts {
	v := viewOf(src)
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, t := range s.thresholds {
		dst = append(dst, t.evaluate(&v, &s.scratch))
	}
	return dst
}

// Evaluate returns the verdict of t on src. It allocates scratch buffers
// per call; to evaluate repeatedly, use a [Set].
func (t *Threshold) Evaluate(src Source) Verdict {
	var sc scratch
	v := viewOf(src)
	return t.evaluate(&v, &sc)
}
