package e2e

import (
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"
	"time"

	"github.com/hlsswarm/hlsswarm/fixtures"
	"github.com/hlsswarm/hlsswarm/loadtest"
)

// demuxedMaster is a master playlist whose one variant (v0) has an AUDIO
// group. The fixtures have no audio-only rendition yet, so rendition v1
// (audio and video) stands in for the group's audio playlist: what is
// proved here is that each viewer fetches the variant's playlist and
// segments AND the picked rendition's, and that the parsers count the
// requests of both ffmpeg inputs.
const demuxedMaster = `#EXTM3U
#EXT-X-VERSION:7
#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="aud",NAME="commentary",AUTOSELECT=YES,URI="nosuch/index.m3u8"
#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="aud",NAME="main",DEFAULT=YES,AUTOSELECT=YES,URI="v1/index.m3u8"
#EXT-X-STREAM-INF:BANDWIDTH=184800,AUDIO="aud"
v0/index.m3u8
`

// TestDemuxedAudio: viewers of a variant with an AUDIO rendition group
// play the video AND the rendition a player picks (DEFAULT=YES), TS and
// fMP4: per viewer, the origin served each rendition's playlist and every
// one of its segments (VOD played to the end), no 404 (the other
// rendition of the group is never asked for), and the parsers' counts
// equal the origin's.
func TestDemuxedAudio(t *testing.T) {
	t.Parallel()
	for _, format := range []fixtures.Format{fixtures.TS, fixtures.FMP4} {
		t.Run(string(format), func(t *testing.T) {
			t.Parallel()
			origin := fixtures.NewOrigin(t, fixtures.VOD{}, fixtures.WithFormat(format))
			front := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if r.URL.Path == "/demuxed.m3u8" {
					_, _ = w.Write([]byte(demuxedMaster))
					return
				}
				origin.ServeHTTP(w, r)
			}))
			t.Cleanup(front.Close)
			cfg := loadtest.Config{
				URL: front.URL + "/demuxed.m3u8", Clients: 2, Ramp: 500 * time.Millisecond, Duration: 3 * time.Second,
				RestartPolicy: loadtest.RestartNever, ProgressInterval: -1, Origin: origin, VOD: loadtest.VODDownload,
			}
			res := loadtest.Run(t, cfg)
			truth := idleTruth(t, origin)
			truthDiff(t, truth, res, 0)
			if got := res.Exits["clean"]; got != cfg.Clients {
				t.Errorf("exits = %v; want %d clean (VOD played to the end)", res.Exits, cfg.Clients)
			}
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
				for _, rendition := range []string{"v0", "v1"} {
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
			}
			t.Logf("origin %v; parsers %+v", origin.RequestCounts(), res.Totals.Requests)
		})
	}
}
