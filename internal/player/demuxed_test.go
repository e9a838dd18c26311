package player

import (
	"strings"
	"testing"
	"time"

	"github.com/hlsswarm/hlsswarm/fixtures"
	"github.com/hlsswarm/hlsswarm/internal/stats"
	"github.com/hlsswarm/hlsswarm/internal/testkit"
)

// TestPlayDemuxedAudio: a video-only variant played with its audio
// rendition (Viewer.AudioURL), TS and fMP4: both playlists once, every
// segment of both, an init section once per rendition, and the buffer
// holding what both renditions have.
func TestPlayDemuxedAudio(t *testing.T) {
	testkit.FFmpeg(t) // the demuxed fixture content is made by ffmpeg
	t.Parallel()
	for _, f := range []fixtures.Format{fixtures.TS, fixtures.FMP4} {
		t.Run(string(f), func(t *testing.T) {
			t.Parallel()
			origin := fixtures.NewOrigin(t, fixtures.VOD{}, fixtures.WithFormat(f), fixtures.WithDemuxedAudio())
			video := origin.MediaURLs()[0]
			audio := origin.BaseURL() + "/a0/" + video[strings.LastIndexByte(video, '/')+1:]
			p := playFor(t, origin, ClientOptions{}, Viewer{ID: 2, URL: video, AudioURL: audio, Download: true}, 20*time.Second)
			equalTruth(t, p)
			segs := origin.Content().Renditions()[0].Segments + origin.Content().AudioRenditions()[0].Segments
			if got := p.row.Requests[stats.KindSegment]; got != uint64(segs) {
				t.Errorf("segment requests = %d; want every video and audio segment once (%d)", got, segs)
			}
			if got := p.row.Requests[stats.KindManifest]; got != 2 {
				t.Errorf("manifest requests = %d; want the video and the audio playlist once", got)
			}
			wantInit := uint64(0)
			if f == fixtures.FMP4 {
				wantInit = 2
			}
			if got := p.row.Requests[stats.KindInit]; got != wantInit {
				t.Errorf("init requests = %d; want %d (one per rendition)", got, wantInit)
			}
			if p.rep.Segments != segs {
				t.Errorf("report: %d segments received; want %d", p.rep.Segments, segs)
			}
		})
	}
}
