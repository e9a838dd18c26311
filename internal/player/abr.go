package player

import (
	"cmp"
	"math"
	"slices"
	"time"

	"github.com/hlsswarm/hlsswarm/internal/hls"
)

// Variant is one variant of a master playlist that an adaptive viewer
// (Viewer.Variants) may play.
type Variant struct {
	// URL is the variant's media playlist.
	URL string
	// Bandwidth is the variant's BANDWIDTH, in bits per second.
	Bandwidth int64
	// Audio is the media playlist of the audio rendition played beside
	// it; "" for none.
	Audio string
}

// The adaptive rule's parameters: hls.js's defaults (its abrEwmaFastLive,
// abrEwmaSlowLive, abrEwmaDefaultEstimate, abrBandWidthFactor and
// abrBandWidthUpFactor), and the sample bounds of the estimator.
const (
	// abrFastHalfLife and abrSlowHalfLife are the half-lives, in seconds
	// of download time, of the estimator's two averages: half of each
	// average comes from the last half-life of downloads.
	abrFastHalfLife = 3.0
	abrSlowHalfLife = 9.0
	// abrDefaultEstimate is the estimate, in bits per second, before the
	// first sample.
	abrDefaultEstimate = 500_000
	// abrDownFactor scales the estimate that must cover the current
	// variant's BANDWIDTH for the viewer to stay on it; abrUpFactor the
	// one that must cover a higher variant's to switch up. The gap
	// between them keeps a viewer from flapping between two variants.
	abrDownFactor = 0.95
	abrUpFactor   = 0.7
	// abrMinSampleBytes is the smallest download sampled: the time of a
	// tiny body is mostly round trip, not throughput (Shaka Player's
	// rule). abrMinSampleTime is the least download time a sample is
	// given (hls.js's): a body read from a local cache or the loopback in
	// no measurable time would otherwise weigh nothing and estimate
	// anything.
	abrMinSampleBytes = 16_000
	abrMinSampleTime  = 50 * time.Millisecond
	// abrAbandonAfter is how long a segment download runs before the
	// abandon rule looks at it: a shorter one says little of the rate.
	abrAbandonAfter = 200 * time.Millisecond
)

// ewma is an exponentially weighted moving average whose samples are
// weighted by their duration: after halfLife seconds of samples, the
// older ones make up half of the average.
type ewma struct {
	halfLife float64
	avg      float64
	weight   float64 // total sample duration, seconds
}

func (e *ewma) add(seconds, value float64) {
	keep := math.Pow(0.5, seconds/e.halfLife)
	e.avg = value*(1-keep) + e.avg*keep
	e.weight += seconds
}

// value is the average, corrected for its zero start: without the
// correction, the first samples would be averaged with a zero that was
// never measured.
func (e *ewma) value() float64 {
	return e.avg / (1 - math.Pow(0.5, e.weight/e.halfLife))
}

// estimator estimates a viewer's throughput from its segment downloads,
// as hls.js does: bytes over download time of each segment, averaged over
// a fast and a slow half-life; the estimate is the lower of the two, so
// that it falls fast and rises slowly.
type estimator struct {
	fast, slow ewma
}

func newEstimator() estimator {
	return estimator{fast: ewma{halfLife: abrFastHalfLife}, slow: ewma{halfLife: abrSlowHalfLife}}
}

// sample records a download of n bytes that took d, request to body end.
// Downloads under abrMinSampleBytes are not sampled.
func (e *estimator) sample(n int64, d time.Duration) {
	if n < abrMinSampleBytes {
		return
	}
	s := max(d, abrMinSampleTime).Seconds()
	bps := float64(8*n) / s
	e.fast.add(s, bps)
	e.slow.add(s, bps)
}

// restart starts the estimate afresh from one download of n bytes that
// took d, whatever its size.
func (e *estimator) restart(n int64, d time.Duration) {
	if n <= 0 {
		return
	}
	*e = newEstimator()
	s := max(d, abrMinSampleTime).Seconds()
	bps := float64(8*n) / s
	e.fast.add(s, bps)
	e.slow.add(s, bps)
}

// estimate returns the throughput estimate in bits per second:
// abrDefaultEstimate before the first sample.
func (e *estimator) estimate() float64 {
	if e.fast.weight == 0 {
		return abrDefaultEstimate
	}
	return min(e.fast.value(), e.slow.value())
}

// abr chooses the variant an adaptive viewer plays next. The rule, at
// each segment, with E the throughput estimate:
//
//   - start on the highest variant whose BANDWIDTH is at most
//     abrUpFactor × abrDefaultEstimate, or the lowest;
//   - down: when abrDownFactor × E is below the current variant's
//     BANDWIDTH, switch to the highest variant whose BANDWIDTH it covers,
//     or the lowest;
//   - up: when abrUpFactor × E covers a higher variant's BANDWIDTH,
//     switch to the highest it covers;
//   - near empty: once playback began, the variant chosen must fetch the
//     segment (BANDWIDTH × its duration, at abrDownFactor × E) before
//     the media buffered ahead of the playback clock runs out; else the
//     highest lower variant that does, or the lowest. A stalled viewer
//     (nothing buffered) thus drops to the lowest at once;
//   - abandon: during a segment's download (from abrAbandonAfter on, once
//     playback began), when the rest of it would arrive, at the rate
//     measured so far, after the buffer runs out, the download is given
//     up for the highest lower variant whose whole segment would arrive
//     in time at that rate, or else for the lowest if that one would
//     arrive before the rest of this one; the estimate starts afresh from
//     the rate of the download given up (so that the old estimate, which
//     chose the variant that was too slow, does not switch straight back
//     up), and the segment is fetched from the lower variant, as hls.js's
//     abandon rule does.
type abr struct {
	variants []Variant // by BANDWIDTH, lowest first
	cur      int
	est      estimator
	audio    string // the starting variant's audio rendition
	// abandonTo is the variant a download was given up for.
	abandonTo int
}

// newABR returns the adaptive state of a viewer of vs (at least one),
// on its starting variant.
func newABR(vs []Variant) *abr {
	a := &abr{variants: slices.Clone(vs), est: newEstimator()}
	slices.SortStableFunc(a.variants, func(x, y Variant) int { return cmp.Compare(x.Bandwidth, y.Bandwidth) })
	a.cur = a.highestWithin(abrUpFactor * abrDefaultEstimate)
	a.audio = a.current().Audio
	return a
}

// current returns the variant played.
func (a *abr) current() Variant { return a.variants[a.cur] }

// highestWithin returns the highest variant whose BANDWIDTH is at most
// bps, or the lowest.
func (a *abr) highestWithin(bps float64) int {
	best := 0
	for i, v := range a.variants {
		if float64(v.Bandwidth) <= bps {
			best = i
		}
	}
	return best
}

// next returns the variant to fetch a segment of duration seg from, given
// the media buffered ahead of the playback clock and whether playback
// began (see [abr] for the rule).
func (a *abr) next(seg, ahead time.Duration, began bool) int {
	est := a.est.estimate()
	down := abrDownFactor * est
	pick := max(a.cur, a.highestWithin(abrUpFactor*est))
	if float64(a.variants[a.cur].Bandwidth) > down {
		pick = a.highestWithin(down)
	}
	for began && pick > 0 && fetchTime(a.variants[pick].Bandwidth, seg, down) > ahead {
		pick--
	}
	return pick
}

// abandon applies the abandon rule to a download of a segment of duration
// seg that read read bytes of size (-1 when unknown) in elapsed, with
// ahead buffered: it returns the variant to give it up for, and whether
// to.
func (a *abr) abandon(seg time.Duration, read, size int64, elapsed, ahead time.Duration) (int, bool) {
	if a.cur == 0 || elapsed < abrAbandonAfter || read <= 0 {
		return 0, false
	}
	if size <= 0 {
		size = max(read, a.variants[a.cur].Bandwidth/8*int64(seg)/int64(time.Second))
	}
	rate := float64(8*read) / elapsed.Seconds()
	rest := time.Duration(float64(8*(size-read)) / rate * float64(time.Second))
	if rest <= ahead {
		return 0, false
	}
	for i := a.cur - 1; i >= 0; i-- {
		if fetchTime(a.variants[i].Bandwidth, seg, rate) <= ahead {
			return i, true
		}
	}
	if fetchTime(a.variants[0].Bandwidth, seg, rate) < rest {
		return 0, true
	}
	return 0, false
}

// fetchTime is how long seg of a variant of BANDWIDTH bw takes at bps.
func fetchTime(bw int64, seg time.Duration, bps float64) time.Duration {
	if bps <= 0 {
		return math.MaxInt64
	}
	return time.Duration(float64(bw) * seg.Seconds() / bps * float64(time.Second))
}

// adaptiveTracks returns the tracks of an adaptive viewer's play: its
// current variant, and the audio rendition of the variant it started on.
func adaptiveTracks(c *Client, v *Viewer, pv *viewerState) []*track {
	tracks := []*track{{c: c, v: v, pv: pv, url: pv.abr.current().URL, adaptive: true}}
	if audio := pv.abr.audio; audio != "" {
		tracks = append(tracks, &track{c: c, v: v, pv: pv, url: audio, index: 1})
	}
	return tracks
}

// adapt applies the adaptive rule before segment s is fetched; on a
// switch it points the track at the new variant's playlist and reports
// true: the caller loads it and goes on from the same media sequence
// number (RFC 8216 6.2.4 has the variants' content aligned). Its init
// section, named by another playlist, is fetched with its first segment.
func (t *track) adapt(s *hls.Segment) bool {
	a := t.pv.abr
	ahead, began := t.pv.bufferState()
	next := a.next(time.Duration(s.Duration*float64(time.Second)), ahead, began)
	if next == a.cur {
		return false
	}
	a.cur = next
	t.url = a.current().URL
	t.pv.switched()
	return true
}

// sampleThroughput samples a segment download of n bytes that took d.
func (pv *viewerState) sampleThroughput(n int64, d time.Duration) { pv.abr.est.sample(n, d) }

// watch returns the abandon rule's watch over the download of s.
func (t *track) watch(s *hls.Segment) watch {
	a := t.pv.abr
	if a.cur == 0 {
		return nil
	}
	seg := time.Duration(s.Duration * float64(time.Second))
	return func(read, size int64, elapsed time.Duration) bool {
		if elapsed < abrAbandonAfter {
			return false
		}
		ahead, began := t.pv.bufferState()
		if !began {
			return false
		}
		to, ok := a.abandon(seg, read, size, elapsed, ahead)
		a.abandonTo = to
		return ok
	}
}

// abandoned records a download given up by the abandon rule: the
// estimate starts afresh from it, and the track switches to the variant
// chosen.
func (t *track) abandoned(r response) {
	a := t.pv.abr
	a.est.restart(r.bytes, r.total)
	a.cur = a.abandonTo
	t.url = a.current().URL
	t.pv.switched()
}

// bufferState returns the media buffered ahead of the playback clock and
// whether playback began.
func (pv *viewerState) bufferState() (time.Duration, bool) {
	pv.mu.Lock()
	defer pv.mu.Unlock()
	pv.buf.advance(time.Now(), &pv.rep)
	return pv.buf.end - pv.buf.pos, pv.buf.began
}

// switched records a switch to pv.abr's current variant: in the Report,
// the catalogue's rendition_switches and Viewer.OnRendition.
func (pv *viewerState) switched() {
	pv.mu.Lock()
	pv.rep.Switches++
	pv.mu.Unlock()
	pv.stats.AddRenditionSwitch()
	if pv.onRendition != nil {
		pv.onRendition(pv.abr.current().URL)
	}
}
