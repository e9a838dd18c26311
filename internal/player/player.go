package player

import (
	"context"
	"strconv"
	"sync"
	"time"

	"github.com/hlsswarm/hlsswarm/internal/hls"
	"github.com/hlsswarm/hlsswarm/internal/stats"
)

// DefaultMaxBuffer is Viewer.MaxBuffer's default: hls.js's
// maxBufferLength.
const DefaultMaxBuffer = 30 * time.Second

// DefaultStartupBuffer is Viewer.StartupBuffer's default: two seconds of
// media, less than a live stream's hold-back (three target durations), so
// that a live viewer starts on the segments it fetches first.
const DefaultStartupBuffer = 2 * time.Second

// Retry delays of a playlist that could not be loaded before the play
// began (a player retries; it does not exit as ffmpeg does): doubling
// from the first to the last.
const (
	firstRetry = time.Second
	lastRetry  = 8 * time.Second
)

// Viewer describes one native viewer.
type Viewer struct {
	// ID is the viewer's number, sent as X-Hlsswarm-Client and as the
	// User-Agent suffix " client-<ID>".
	ID int
	// URL is the playlist played: a media playlist, or a master playlist,
	// whose every variant and rendition is then played at once (as
	// ffmpeg's -map 0 does).
	URL string
	// AudioURL is the media playlist of a demuxed audio rendition played
	// beside URL's; "" for none.
	AudioURL string
	// Variants, when not empty, makes the viewer adaptive: it plays one
	// of these variants of a master playlist at a time and switches
	// between them by measured throughput, as hls.js does (see abr.go for
	// the rule); URL and AudioURL are then unused. The audio rendition
	// of the variant it starts on is played throughout.
	Variants []Variant
	// Stats receives what the viewer does. Required.
	Stats *stats.Viewer
	// Download fetches a VOD as fast as it comes, once, instead of
	// playing it at real time.
	Download bool
	// Replay starts a VOD again from its first segment once its playback
	// reached the end (not with Download), until the context ends.
	Replay bool
	// MaxBuffer is how far ahead of the playback clock a VOD is fetched.
	// Default DefaultMaxBuffer.
	MaxBuffer time.Duration
	// StartupBuffer is the media buffered before playback begins (all
	// of it, for a play shorter than that). Default DefaultStartupBuffer.
	StartupBuffer time.Duration
	// OnFirstRequest, when set, is called once, with the time the
	// viewer's first request reached the network.
	OnFirstRequest func(at time.Time)
	// OnReplay, when set, is called before each replay of a VOD.
	OnReplay func()
	// OnRendition, when set, is called with the media playlist URL of
	// each variant an adaptive viewer starts to play: the first, then
	// the one of each switch.
	OnRendition func(url string)
}

// Play plays v until ctx ends or, for a VOD, until it was played (or
// downloaded) to its end and not replayed; it returns what the playback
// measured. Stats get Started at the start of each play and Ended when
// Play returns. A playlist that cannot be loaded is retried, so Play
// returns promptly only when ctx ends or the play is over.
func (c *Client) Play(ctx context.Context, v Viewer) Report {
	pv := &viewerState{headers: c.headersFor(clientID(v.ID)), stats: v.Stats, onFirst: v.OnFirstRequest, download: v.Download}
	defer c.connect(pv)()
	if v.MaxBuffer <= 0 {
		v.MaxBuffer = DefaultMaxBuffer
	}
	if v.StartupBuffer <= 0 {
		v.StartupBuffer = DefaultStartupBuffer
	}
	pv.startup = min(v.StartupBuffer, v.MaxBuffer) // a VOD is never buffered past MaxBuffer
	if len(v.Variants) > 0 {
		pv.abr, pv.onRendition = newABR(v.Variants), v.OnRendition
		if pv.onRendition != nil {
			pv.onRendition(pv.abr.current().URL)
		}
	}
	for ctx.Err() == nil {
		if !c.playOnce(ctx, &v, pv) || ctx.Err() != nil || v.Download || !v.Replay {
			break
		}
		if v.OnReplay != nil {
			v.OnReplay()
		}
	}
	pv.flush()
	v.Stats.Ended(time.Now())
	return pv.report()
}

// playOnce plays the stream once from its start (a live stream until ctx
// ends) and reports whether it played to the end.
func (c *Client) playOnce(ctx context.Context, v *Viewer, pv *viewerState) bool {
	start := time.Now()
	pv.begin(start, 1)
	if pv.abr != nil {
		return c.playTracks(ctx, v, pv, adaptiveTracks(c, v, pv))
	}
	var (
		pl        *hls.Playlist
		err       error
		loadStart time.Time
	)
	for delay := firstRetry; ; delay = min(2*delay, lastRetry) {
		loadStart = time.Now()
		if pl, _, err = c.playlist(ctx, pv, v.URL); err == nil {
			break
		}
		if ctx.Err() != nil {
			return false
		}
		pv.stats.AddPlaylistFailure()
		if !sleepUntil(ctx, nil, loadStart.Add(delay)) {
			return false
		}
	}
	var tracks []*track
	if pl.Master() {
		seen := map[string]bool{}
		add := func(u string) {
			if u != "" && !seen[u] {
				seen[u] = true
				tracks = append(tracks, &track{c: c, v: v, pv: pv, url: u, index: len(tracks)})
			}
		}
		for _, x := range pl.Variants {
			add(x.URI)
		}
		for _, r := range pl.Renditions {
			add(r.URI)
		}
	} else {
		tracks = append(tracks, &track{c: c, v: v, pv: pv, url: v.URL, first: pl, firstAt: loadStart})
		if v.AudioURL != "" {
			tracks = append(tracks, &track{c: c, v: v, pv: pv, url: v.AudioURL, index: 1})
		}
	}
	return c.playTracks(ctx, v, pv, tracks)
}

// playTracks plays tracks (the first on this goroutine) and reports
// whether every one played to its end.
func (c *Client) playTracks(ctx context.Context, v *Viewer, pv *viewerState, tracks []*track) bool {
	if len(tracks) == 0 {
		return false
	}
	pv.mu.Lock()
	pv.tracks = make([]time.Duration, len(tracks))
	pv.mu.Unlock()
	ended := make([]bool, len(tracks))
	var wg sync.WaitGroup
	for i, t := range tracks[1:] {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ended[i+1] = t.run(ctx)
		}()
	}
	ended[0] = tracks[0].run(ctx)
	wg.Wait()
	for _, e := range ended {
		if !e {
			return false
		}
	}
	pv.complete()
	if v.Download {
		pv.progress()
		return true
	}
	// Watch the rest of the buffer.
	if !sleepUntil(ctx, nil, time.Now().Add(pv.ahead())) {
		return false
	}
	pv.progress()
	return true
}

// track plays one rendition's media playlist.
type track struct {
	c     *Client
	v     *Viewer
	pv    *viewerState
	url   string
	index int // in viewerState.tracks
	// first is the playlist already loaded at firstAt, if any.
	first   *hls.Playlist
	firstAt time.Time

	timer   *time.Timer
	next    int64 // media sequence number of the next segment; -1 before the first load
	initKey string
	// adaptive: the track plays pv.abr's current variant and switches
	// between variants.
	adaptive bool
}

// run plays the rendition until ctx ends (false) or the playlist ended
// and every segment of it was fetched (true).
func (t *track) run(ctx context.Context) bool {
	t.timer = time.NewTimer(time.Hour)
	t.timer.Stop()
	defer t.timer.Stop()
	t.next = -1
	var lastSeq int64 = -1
	lastLen := -1
	target := time.Second // of the last playlist loaded
	delay := firstRetry
	for ctx.Err() == nil {
		loadStart, pl := t.firstAt, t.first
		t.first = nil
		if pl == nil {
			loadStart = time.Now()
			var err error
			if pl, _, err = t.c.playlist(ctx, t.pv, t.url); err != nil {
				if ctx.Err() != nil {
					return false
				}
				t.pv.stats.AddPlaylistFailure()
				// A failed reload is retried like an unchanged one; before
				// the first load, a player backs off.
				wait := target / 2
				if t.next < 0 {
					wait, delay = delay, min(2*delay, lastRetry)
				}
				if !sleepUntil(ctx, t.timer, loadStart.Add(wait)) {
					return false
				}
				continue
			}
		}
		if pl.TargetDuration > 0 {
			target = time.Duration(pl.TargetDuration) * time.Second
		}
		changed := pl.MediaSequence != lastSeq || len(pl.Segments) != lastLen
		lastSeq, lastLen = pl.MediaSequence, len(pl.Segments)
		if t.next < 0 {
			t.next = startSequence(pl)
		}
		if t.next < pl.MediaSequence {
			t.pv.stats.AddExpiredSkips(int(pl.MediaSequence - t.next))
			t.next = pl.MediaSequence
		}
		switched := false
		for i := t.next - pl.MediaSequence; i >= 0 && i < int64(len(pl.Segments)); i++ {
			// A live stream's edge paces the fetches; a VOD's buffer does.
			if pl.EndList && !t.v.Download && !t.waitForRoom(ctx) {
				return false
			}
			if t.adaptive && t.adapt(&pl.Segments[i]) {
				switched = true
				break
			}
			abandoned := t.segment(ctx, &pl.Segments[i])
			if ctx.Err() != nil {
				return false
			}
			if abandoned {
				switched = true // fetch it again from the lower variant
				break
			}
			t.next++
		}
		if switched {
			// Load the new variant's playlist now, and go on from the
			// next segment there.
			lastSeq, lastLen = -1, -1
			continue
		}
		if pl.EndList {
			return true
		}
		wait := target
		if !changed {
			wait = target / 2
		}
		t.pv.progress()
		if !sleepUntil(ctx, t.timer, loadStart.Add(wait)) {
			return false
		}
	}
	return false
}

// waitForRoom waits until the VOD buffer ahead of the playback clock is
// below MaxBuffer, reporting progress at each wake-up.
func (t *track) waitForRoom(ctx context.Context) bool {
	for {
		ahead := t.pv.ahead()
		if ahead < t.v.MaxBuffer {
			return true
		}
		if !sleepUntil(ctx, t.timer, time.Now().Add(ahead-t.v.MaxBuffer+time.Millisecond)) {
			return false
		}
		t.pv.progress()
	}
}

// segment fetches one segment, and its init section first when it is not
// the one this rendition fetched last. A segment whose init section
// failed is not fetched: it could not be played. It reports whether an
// adaptive track gave the segment up for a lower variant (see
// track.watch).
func (t *track) segment(ctx context.Context, s *hls.Segment) bool {
	if m := s.Map; m != nil {
		key := m.URI
		if m.Range != nil {
			key += "@" + rangeKey(m.Range)
		}
		if key != t.initKey {
			if r := t.c.fetch(ctx, t.pv, stats.KindInit, m.URI, m.Range, false); !r.ok() {
				if r.err != errStopped && ctx.Err() == nil {
					t.pv.stats.AddSegmentFailure()
				}
				return false
			}
			t.initKey = key
		}
	}
	var w watch
	if t.adaptive {
		w = t.watch(s)
	}
	r := t.c.fetchWatched(ctx, t.pv, stats.KindSegment, s.URI, s.Range, false, w)
	if r.abandoned {
		t.abandoned(r)
		return true
	}
	if !r.ok() {
		if r.err != errStopped && ctx.Err() == nil {
			t.pv.stats.AddSegmentFailure()
		}
		return false
	}
	if t.adaptive {
		t.pv.sampleThroughput(r.bytes, r.total)
	}
	t.pv.received(t.index, time.Duration(s.Duration*float64(time.Second)))
	return false
}

// rangeKey formats a byte range for an init section's identity.
func rangeKey(r *hls.ByteRange) string {
	return strconv.FormatInt(r.Length, 10) + "@" + strconv.FormatInt(r.Offset, 10)
}

// startSequence is where a play starts: a VOD at its first segment, a
// live stream at the last segment that starts at least three target
// durations before the playlist's end (RFC 8216 6.3.3), or its first
// when the playlist is shorter.
func startSequence(pl *hls.Playlist) int64 {
	if pl.EndList {
		return pl.MediaSequence
	}
	hold := 3 * float64(pl.TargetDuration)
	var sum float64
	for i := len(pl.Segments) - 1; i >= 0; i-- {
		sum += pl.Segments[i].Duration
		if sum >= hold {
			return pl.MediaSequence + int64(i)
		}
	}
	return pl.MediaSequence
}

// sleepUntil waits until at or until ctx ends, on timer (a new one when
// nil), and reports whether ctx is still live.
func sleepUntil(ctx context.Context, timer *time.Timer, at time.Time) bool {
	d := time.Until(at)
	if d <= 0 {
		return ctx.Err() == nil
	}
	if timer == nil {
		timer = time.NewTimer(d)
		defer timer.Stop()
	} else {
		timer.Reset(d)
	}
	select {
	case <-ctx.Done():
		timer.Stop()
		return false
	case <-timer.C:
		return true
	}
}
