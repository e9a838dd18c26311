package parse

import "time"

// Tally is a [Sink] that counts every event, for tests and debugging. It is
// not safe for concurrent use (the readers of package pump call it from one
// goroutine; read it after their Wait).
type Tally struct {
	Requests        [4]int // by Kind
	HTTPErrors      map[int]int
	HTTPErrorKinds  [4]int // by Kind
	Reconnects      [3]int // by Cause
	Timeouts        int
	Refused         int
	BodyCuts        int
	SegmentsFailed  int
	PlaylistsFailed int
	Skipped         int
	SeqChanges      int
	Ends            [4]int // by EndReason
	Latencies       [4][]time.Duration
	UnknownLines    int
	ProgressBlocks  int
	LastProgress    Progress
	LinesRead       [2]uint64 // by Stream
	LinesDropped    [2]uint64 // by Stream
	BytesRead       int64     // body bytes read ([ByteSink])
	// URLs, when non-nil, collects each request's URL or path.
	URLs *[]string
}

var (
	_ Sink     = (*Tally)(nil)
	_ ByteSink = (*Tally)(nil)
)

// Bytes implements [ByteSink].
func (t *Tally) Bytes(n int64, _ time.Time) { t.BytesRead += n }

// Request implements [Sink].
func (t *Tally) Request(k Kind, url []byte, _ time.Time) {
	t.Requests[k]++
	if t.URLs != nil {
		*t.URLs = append(*t.URLs, string(url))
	}
}

// HTTPError implements [Sink].
func (t *Tally) HTTPError(k Kind, code int, _ time.Time) {
	if t.HTTPErrors == nil {
		t.HTTPErrors = map[int]int{}
	}
	t.HTTPErrors[code]++
	t.HTTPErrorKinds[k]++
}

// Reconnect implements [Sink].
func (t *Tally) Reconnect(_ Kind, c Cause, _ time.Time) { t.Reconnects[c]++ }

// Timeout implements [Sink].
func (t *Tally) Timeout(Kind, time.Time) { t.Timeouts++ }

// ConnRefused implements [Sink].
func (t *Tally) ConnRefused(time.Time) { t.Refused++ }

// BodyCut implements [Sink].
func (t *Tally) BodyCut(Kind, time.Time) { t.BodyCuts++ }

// SegmentFailed implements [Sink].
func (t *Tally) SegmentFailed(int, time.Time) { t.SegmentsFailed++ }

// PlaylistFailed implements [Sink].
func (t *Tally) PlaylistFailed(time.Time) { t.PlaylistsFailed++ }

// ExpiredSkips implements [Sink].
func (t *Tally) ExpiredSkips(n int, _ time.Time) { t.Skipped += n }

// SequenceChange implements [Sink].
func (t *Tally) SequenceChange(time.Time) { t.SeqChanges++ }

// EndOfStream implements [Sink].
func (t *Tally) EndOfStream(r EndReason, _ time.Time) { t.Ends[r]++ }

// Latency implements [Sink].
func (t *Tally) Latency(k Kind, d time.Duration, _ time.Time) {
	t.Latencies[k] = append(t.Latencies[k], d)
}

// Unknown implements [Sink].
func (t *Tally) Unknown([]byte, time.Time) { t.UnknownLines++ }

// Progress implements [Sink].
func (t *Tally) Progress(p *Progress) {
	t.ProgressBlocks++
	t.LastProgress = *p
}

// Lines implements [Sink].
func (t *Tally) Lines(s Stream, read, dropped uint64) {
	t.LinesRead[s] += read
	t.LinesDropped[s] += dropped
}
