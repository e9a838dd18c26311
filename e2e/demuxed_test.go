package e2e

import (
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/hlsswarm/hlsswarm/fixtures"
	"github.com/hlsswarm/hlsswarm/loadtest"
)

// TestDemuxedAudio: viewers of demuxed content (fixtures.WithDemuxedAudio:
// video-only variants v0 and v1 with AUDIO="aud", audio-only renditions a0,
// DEFAULT=YES, and a1) play their variant's video AND the rendition a
// player picks, TS and fMP4: per viewer, the origin served the variant's
// playlist and every one of its segments (VOD read to the end), the same
// of a0, and nothing of a1 or of the other variant; no answer but 200; and
// the parsers' counts equal the origin's.
func TestDemuxedAudio(t *testing.T) {
	t.Parallel()
	for _, format := range []fixtures.Format{fixtures.TS, fixtures.FMP4} {
		t.Run(string(format), func(t *testing.T) {
			t.Parallel()
			origin := fixtures.NewOrigin(t, fixtures.VOD{}, fixtures.WithFormat(format), fixtures.WithDemuxedAudio())
			audio := origin.Content().AudioRenditions()
			if len(audio) != 2 || !audio[0].Default || audio[1].Default {
				t.Fatalf("audio renditions %+v; want a0 (default) and a1", audio)
			}
			cfg := loadtest.Config{
				URL: origin.URL(), Clients: 2, Ramp: 500 * time.Millisecond, Duration: 5 * time.Second,
				VOD:           loadtest.VODDownload, // once, at full speed: every request is known at the end
				RestartPolicy: loadtest.RestartNever, ProgressInterval: -1, Origin: origin,
			}
			res, truth := runVODOnce(t, cfg, origin)
			type key struct {
				client, rendition string
				kind              fixtures.Kind
			}
			served := map[key]int{}
			for _, r := range origin.Requests() {
				if r.Status != http.StatusOK {
					t.Errorf("origin answered %s with %d", r.Path, r.Status)
				}
				served[key{r.Client, r.Rendition, r.Kind}]++
			}
			segs := origin.Content().Renditions()[0].Segments
			for id := 1; id <= cfg.Clients; id++ {
				c := strconv.Itoa(id)
				video := "v" + strconv.Itoa(id-1) // round robin over the ladder
				other := "v" + strconv.Itoa(id%2)
				for _, rendition := range []string{video, "a0"} {
					if got := served[key{c, rendition, fixtures.KindMedia}]; got != 1 {
						t.Errorf("viewer %s: %s playlist served %d times; want 1", c, rendition, got)
					}
					if got := served[key{c, rendition, fixtures.KindSegment}]; got != segs {
						t.Errorf("viewer %s: %s segments served %d; want all %d", c, rendition, got, segs)
					}
					if init := served[key{c, rendition, fixtures.KindInit}]; (format == fixtures.FMP4) != (init > 0) {
						t.Errorf("viewer %s: %s init requests %d for %s", c, rendition, init, format)
					}
				}
				for _, rendition := range []string{"a1", other} {
					for _, kind := range []fixtures.Kind{fixtures.KindMedia, fixtures.KindInit, fixtures.KindSegment} {
						if got := served[key{c, rendition, kind}]; got != 0 {
							t.Errorf("viewer %s: served %d %v requests of %s; want none", c, got, kind, rendition)
						}
					}
				}
			}
			totalsEqualViewers(t, truth, res)
			t.Logf("origin %v; parsers %+v", origin.RequestCounts(), res.Totals.Requests)
		})
	}
}
