package ffmpeg

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"

	"github.com/hlsswarm/hlsswarm/internal/hls"
)

// Variant is one EXT-X-STREAM-INF entry of a master playlist.
type Variant struct {
	// URL is the media playlist, resolved against the master's URL.
	URL string
	// Program is ffmpeg's program number for this variant (its position in
	// the master playlist), for [MapProgram].
	Program int
	// Bandwidth and AverageBandwidth in bits per second (0 when absent).
	Bandwidth, AverageBandwidth int64
	// Width and Height from RESOLUTION (0 when absent).
	Width, Height int
	// Codecs is the CODECS attribute, unparsed.
	Codecs string
	// Audio is the media playlist of the audio rendition a player picks
	// for this variant (see [hls.Playlist.AudioFor]), resolved like URL;
	// "" when the variant has no AUDIO group or its audio is carried in
	// the variant's own stream.
	Audio string
}

// VariantChoice says which variant(s) a viewer plays.
type VariantChoice int

// The variant choices. The zero value plays all variants, as ffmpeg does by
// default with -map 0.
const (
	VariantAll VariantChoice = iota
	VariantFirst
	VariantHighest
	VariantLowest
)

// String returns the choice's name as used in configuration.
func (c VariantChoice) String() string {
	switch c {
	case VariantAll:
		return "all"
	case VariantFirst:
		return "first"
	case VariantHighest:
		return "highest"
	case VariantLowest:
		return "lowest"
	}
	return "VariantChoice(" + strconv.Itoa(int(c)) + ")"
}

// ParseVariantChoice returns the choice named s: "all", "first", "highest"
// or "lowest".
func ParseVariantChoice(s string) (VariantChoice, error) {
	for c := VariantAll; c <= VariantLowest; c++ {
		if c.String() == s {
			return c, nil
		}
	}
	return 0, fmt.Errorf("variant %q: accepted values are all, first, highest, lowest", s)
}

// Selection is what a viewer plays after [SelectVariant].
type Selection struct {
	// URL is the URL for Viewer.URL: the chosen variant's media playlist,
	// or MasterURL when playing all variants or when it is already a
	// media playlist.
	URL string
	// Map is the mapping for Viewer.Map (MapAll, or MapProgram after ViaProgram).
	Map Mapping
	// Variant is the chosen variant; nil when all are played.
	Variant *Variant
	// Variants are all variants of the master playlist (nil for a media playlist).
	Variants []Variant
	// MasterURL is the URL that answered SelectVariant's fetch: the URL
	// given, or where its redirects ended.
	MasterURL string
	// EndList reports that the playlist fetched was a media playlist
	// (Variants empty) with #EXT-X-ENDLIST: a VOD. For a master playlist
	// it is false; ask [MediaPlaylistLive] about a variant.
	EndList bool
}

// ViaProgram returns s changed to open the master playlist and map only
// the chosen variant's program (-map 0:p:N), so that the origin sees the
// master request as it would from a player. ffmpeg still loads every
// variant playlist once at start. Without a chosen variant s is unchanged.
func (s Selection) ViaProgram() Selection {
	if s.Variant == nil {
		return s
	}
	s.URL = s.MasterURL
	s.Map = MapProgram(s.Variant.Program)
	return s
}

// maxPlaylistBytes bounds the master playlist read by SelectVariant.
const maxPlaylistBytes = 4 << 20

// SelectVariant fetches rawURL with client (http.DefaultClient when nil) and
// picks the variant(s) by choice. A media playlist (no EXT-X-STREAM-INF) is
// played as it is whatever the choice. Redirects are followed, and variant
// URIs resolve against the final URL, as players resolve them; the
// Selection's URL and MasterURL are the final URL too. The error of a
// failed fetch names the URL and the HTTP status or the network error, and
// for a body that is no playlist, what it starts with.
func SelectVariant(ctx context.Context, client *http.Client, rawURL string, choice VariantChoice) (Selection, error) {
	if choice < VariantAll || choice > VariantLowest {
		return Selection{}, fmt.Errorf("variant choice %d: accepted values are all, first, highest, lowest", int(choice))
	}
	if err := ValidateURL(rawURL); err != nil {
		return Selection{}, err
	}
	if client == nil {
		client = http.DefaultClient
	}
	body, final, err := fetchPlaylist(ctx, client, rawURL)
	if err != nil {
		return Selection{}, err
	}
	pl, err := hls.Parse(final, bytes.NewReader(body))
	if err != nil {
		return Selection{}, fmt.Errorf("master playlist %s: %w", final, err)
	}
	variants := variantsOf(pl)
	sel := Selection{URL: final.String(), Variants: variants, MasterURL: final.String()}
	sel.EndList = len(variants) == 0 && pl.EndList
	if len(variants) == 0 || choice == VariantAll {
		return sel, nil
	}
	best := 0
	for i, v := range variants {
		switch {
		case choice == VariantHighest && v.Bandwidth > variants[best].Bandwidth,
			choice == VariantLowest && v.Bandwidth < variants[best].Bandwidth:
			best = i
		}
	}
	v := variants[best]
	sel.Variant = &v
	sel.URL = v.URL
	return sel, nil
}

// MediaPlaylistLive fetches the media playlist rawURL with client
// (http.DefaultClient when nil), following redirects, and reports whether
// it is live: it has no #EXT-X-ENDLIST tag. A master playlist is an error.
func MediaPlaylistLive(ctx context.Context, client *http.Client, rawURL string) (bool, error) {
	if err := ValidateURL(rawURL); err != nil {
		return false, err
	}
	if client == nil {
		client = http.DefaultClient
	}
	body, final, err := fetchPlaylist(ctx, client, rawURL)
	if err != nil {
		return false, err
	}
	pl, err := hls.Parse(final, bytes.NewReader(body))
	if err != nil {
		return false, fmt.Errorf("media playlist %s: %w", final, err)
	}
	if len(pl.Variants) > 0 {
		return false, fmt.Errorf("media playlist %s: it is a master playlist (%d variants)", final, len(pl.Variants))
	}
	return !pl.EndList, nil
}

// variantsOf returns the variants of a master playlist, each with the
// audio rendition a player picks for it; none for a media playlist.
func variantsOf(pl *hls.Playlist) []Variant {
	var out []Variant
	for i, v := range pl.Variants {
		x := Variant{URL: v.URI, Program: i, Bandwidth: v.Bandwidth, AverageBandwidth: v.AverageBandwidth,
			Width: v.Width, Height: v.Height, Codecs: v.Codecs}
		if a, ok := pl.AudioFor(v); ok {
			x.Audio = a.URI
		}
		out = append(out, x)
	}
	return out
}

// fetchPlaylist GETs rawURL, following redirects, and returns its body (at
// most maxPlaylistBytes) and the URL that answered (after redirects). Any
// status but 200 is an error, and so is a body that does not start with
// #EXTM3U: the error names the URL and the status, the network error, or
// the body's first bytes.
func fetchPlaylist(ctx context.Context, client *http.Client, rawURL string) ([]byte, *url.URL, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, rawURL, nil)
	if err != nil {
		return nil, nil, err
	}
	req.Header.Set("User-Agent", DefaultUserAgent+" variant-select")
	resp, err := client.Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			// ue names the method and the URL in Go's syntax; keep its
			// cause (and its Timeout method) under our own wording.
			return nil, nil, &fetchError{url: rawURL, err: ue.Err, timeout: ue.Timeout()}
		}
		return nil, nil, &fetchError{url: rawURL, err: err}
	}
	defer resp.Body.Close()
	final := resp.Request.URL
	where := rawURL
	if final.String() != rawURL {
		where = rawURL + " (redirected to " + final.String() + ")"
	}
	if resp.StatusCode != http.StatusOK {
		return nil, nil, &fetchError{url: where, err: fmt.Errorf("HTTP %s", resp.Status)}
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxPlaylistBytes))
	if err != nil {
		var ne net.Error
		return nil, nil, &fetchError{url: where, err: fmt.Errorf("reading the body: %w", err), timeout: errors.As(err, &ne) && ne.Timeout()}
	}
	if !isPlaylist(body) {
		return nil, nil, &fetchError{url: where, err: fmt.Errorf("not an HLS playlist (Content-Type %q, no #EXTM3U first line): the body starts with %s",
			resp.Header.Get("Content-Type"), quoteHead(body, 60))}
	}
	return body, final, nil
}

// fetchError is a failed fetch of a playlist: the URL (followed by
// " (redirected to ...)" when the answer came from another URL) and why
// (the HTTP status, the network error or what the body starts with). Its
// Timeout method tells a missing answer from other failures.
type fetchError struct {
	url     string
	err     error
	timeout bool
}

func (e *fetchError) Error() string { return "GET " + e.url + ": " + e.err.Error() }

func (e *fetchError) Unwrap() error { return e.err }

// Timeout reports whether the fetch failed for want of an answer in time.
func (e *fetchError) Timeout() bool { return e.timeout }

// isPlaylist reports whether body starts with an #EXTM3U line (after an
// optional byte order mark).
func isPlaylist(body []byte) bool {
	body = bytes.TrimPrefix(body, []byte("\ufeff"))
	rest, ok := bytes.CutPrefix(body, []byte("#EXTM3U"))
	return ok && (len(rest) == 0 || rest[0] == '\n' || rest[0] == '\r' || rest[0] == ' ' || rest[0] == '\t')
}

// quoteHead returns the first n bytes of b quoted, followed by "..." when
// b is longer.
func quoteHead(b []byte, n int) string {
	if len(b) > n {
		return strconv.Quote(string(b[:n])) + "..."
	}
	return strconv.Quote(string(b))
}
