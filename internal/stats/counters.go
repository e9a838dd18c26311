package stats

// Counters are cumulative totals, of one viewer or summed over viewers.
// Subtracting an earlier value of the same series ([Counters.Sub]) gives the
// totals of a window.
type Counters struct {
	Requests         [NumKinds]uint64 // requests by Kind
	Bytes            uint64           // bytes received
	HTTPErrors       uint64           // HTTP errors, all codes and kinds
	HTTPErrorsByKind [NumKinds]uint64 // HTTP errors by Kind of request
	Reconnects       uint64
	Timeouts         uint64
	ConnRefused      uint64
	Restarts         uint64

	ProgressLines        uint64 // -progress lines read
	StderrLines          uint64 // stderr lines read
	DroppedProgressLines uint64 // -progress lines dropped (not parsed in time)
	DroppedStderrLines   uint64 // stderr lines dropped

	SegmentFailures  uint64 // "Failed to open segment"
	PlaylistFailures uint64 // playlist (re)load failures
	ExpiredSkips     uint64 // segments skipped because they expired from the playlist
	SegmentLatencies uint64 // segment and init requests whose latency was measured

	// Playback of a buffer model (the native engine; 0 for ffmpeg's
	// viewers): wall time played or stalled (ns), stalls, stall time
	// (ns) and rendition switches.
	PlaybackTime      uint64
	Stalls            uint64
	StallTime         uint64
	RenditionSwitches uint64
}

// TotalRequests returns the number of requests of all kinds.
func (c *Counters) TotalRequests() uint64 {
	var n uint64
	for _, r := range c.Requests {
		n += r
	}
	return n
}

// Lines returns the number of lines read from both pipes.
func (c *Counters) Lines() uint64 { return c.ProgressLines + c.StderrLines }

// DroppedLines returns the number of lines dropped from both pipes.
func (c *Counters) DroppedLines() uint64 { return c.DroppedProgressLines + c.DroppedStderrLines }

// Add adds o to c.
func (c *Counters) Add(o *Counters) {
	for k := range c.Requests {
		c.Requests[k] += o.Requests[k]
		c.HTTPErrorsByKind[k] += o.HTTPErrorsByKind[k]
	}
	c.Bytes += o.Bytes
	c.HTTPErrors += o.HTTPErrors
	c.Reconnects += o.Reconnects
	c.Timeouts += o.Timeouts
	c.ConnRefused += o.ConnRefused
	c.Restarts += o.Restarts
	c.ProgressLines += o.ProgressLines
	c.StderrLines += o.StderrLines
	c.DroppedProgressLines += o.DroppedProgressLines
	c.DroppedStderrLines += o.DroppedStderrLines
	c.SegmentFailures += o.SegmentFailures
	c.PlaylistFailures += o.PlaylistFailures
	c.ExpiredSkips += o.ExpiredSkips
	c.SegmentLatencies += o.SegmentLatencies
	c.PlaybackTime += o.PlaybackTime
	c.Stalls += o.Stalls
	c.StallTime += o.StallTime
	c.RenditionSwitches += o.RenditionSwitches
}

// Sub subtracts o, an earlier cumulative value of the same series, from c,
// leaving the totals of the window between them. A field that would go
// negative (o is not earlier) becomes 0.
func (c *Counters) Sub(o *Counters) {
	for k := range c.Requests {
		c.Requests[k] = sub0(c.Requests[k], o.Requests[k])
		c.HTTPErrorsByKind[k] = sub0(c.HTTPErrorsByKind[k], o.HTTPErrorsByKind[k])
	}
	c.Bytes = sub0(c.Bytes, o.Bytes)
	c.HTTPErrors = sub0(c.HTTPErrors, o.HTTPErrors)
	c.Reconnects = sub0(c.Reconnects, o.Reconnects)
	c.Timeouts = sub0(c.Timeouts, o.Timeouts)
	c.ConnRefused = sub0(c.ConnRefused, o.ConnRefused)
	c.Restarts = sub0(c.Restarts, o.Restarts)
	c.ProgressLines = sub0(c.ProgressLines, o.ProgressLines)
	c.StderrLines = sub0(c.StderrLines, o.StderrLines)
	c.DroppedProgressLines = sub0(c.DroppedProgressLines, o.DroppedProgressLines)
	c.DroppedStderrLines = sub0(c.DroppedStderrLines, o.DroppedStderrLines)
	c.SegmentFailures = sub0(c.SegmentFailures, o.SegmentFailures)
	c.PlaylistFailures = sub0(c.PlaylistFailures, o.PlaylistFailures)
	c.ExpiredSkips = sub0(c.ExpiredSkips, o.ExpiredSkips)
	c.SegmentLatencies = sub0(c.SegmentLatencies, o.SegmentLatencies)
	c.PlaybackTime = sub0(c.PlaybackTime, o.PlaybackTime)
	c.Stalls = sub0(c.Stalls, o.Stalls)
	c.StallTime = sub0(c.StallTime, o.StallTime)
	c.RenditionSwitches = sub0(c.RenditionSwitches, o.RenditionSwitches)
}

func sub0(a, b uint64) uint64 {
	if b > a {
		return 0
	}
	return a - b
}

// StatusCount is the number of HTTP errors with one status code. Code 0
// stands for "other": a code outside 100..599.
type StatusCount struct {
	Code  int
	Count uint64
}

// Rate is a derived ratio. When its denominator is 0, NoData is true and
// Value is 0, never NaN.
type Rate struct {
	Value  float64
	NoData bool
}

func ratio(num, den uint64) Rate {
	if den == 0 {
		return Rate{NoData: true}
	}
	return Rate{Value: float64(num) / float64(den)}
}

// HTTPErrorRate returns http_error_rate: HTTP errors / requests.
func HTTPErrorRate(c *Counters) Rate { return ratio(c.HTTPErrors, c.TotalRequests()) }

// HTTPErrorRateKind returns http_error_rate{kind}: HTTP errors on requests
// of kind k / requests of kind k.
func HTTPErrorRateKind(c *Counters, k Kind) Rate {
	k = clampKind(k)
	return ratio(c.HTTPErrorsByKind[k], c.Requests[k])
}

// TimeoutRate returns timeout_rate: timeouts / requests.
func TimeoutRate(c *Counters) Rate { return ratio(c.Timeouts, c.TotalRequests()) }

// SegmentLatencyCoverage returns segment_latency_coverage: the share of
// segment and init requests whose latency was measured. ffmpeg's log marks
// the end of a response only in some cases (see internal/parse), so a
// segment_latency verdict rests on this share of the requests: with
// several renditions in one ffmpeg on a busy machine it fell to 1 in 26.
func SegmentLatencyCoverage(c *Counters) Rate {
	return ratio(c.SegmentLatencies, c.Requests[KindSegment]+c.Requests[KindInit])
}

// DroppedLineRate returns dropped_line_rate: lines dropped / lines read,
// over both pipes.
func DroppedLineRate(c *Counters) Rate { return ratio(c.DroppedLines(), c.Lines()) }
