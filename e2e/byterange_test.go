package e2e

import (
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/hlsswarm/hlsswarm/fixtures"
	"github.com/hlsswarm/hlsswarm/loadtest"
)

// TestSingleFileByteRanges: viewers of a VOD packaged as one file per
// rendition (fixtures.WithSingleFile: every segment and, for fMP4, the
// EXT-X-MAP are byte ranges of media.ts or media.mp4, served with HTTP
// Range) are counted by what the playlist says each range is, not by the
// file's name: per viewer and kind, the parsers' counts equal the origin's,
// which classifies each request by its range. Each viewer fetched one init
// range (fMP4) and every segment range of its rendition, each a 206.
func TestSingleFileByteRanges(t *testing.T) {
	t.Parallel()
	for _, format := range []fixtures.Format{fixtures.TS, fixtures.FMP4} {
		t.Run(string(format), func(t *testing.T) {
			t.Parallel()
			origin := fixtures.NewOrigin(t, fixtures.VOD{}, fixtures.WithFormat(format), fixtures.WithSingleFile())
			cfg := loadtest.Config{
				URL: origin.URL(), Clients: 3, Ramp: 500 * time.Millisecond, Duration: 5 * time.Second,
				VOD:           loadtest.VODDownload, // once, at full speed: every request is known at the end
				RestartPolicy: loadtest.RestartNever, ProgressInterval: -1, Origin: origin,
			}
			res, truth := runVODOnce(t, cfg, origin)
			segs := origin.Content().Renditions()[0].Segments
			wantInit := 0
			if format == fixtures.FMP4 {
				wantInit = 1
			}
			for id := 1; id <= cfg.Clients; id++ {
				c := truth.ByClient[strconv.Itoa(id)]
				if got := c.Requests[fixtures.KindSegment]; got != int64(segs) {
					t.Errorf("viewer %d: origin served %d segment ranges; want all %d", id, got, segs)
				}
				if got := c.Requests[fixtures.KindInit]; got != int64(wantInit) {
					t.Errorf("viewer %d: origin served %d init ranges; want %d", id, got, wantInit)
				}
			}
			for _, r := range origin.Requests() {
				want := http.StatusPartialContent
				if r.Kind == fixtures.KindMaster || r.Kind == fixtures.KindMedia {
					want = http.StatusOK
				}
				if r.Status != want {
					t.Errorf("origin answered %s (Range %q) with %d; want %d", r.Path, r.Range, r.Status, want)
				}
			}
			viewers := totalsEqualViewers(t, truth, res)
			if viewers["segment"] != int64(cfg.Clients*segs) {
				t.Errorf("origin served viewers %d segment ranges; want %d", viewers["segment"], cfg.Clients*segs)
			}
			t.Logf("origin %v; parsers %+v", origin.RequestCounts(), res.Totals.Requests)
		})
	}
}

// TestSingleFileInitError: a single-file fMP4 VOD whose init range answers
// 503 once (viewer 1's first, on v0). Nothing in that request names an
// init section (the segments share its URL); the parsers count the request
// and its error as init, as the origin does by range, and the viewer,
// restarted, plays the content.
func TestSingleFileInitError(t *testing.T) {
	t.Parallel()
	origin := fixtures.NewOrigin(t, fixtures.VOD{}, fixtures.WithFormat(fixtures.FMP4), fixtures.WithSingleFile(),
		fixtures.WithFaults(fixtures.Fault{Type: fixtures.FaultStatus, Status: http.StatusServiceUnavailable,
			Kinds: []fixtures.Kind{fixtures.KindInit}, Rendition: "v0", Limit: 1}))
	cfg := loadtest.Config{
		URL: origin.URL(), Clients: 2, Ramp: 500 * time.Millisecond, Duration: 8 * time.Second,
		VOD:           loadtest.VODDownload,
		RestartPolicy: loadtest.RestartOnFailure, ProgressInterval: -1, Origin: origin,
	}
	res := loadtest.Run(t, cfg)
	truth := idleTruth(t, origin)
	truthDiff(t, truth, res, 0)
	if got := truth.ByKind[fixtures.KindInit][http.StatusServiceUnavailable]; got != 1 {
		t.Fatalf("origin answered %d init ranges with 503; want 1 (the fault)", got)
	}
	if got, want := res.Totals.HTTPErrorsByKind, (loadtest.KindCounts{Init: 1}); got != want {
		t.Errorf("Result.Totals.HTTPErrorsByKind = %+v; want %+v", got, want)
	}
	if got := res.Totals.HTTPErrorsFor(http.StatusServiceUnavailable); got != 1 {
		t.Errorf("HTTP 503 counted %d; want 1", got)
	}
	t.Logf("origin %v; parsers %+v, errors %+v, exits %v", origin.RequestCounts(), res.Totals.Requests, res.Totals.HTTPErrorsByKind, res.Exits)
}
