package loadtest

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net/http"
	"net/url"

	"github.com/hlsswarm/hlsswarm/internal/ffmpeg"
	"github.com/hlsswarm/hlsswarm/internal/hls"
	"github.com/hlsswarm/hlsswarm/internal/player"
)

// play is what a viewer opens: a playlist URL and the streams it maps,
// and the audio rendition's playlist a player would fetch beside it ("" for
// none).
type play struct {
	url   string
	m     ffmpeg.Mapping
	audio string
	label string // the rendition, as Result.Viewers names it
	// variants is the ladder of a VariantABR viewer (url is then the
	// master playlist's).
	variants []player.Variant
}

// renditionLabel names what a viewer plays for its Result row: the media
// playlist's path (and its audio rendition's), or "every rendition" for
// a master playlist played whole.
func renditionLabel(media, audio string) string {
	label := pathOf(media)
	if audio != "" {
		label += " + " + pathOf(audio)
	}
	return label
}

// pathOf is a URL's path (with its query), the URL itself when it does not
// parse.
func pathOf(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Path == "" {
		return raw
	}
	return u.RequestURI()
}

// everyRendition labels a viewer that plays every rendition of a master
// playlist at once (VariantAll).
const everyRendition = "every rendition"

// playFor returns what viewer id (counted from 1) plays: the plays in
// turn, so that a round-robin fleet spreads over the ladder.
func playFor(plays []play, id int) play {
	if id < 1 {
		id = 1
	}
	return plays[(id-1)%len(plays)]
}

// selectPlays turns Config.Variant into what the viewers play, in turn,
// and tells whether the stream is live (no #EXT-X-ENDLIST). It fetches the
// playlist at Config.URL once and, for a master playlist, one media
// playlist (the chosen variant's, else the first); the fleet calls it
// before it reads the origin's counts, so that these requests are not part
// of Result.Origin. Redirects are followed and URIs resolve against the
// final URL, as players do; viewers are given final URLs.
//
// Any failure (a network error, no answer within Config.Timeout, an HTTP
// error, a body that is no playlist) is an error naming the URL and why,
// unless Config.AllowNoPlayback is set: then note says why, and every
// viewer plays Config.URL as given (taken as VOD).
func selectPlays(ctx context.Context, cfg Config) (plays []play, live bool, note string, err error) {
	client, done := masterClient(cfg)
	defer done()
	plays, live, err = choosePlays(ctx, client, cfg)
	if err == nil {
		return plays, live, "", nil
	}
	var to interface{ Timeout() bool }
	if errors.As(err, &to) && to.Timeout() {
		err = fmt.Errorf("%w (no answer within Config.Timeout = %s)", err, cfg.Timeout)
	}
	if !cfg.AllowNoPlayback {
		return nil, false, "", fmt.Errorf("loadtest: Config.URL: %w; nothing would be measured (a test that expects a dead origin sets Config.AllowNoPlayback)", err)
	}
	return []play{{url: cfg.URL, m: ffmpeg.MapAll(), label: renditionLabel(cfg.URL, "")}}, false,
		fmt.Sprintf("loadtest: Config.URL: %v; Config.AllowNoPlayback is set: every viewer plays Config.URL as given (taken as VOD)", err), nil
}

// choosePlays is selectPlays without the fallback: any failure is an error.
func choosePlays(ctx context.Context, client *http.Client, cfg Config) ([]play, bool, error) {
	sel, err := ffmpeg.SelectVariant(ctx, client, cfg.URL, variantChoiceOf(cfg.Variant))
	if err != nil {
		return nil, false, err
	}
	live := !sel.EndList
	if len(sel.Variants) > 0 {
		media := sel.Variants[0].URL
		if sel.Variant != nil {
			media = sel.Variant.URL
		}
		if live, err = ffmpeg.MediaPlaylistLive(ctx, client, media); err != nil {
			return nil, false, fmt.Errorf("media playlist of %s: %w", sel.MasterURL, err)
		}
	}
	switch {
	case cfg.Variant == VariantABR && len(sel.Variants) > 0:
		pl := play{url: sel.MasterURL, m: ffmpeg.MapAll(), label: abrLabel}
		for _, v := range sel.Variants {
			pl.variants = append(pl.variants, player.Variant{URL: v.URL, Bandwidth: v.Bandwidth, Audio: v.Audio})
		}
		return []play{pl}, live, nil
	case cfg.Variant == VariantAll || cfg.Variant == VariantRoundRobin && len(sel.Variants) == 0:
		label := everyRendition
		if len(sel.Variants) == 0 {
			label = renditionLabel(sel.MasterURL, "") // a media playlist
		}
		return []play{{url: sel.MasterURL, m: ffmpeg.MapAll(), label: label}}, live, nil
	case cfg.Variant == VariantRoundRobin:
		plays := make([]play, len(sel.Variants))
		for i, v := range sel.Variants {
			plays[i] = play{url: v.URL, m: ffmpeg.MapAll(), audio: v.Audio, label: renditionLabel(v.URL, v.Audio)}
		}
		return plays, live, nil
	}
	pl := play{url: sel.URL, m: sel.Map, label: renditionLabel(sel.URL, "")}
	if sel.Variant != nil {
		pl.audio = sel.Variant.Audio
		pl.label = renditionLabel(sel.Variant.URL, pl.audio)
	}
	return []play{pl}, live, nil
}

// masterClient is the HTTP client of the fleet's own playlist fetches: it
// sends Config.UserAgent like the viewers and Config.Headers (an origin
// may require them) to Config.URL's origin only, gives up after
// Config.Timeout, and keeps no connection open afterwards (done closes
// what is left). Like the viewers it uses no proxy from the environment
// (ffmpeg's http_proxy option is unset), and (ffmpeg's -tls_verify
// defaults to 0) it does not verify the origin's certificate, so a
// self-signed origin gets the same variant choice as any other.
func masterClient(cfg Config) (*http.Client, func()) {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.Proxy = nil // as ffmpeg's viewers: see above
	tr.DisableKeepAlives = true
	tr.TLSClientConfig = &tls.Config{InsecureSkipVerify: true} // as ffmpeg's viewers: see above
	c := &http.Client{
		Transport: headerTransport{base: tr, origin: hls.OriginOf(cfg.URL), headers: cfg.Headers, userAgent: cfg.UserAgent},
		Timeout:   cfg.Timeout,
	}
	return c, tr.CloseIdleConnections
}

// headerTransport adds the configured user agent to every request, and
// the configured headers to requests to origin only. net/http drops the
// Authorization and Cookie headers of a request when it follows a
// redirect to another host; headers added here, on every hop, would
// escape that rule, so they go only where the user sent them.
type headerTransport struct {
	base      http.RoundTripper
	origin    string // originOf the URL the headers are meant for
	headers   map[string]string
	userAgent string
}

func (t headerTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	if o := hls.Origin(r.URL); o != "" && o == t.origin {
		for n, v := range t.headers {
			r.Header.Set(n, v)
		}
	}
	if t.userAgent != "" {
		r.Header.Set("User-Agent", t.userAgent+" variant-select")
	}
	return t.base.RoundTrip(r)
}

func variantChoiceOf(v Variant) ffmpeg.VariantChoice {
	switch v {
	case VariantFirst:
		return ffmpeg.VariantFirst
	case VariantHighest:
		return ffmpeg.VariantHighest
	case VariantLowest:
		return ffmpeg.VariantLowest
	}
	return ffmpeg.VariantAll
}

func keepAliveOf(k KeepAlive) ffmpeg.KeepAliveMode {
	switch k {
	case KeepAliveOn:
		return ffmpeg.KeepAliveOn
	case KeepAliveOff:
		return ffmpeg.KeepAliveOff
	}
	return ffmpeg.KeepAliveAuto
}
