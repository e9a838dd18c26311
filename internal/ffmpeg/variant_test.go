package ffmpeg

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/hlsswarm/hlsswarm/internal/testkit"
)

const masterPlaylist = `#EXTM3U
#EXT-X-VERSION:3
#EXT-X-STREAM-INF:BANDWIDTH=800000,AVERAGE-BANDWIDTH=700000,RESOLUTION=640x360,CODECS="avc1.64001e,mp4a.40.2"
v1/index.m3u8
#EXT-X-STREAM-INF:BANDWIDTH=300000,RESOLUTION=320x180,CODECS="avc1.64000d,mp4a.40.2",FRAME-RATE=30.000
/abs/v0/index.m3u8?token=a
#EXT-X-I-FRAME-STREAM-INF:BANDWIDTH=90000,URI="v1/iframe.m3u8"

#EXT-X-STREAM-INF:BANDWIDTH=1500000,RESOLUTION=1280x720
https://cdn.example/v2/index.m3u8
`

// TestSelectVariantVariants checks the variants SelectVariant reads (with
// internal/hls): URIs resolved against the master's URL, attributes, and
// the audio rendition a player picks for each.
func TestSelectVariantVariants(t *testing.T) {
	t.Parallel()
	const demuxed = `#EXTM3U
#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="aac",NAME="en",AUTOSELECT=YES,URI="audio/en.m3u8"
#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="aac",NAME="de",DEFAULT=YES,URI="audio/de.m3u8"
#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="muxed",NAME="main",DEFAULT=YES
#EXT-X-STREAM-INF:BANDWIDTH=800000,AUDIO="aac"
v1/index.m3u8
#EXT-X-STREAM-INF:BANDWIDTH=300000,AUDIO="muxed"
v0/index.m3u8
`
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/live/master.m3u8":
			_, _ = w.Write([]byte(masterPlaylist))
		case "/live/demuxed.m3u8":
			_, _ = w.Write([]byte(demuxed))
		default:
			_, _ = w.Write([]byte("<html>"))
		}
	}))
	t.Cleanup(srv.Close)
	sel, err := SelectVariant(context.Background(), nil, srv.URL+"/live/master.m3u8", VariantAll)
	if err != nil {
		t.Fatal(err)
	}
	want := []Variant{
		{URL: srv.URL + "/live/v1/index.m3u8", Program: 0, Bandwidth: 800000, AverageBandwidth: 700000, Width: 640, Height: 360, Codecs: "avc1.64001e,mp4a.40.2"},
		{URL: srv.URL + "/abs/v0/index.m3u8?token=a", Program: 1, Bandwidth: 300000, Width: 320, Height: 180, Codecs: "avc1.64000d,mp4a.40.2"},
		{URL: "https://cdn.example/v2/index.m3u8", Program: 2, Bandwidth: 1500000, Width: 1280, Height: 720},
	}
	if !reflect.DeepEqual(sel.Variants, want) {
		t.Errorf("variants\n got %+v\nwant %+v", sel.Variants, want)
	}
	sel, err = SelectVariant(context.Background(), nil, srv.URL+"/live/demuxed.m3u8", VariantHighest)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := sel.Variants[0].Audio, srv.URL+"/live/audio/de.m3u8"; got != want || sel.Variant.Audio != want {
		t.Errorf("variant 0 audio = %q (chosen %q); want the DEFAULT=YES rendition %q", got, sel.Variant.Audio, want)
	}
	if got := sel.Variants[1].Audio; got != "" {
		t.Errorf("variant 1 audio = %q; want none (the audio is in the variant's stream)", got)
	}
	if _, err := SelectVariant(context.Background(), nil, srv.URL+"/live/other", VariantAll); err == nil || !strings.Contains(err.Error(), "not an HLS playlist") {
		t.Errorf("HTML: err = %v", err)
	}
}

func TestSelectVariant(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/master.m3u8":
			_, _ = w.Write([]byte(masterPlaylist))
		case "/media.m3u8":
			_, _ = w.Write([]byte("#EXTM3U\n#EXTINF:2,\nseg0.ts\n"))
		case "/vod.m3u8":
			_, _ = w.Write([]byte("#EXTM3U\n#EXTINF:2,\nseg0.ts\n#EXT-X-ENDLIST\n"))
		default:
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()
	ctx := context.Background()
	master := srv.URL + "/master.m3u8"
	tests := []struct {
		choice  VariantChoice
		wantURL string
		program int
	}{
		{VariantAll, master, -1},
		{VariantFirst, srv.URL + "/v1/index.m3u8", 0},
		{VariantLowest, srv.URL + "/abs/v0/index.m3u8?token=a", 1},
		{VariantHighest, "https://cdn.example/v2/index.m3u8", 2},
	}
	for _, tt := range tests {
		sel, err := SelectVariant(ctx, srv.Client(), master, tt.choice)
		if err != nil {
			t.Fatalf("%v: %v", tt.choice, err)
		}
		if sel.URL != tt.wantURL || sel.Map != MapAll() || len(sel.Variants) != 3 {
			t.Errorf("%v: selection %+v; want URL %s, all streams", tt.choice, sel, tt.wantURL)
		}
		via := sel.ViaProgram()
		if n, ok := via.Map.Program(); tt.program >= 0 && (!ok || n != tt.program || via.URL != master) {
			t.Errorf("%v via program: %+v; want master URL and program %d", tt.choice, via, tt.program)
		}
	}
	sel, err := SelectVariant(ctx, srv.Client(), srv.URL+"/media.m3u8", VariantHighest)
	if err != nil || sel.URL != srv.URL+"/media.m3u8" || sel.Variant != nil || sel.EndList {
		t.Errorf("media playlist: %+v, %v; want it played as is, live", sel, err)
	}
	if sel, err := SelectVariant(ctx, srv.Client(), srv.URL+"/vod.m3u8", VariantAll); err != nil || !sel.EndList {
		t.Errorf("VOD media playlist: %+v, %v; want EndList", sel, err)
	}
	if sel, err := SelectVariant(ctx, srv.Client(), master, VariantAll); err != nil || sel.EndList {
		t.Errorf("master playlist: %+v, %v; want no EndList", sel, err)
	}
	if _, err := SelectVariant(ctx, srv.Client(), srv.URL+"/nope.m3u8", VariantFirst); err == nil || !strings.Contains(err.Error(), "404") {
		t.Errorf("404: err = %v", err)
	}
	if _, err := SelectVariant(ctx, srv.Client(), "file:///etc/passwd", VariantFirst); err == nil {
		t.Error("file URL accepted")
	}
	if _, err := SelectVariant(ctx, srv.Client(), master, VariantChoice(7)); err == nil || !strings.Contains(err.Error(), "accepted values are all, first, highest, lowest") {
		t.Errorf("bad choice: err = %v", err)
	}
}

func TestMediaPlaylistLive(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/master.m3u8":
			_, _ = w.Write([]byte(masterPlaylist))
		case "/live.m3u8":
			_, _ = w.Write([]byte("#EXTM3U\n#EXT-X-MEDIA-SEQUENCE:7\n#EXTINF:2,\nseg7.ts\n"))
		case "/vod.m3u8":
			_, _ = w.Write([]byte("#EXTM3U\r\n#EXTINF:2,\r\nseg0.ts\r\n#EXT-X-ENDLIST\r\n"))
		default:
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()
	ctx := context.Background()
	for _, tt := range []struct {
		path    string
		live    bool
		errText string
	}{
		{"/live.m3u8", true, ""},
		{"/vod.m3u8", false, ""},
		{"/master.m3u8", false, "master playlist"},
		{"/nope.m3u8", false, "404"},
	} {
		live, err := MediaPlaylistLive(ctx, srv.Client(), srv.URL+tt.path)
		if live != tt.live || (tt.errText == "") != (err == nil) || err != nil && !strings.Contains(err.Error(), tt.errText) {
			t.Errorf("%s: live %v, err %v; want %v, error containing %q", tt.path, live, err, tt.live, tt.errText)
		}
	}
}

func TestTailRing(t *testing.T) {
	t.Parallel()
	var r tailRing
	if got := r.lines(3); got != nil {
		t.Errorf("empty ring lines = %q", got)
	}
	r.Write([]byte("a\nb\r\nc"))
	if got := strings.Join(r.lines(10), "|"); got != "a|b|c" {
		t.Errorf("lines = %q", got)
	}
	// Wrap many times with lines split across writes.
	for i := 0; i < 3000; i++ {
		r.Write([]byte("[hls @ 0x1] [info] line "))
		r.Write([]byte(strings.Repeat("x", i%7) + "\n"))
	}
	r.Write([]byte("[error] last one\n"))
	got := r.lines(2)
	if len(got) != 2 || got[1] != "[error] last one" || !strings.HasPrefix(got[0], "[hls @ 0x1] [info] line ") {
		t.Errorf("lines after wrap = %q", got)
	}
	big := strings.Repeat("y", tailBytes*2) + "\nend\n"
	r.Write([]byte(big))
	if got := r.lines(5); len(got) != 1 || got[0] != "end" {
		t.Errorf("after an oversized write lines = %q; want the partial first line dropped", got)
	}
}

// TestFetchErrors checks that a failed fetch names the URL and why: the
// network error, the HTTP status, what a body that is no playlist starts
// with, or the missing answer (a server that accepts and never answers).
func TestFetchErrors(t *testing.T) {
	t.Parallel()
	refusedURL := testkit.Refused("/master.m3u8")
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/page.html":
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			_, _ = w.Write([]byte("<!DOCTYPE html>\n<html><head><title>Welcome to nginx!</title></head><body>It works</body></html>\n"))
		case "/silent.m3u8":
			<-r.Context().Done()
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(srv.Close)
	tests := []struct {
		name, url   string
		want        []string
		wantTimeout bool
	}{
		{"refused", refusedURL, []string{"GET " + refusedURL + ": ", "connection refused"}, false},
		{"404", srv.URL + "/nosuch.m3u8", []string{"GET " + srv.URL + "/nosuch.m3u8: HTTP 404 Not Found"}, false},
		{"html", srv.URL + "/page.html", []string{"GET " + srv.URL + "/page.html: not an HLS playlist", `Content-Type "text/html; charset=utf-8"`,
			`the body starts with "<!DOCTYPE html>\n<html><head><title>Welcome to nginx!</title>"...`}, false},
		{"tarpit", srv.URL + "/silent.m3u8", []string{"GET " + srv.URL + "/silent.m3u8: ", "Client.Timeout exceeded"}, true},
	}
	client := &http.Client{Timeout: 300 * time.Millisecond}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			begin := time.Now()
			_, err := SelectVariant(context.Background(), client, tt.url, VariantAll)
			if err == nil {
				t.Fatal("no error")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
			var to interface{ Timeout() bool }
			if got := errors.As(err, &to) && to.Timeout(); got != tt.wantTimeout {
				t.Errorf("error %q: Timeout() = %v; want %v", err, got, tt.wantTimeout)
			}
			if took := time.Since(begin); took > 5*time.Second {
				t.Errorf("took %s; want the client's 300ms timeout at most (and some slack)", took)
			}
			if _, err := MediaPlaylistLive(context.Background(), client, tt.url); err == nil || !strings.Contains(err.Error(), tt.want[0]) {
				t.Errorf("MediaPlaylistLive: err = %v; want it to contain %q", err, tt.want[0])
			}
		})
	}
}

// TestSelectVariantRedirects checks that a master playlist answered with
// a redirect (301, 302, 307, 308; to the same host and to another host)
// has its variant URIs resolved against the final URL, as players do, in
// every choice, and that the Selection points at the final URL.
func TestSelectVariantRedirects(t *testing.T) {
	t.Parallel()
	origin := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/live/master.m3u8":
			_, _ = w.Write([]byte(masterPlaylist))
		case "/live/v1/index.m3u8":
			_, _ = w.Write([]byte("#EXTM3U\n#EXTINF:2,\nseg0.ts\n#EXT-X-ENDLIST\n"))
		case "/moved/media.m3u8":
			http.Redirect(w, r, "/live/v1/index.m3u8", http.StatusFound)
		case "/gone.m3u8":
			http.Redirect(w, r, "/nowhere.m3u8", http.StatusMovedPermanently)
		default:
			if code, err := strconv.Atoi(strings.TrimPrefix(r.URL.Path, "/same/")); err == nil {
				http.Redirect(w, r, "/live/master.m3u8", code)
				return
			}
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(origin.Close)
	front := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		code, err := strconv.Atoi(strings.TrimPrefix(r.URL.Path, "/edge/"))
		if err != nil {
			http.NotFound(w, r)
			return
		}
		http.Redirect(w, r, origin.URL+"/live/master.m3u8", code)
	}))
	t.Cleanup(front.Close)
	final := origin.URL + "/live/master.m3u8"
	ctx := context.Background()
	for _, code := range []int{301, 302, 307, 308} {
		for _, start := range []string{origin.URL + "/same/" + strconv.Itoa(code), front.URL + "/edge/" + strconv.Itoa(code)} {
			for _, tt := range []struct {
				choice  VariantChoice
				wantURL string
			}{
				{VariantAll, final},
				{VariantFirst, origin.URL + "/live/v1/index.m3u8"},
				{VariantLowest, origin.URL + "/abs/v0/index.m3u8?token=a"},
				{VariantHighest, "https://cdn.example/v2/index.m3u8"},
			} {
				sel, err := SelectVariant(ctx, nil, start, tt.choice)
				if err != nil {
					t.Fatalf("%s, %v: %v", start, tt.choice, err)
				}
				if sel.URL != tt.wantURL || sel.MasterURL != final || len(sel.Variants) != 3 || sel.Variants[0].URL != origin.URL+"/live/v1/index.m3u8" {
					t.Errorf("%s, %v: selection %+v; want URL %s, MasterURL %s, variants resolved against it", start, tt.choice, sel, tt.wantURL, final)
				}
			}
		}
	}
	live, err := MediaPlaylistLive(ctx, nil, origin.URL+"/moved/media.m3u8")
	if err != nil || live {
		t.Errorf("redirected media playlist: live %v, err %v; want a VOD read through the redirect", live, err)
	}
	_, err = SelectVariant(ctx, nil, origin.URL+"/gone.m3u8", VariantAll)
	if want := "GET " + origin.URL + "/gone.m3u8 (redirected to " + origin.URL + "/nowhere.m3u8): HTTP 404"; err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("redirect to a 404: err = %v; want it to contain %q", err, want)
	}
}
