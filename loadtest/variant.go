package loadtest

import (
	"context"
	"crypto/tls"
	"fmt"
	"net/http"

	"github.com/hlsswarm/hlsswarm/internal/ffmpeg"
)

// play is what a viewer opens: a playlist URL and the streams it maps.
type play struct {
	url string
	m   ffmpeg.Mapping
}

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
// of Result.Origin. For VariantRoundRobin and VariantAll, a playlist that
// cannot be fetched or parsed is not fatal: every viewer then plays the
// URL as it is (and ffmpeg's own error shows in the run); a stream whose
// media playlist cannot be read is taken as VOD. note says why, for the
// test log.
func selectPlays(ctx context.Context, cfg Config) (plays []play, live bool, note string, err error) {
	whole := []play{{url: cfg.URL, m: ffmpeg.MapAll()}}
	client, done := masterClient(cfg)
	defer done()
	tolerant := cfg.Variant == VariantRoundRobin || cfg.Variant == VariantAll
	sel, err := ffmpeg.SelectVariant(ctx, client, cfg.URL, variantChoiceOf(cfg.Variant))
	switch {
	case err != nil && tolerant:
		return whole, false, fmt.Sprintf("loadtest: Config.Variant = %q: %v; every viewer plays Config.URL as it is (taken as VOD)", cfg.Variant, err), nil
	case err != nil:
		return nil, false, "", fmt.Errorf("loadtest: Config.Variant = %q: %w", cfg.Variant, err)
	}
	live = !sel.EndList
	if len(sel.Variants) > 0 {
		media := sel.Variants[0].URL
		if sel.Variant != nil {
			media = sel.Variant.URL
		}
		if live, err = ffmpeg.MediaPlaylistLive(ctx, client, media); err != nil {
			note = fmt.Sprintf("loadtest: cannot tell a live stream from VOD: %v; taken as VOD (a viewer that exits 0 has played to the end)", err)
		}
	}
	switch {
	case cfg.Variant == VariantAll || cfg.Variant == VariantRoundRobin && len(sel.Variants) == 0:
		return whole, live, note, nil
	case cfg.Variant == VariantRoundRobin:
		plays = make([]play, len(sel.Variants))
		for i, v := range sel.Variants {
			plays[i] = play{url: v.URL, m: ffmpeg.MapAll()}
		}
		return plays, live, note, nil
	}
	return []play{{url: sel.URL, m: sel.Map}}, live, note, nil
}

// masterClient is the HTTP client of the master playlist fetch: it sends
// Config.Headers and Config.UserAgent like the viewers (an origin may
// require them), gives up after Config.Timeout, and keeps no connection
// open afterwards (done closes what is left). Like the viewers (ffmpeg's
// -tls_verify defaults to 0) it does not verify the origin's certificate,
// so a self-signed origin gets the same variant choice as any other.
func masterClient(cfg Config) (*http.Client, func()) {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.DisableKeepAlives = true
	tr.TLSClientConfig = &tls.Config{InsecureSkipVerify: true} // as ffmpeg's viewers: see above
	c := &http.Client{
		Transport: headerTransport{base: tr, headers: cfg.Headers, userAgent: cfg.UserAgent},
		Timeout:   cfg.Timeout,
	}
	return c, tr.CloseIdleConnections
}

// headerTransport adds the configured headers to every request.
type headerTransport struct {
	base      http.RoundTripper
	headers   map[string]string
	userAgent string
}

func (t headerTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	for n, v := range t.headers {
		r.Header.Set(n, v)
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
