package hls

import (
	"net/url"
	"reflect"
	"strings"
	"testing"
)

const demuxedMaster = `#EXTM3U
#EXT-X-VERSION:7
#EXT-X-INDEPENDENT-SEGMENTS
#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="aac",NAME="English",LANGUAGE="en",AUTOSELECT=YES,URI="audio/en/index.m3u8"
#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="aac",NAME="Deutsch, Stereo",LANGUAGE="de",DEFAULT=YES,AUTOSELECT=YES,URI="audio/de/index.m3u8"
#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="ac3",NAME="Surround",URI="https://cdn.example/ac3.m3u8"
#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="muxed",NAME="Main",DEFAULT=YES
#EXT-X-MEDIA:TYPE=SUBTITLES,GROUP-ID="subs",NAME="English",DEFAULT=NO,URI="subs/en.m3u8"
#EXT-X-STREAM-INF:BANDWIDTH=800000,AVERAGE-BANDWIDTH=700000,RESOLUTION=640x360,CODECS="avc1.64001e,mp4a.40.2",AUDIO="aac",SUBTITLES="subs"
v1/index.m3u8
#EXT-X-STREAM-INF:BANDWIDTH=300000,RESOLUTION=320x180,CODECS="avc1.64000d,ac-3",AUDIO="ac3",FRAME-RATE=30.000
/abs/v0/index.m3u8?token=a
#EXT-X-I-FRAME-STREAM-INF:BANDWIDTH=90000,URI="v1/iframe.m3u8"

#EXT-X-STREAM-INF:BANDWIDTH=oops,RESOLUTION=big,AUDIO="muxed"
https://cdn.example/v2/index.m3u8
`

func TestParseMaster(t *testing.T) {
	t.Parallel()
	base, _ := url.Parse("http://127.0.0.1:9/live/master.m3u8")
	p, err := Parse(base, strings.NewReader(demuxedMaster))
	if err != nil {
		t.Fatal(err)
	}
	wantV := []Variant{
		{URI: "http://127.0.0.1:9/live/v1/index.m3u8", Bandwidth: 800000, AverageBandwidth: 700000, Width: 640, Height: 360, Codecs: "avc1.64001e,mp4a.40.2", Audio: "aac", Subtitles: "subs"},
		{URI: "http://127.0.0.1:9/abs/v0/index.m3u8?token=a", Bandwidth: 300000, Width: 320, Height: 180, Codecs: "avc1.64000d,ac-3", Audio: "ac3"},
		{URI: "https://cdn.example/v2/index.m3u8", Audio: "muxed"},
	}
	if !reflect.DeepEqual(p.Variants, wantV) {
		t.Errorf("variants\n got %+v\nwant %+v", p.Variants, wantV)
	}
	if len(p.Renditions) != 5 || !p.Master() || len(p.Segments) != 0 || p.EndList {
		t.Fatalf("playlist %+v; want 5 renditions, a master", p)
	}
	if got, want := p.Renditions[1], (Rendition{Type: "AUDIO", GroupID: "aac", Name: "Deutsch, Stereo", Language: "de", Default: true, Autoselect: true, URI: "http://127.0.0.1:9/live/audio/de/index.m3u8"}); got != want {
		t.Errorf("rendition 1 = %+v; want %+v", got, want)
	}
	tests := []struct {
		variant int
		wantURI string
		ok      bool
	}{
		{0, "http://127.0.0.1:9/live/audio/de/index.m3u8", true}, // DEFAULT=YES, though listed second
		{1, "https://cdn.example/ac3.m3u8", true},                // the only one of its group
		{2, "", true}, // muxed: no URI, nothing more to fetch
	}
	for _, tt := range tests {
		r, ok := p.AudioFor(p.Variants[tt.variant])
		if ok != tt.ok || r.URI != tt.wantURI {
			t.Errorf("AudioFor(variant %d) = %+v, %v; want URI %q, %v", tt.variant, r, ok, tt.wantURI, tt.ok)
		}
	}
	if _, ok := p.AudioFor(Variant{}); ok {
		t.Error("AudioFor(a variant without AUDIO) found one")
	}
	if _, ok := p.AudioFor(Variant{Audio: "nosuch"}); ok {
		t.Error("AudioFor(an unknown group) found one")
	}
}

func TestAudioForAutoselect(t *testing.T) {
	t.Parallel()
	p := &Playlist{Renditions: []Rendition{
		{Type: "AUDIO", GroupID: "g", URI: "a"},
		{Type: "SUBTITLES", GroupID: "g", Default: true, URI: "s"},
		{Type: "AUDIO", GroupID: "g", Autoselect: true, URI: "b"},
		{Type: "AUDIO", GroupID: "g", Autoselect: true, URI: "c"},
	}}
	if r, ok := p.AudioFor(Variant{Audio: "g"}); !ok || r.URI != "b" {
		t.Errorf("AudioFor = %+v, %v; want the first AUTOSELECT=YES (b)", r, ok)
	}
	p.Renditions = p.Renditions[:2]
	if r, ok := p.AudioFor(Variant{Audio: "g"}); !ok || r.URI != "a" {
		t.Errorf("AudioFor = %+v, %v; want the first of the group (a)", r, ok)
	}
}

func TestParseMedia(t *testing.T) {
	t.Parallel()
	const media = "\ufeff#EXTM3U\r\n#EXT-X-VERSION:7\r\n#EXT-X-TARGETDURATION:2\r\n#EXT-X-MEDIA-SEQUENCE:7\r\n" +
		"#EXT-X-MAP:URI=\"main.mp4\",BYTERANGE=\"720\"\r\n" +
		"#EXTINF:2.000,first\r\n#EXT-X-BYTERANGE:1000@720\r\nmain.mp4\r\n" +
		"#EXTINF:1.5,\r\n#EXT-X-BYTERANGE:500\r\nmain.mp4\r\n" +
		"#EXT-X-DISCONTINUITY\r\n#EXT-X-MAP:URI=\"init2.mp4\"\r\n#EXTINF:2,\r\nseg9.m4s\r\n#EXT-X-ENDLIST\r\n"
	base, _ := url.Parse("http://h/v0/index.m3u8")
	p, err := Parse(base, strings.NewReader(media))
	if err != nil {
		t.Fatal(err)
	}
	if p.Master() || p.TargetDuration != 2 || p.MediaSequence != 7 || !p.EndList || len(p.Segments) != 3 {
		t.Fatalf("playlist %+v; want a VOD media playlist of 3 segments", p)
	}
	m1 := &Map{URI: "http://h/v0/main.mp4", Range: &ByteRange{Length: 720}}
	want := []Segment{
		{URI: "http://h/v0/main.mp4", Duration: 2, Range: &ByteRange{Length: 1000, Offset: 720}, Map: m1},
		{URI: "http://h/v0/main.mp4", Duration: 1.5, Range: &ByteRange{Length: 500, Offset: 1720}, Map: m1},
		{URI: "http://h/v0/seg9.m4s", Duration: 2, Map: &Map{URI: "http://h/v0/init2.mp4"}},
	}
	if !reflect.DeepEqual(p.Segments, want) {
		for i := range p.Segments {
			t.Errorf("segment %d: %+v range %+v map %+v", i, p.Segments[i], p.Segments[i].Range, p.Segments[i].Map)
		}
	}
	live, err := Parse(nil, strings.NewReader("#EXTM3U\n#EXTINF:2,\nseg0.ts\n"))
	if err != nil || live.EndList || live.Segments[0].URI != "seg0.ts" {
		t.Errorf("live playlist without base: %+v, %v; want seg0.ts as written, no end", live, err)
	}
}

func TestParseErrors(t *testing.T) {
	t.Parallel()
	tests := []struct{ name, in, want string }{
		{"empty", "", "not an HLS playlist: empty"},
		{"html", "<!DOCTYPE html><html>", `not an HLS playlist: first line "<!DOCTYPE html><html>", want #EXTM3U`},
		{"prefix only", "#EXTM3UX\n", "want #EXTM3U"},
		{"bad extinf", "#EXTM3U\n#EXTINF:x,\nseg.ts\n", `line 2: EXTINF "x,": want a duration in seconds`},
		{"inf extinf", "#EXTM3U\n#EXTINF:Inf,\nseg.ts\n", "line 2: EXTINF"},
		{"bad byterange", "#EXTM3U\n#EXTINF:1,\n#EXT-X-BYTERANGE:a@b\nseg.ts\n", "line 3: EXT-X-BYTERANGE"},
		{"bad target", "#EXTM3U\n#EXT-X-TARGETDURATION:2.5\n", "line 2: EXT-X-TARGETDURATION"},
		{"map without uri", "#EXTM3U\n#EXT-X-MAP:BYTERANGE=\"1@0\"\n", "line 2: EXT-X-MAP without URI"},
		{"media without group", "#EXTM3U\n#EXT-X-MEDIA:TYPE=AUDIO,URI=\"a.m3u8\"\n", "without TYPE or GROUP-ID"},
		{"unterminated", "#EXTM3U\n#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID=\"a\n", "unterminated quoted string"},
		{"stray uri", "#EXTM3U\nseg.ts\n", `line 2: URI "seg.ts" without an EXTINF`},
		{"variant without uri", "#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=1\n", "EXT-X-STREAM-INF without a URI"},
		{"segment without uri", "#EXTM3U\n#EXTINF:1,\n", "EXTINF without a URI"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := Parse(nil, strings.NewReader(tt.in))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Parse(%q) error = %v; want it to contain %q", tt.in, err, tt.want)
			}
		})
	}
}
