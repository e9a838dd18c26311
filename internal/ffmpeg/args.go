package ffmpeg

import (
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// ClientHeader is the request header that carries a viewer's number on every
// playlist and segment request, so an origin can attribute each request.
const ClientHeader = "X-Hlsswarm-Client"

// RunHeader and ShardHeader carry the run id and the shard index of a
// sharded run (Viewer.RunID) on every request, beside ClientHeader.
const (
	RunHeader   = "X-Hlsswarm-Run"
	ShardHeader = "X-Hlsswarm-Shard"
)

// DefaultUserAgent is the User-Agent prefix when Viewer.UserAgent is empty
// and the probe did not find the libavformat version (otherwise ffmpeg's own
// "Lavf/<version>" is used).
const DefaultUserAgent = "hlsswarm"

// Defaults of the Viewer fields whose zero value means "default".
const (
	DefaultLogLevel    = "debug"
	DefaultRWTimeout   = 10 * time.Second
	DefaultStatsPeriod = time.Second
	// DefaultReconnectDelayMax bounds ffmpeg's reconnect back-off for the
	// -i URL (where the reconnect options exist and are enabled).
	DefaultReconnectDelayMax = 2 * time.Second
)

// ProgressFD is the file descriptor ffmpeg writes -progress to (pipe:3), so
// that progress and the log never share a pipe.
const ProgressFD = 3

// protocolWhitelist is what HLS over HTTP(S) needs: http/https for
// playlists and segments, tcp/tls beneath them, crypto for AES-128 segments.
// It keeps a hostile playlist from making a viewer open file:, pipe:, udp:...
const protocolWhitelist = "http,https,tcp,tls,crypto"

// Header is one extra HTTP request header sent with every request.
type Header struct {
	Name, Value string
}

// Mapping selects the streams a viewer copies: all of them ([MapAll], the
// zero value, "-map 0") or one HLS variant by its program number
// ([MapProgram], "-map 0:p:N").
type Mapping struct {
	program int // program+1; 0 means all
}

// MapAll maps every stream of every variant ("-map 0").
func MapAll() Mapping { return Mapping{} }

// MapProgram maps the streams of ffmpeg program n ("-map 0:p:n"); the hls
// demuxer makes one program per EXT-X-STREAM-INF, in playlist order.
func MapProgram(n int) Mapping { return Mapping{program: n + 1} }

// Program returns the program number and true, or 0 and false for MapAll.
func (m Mapping) Program() (int, bool) { return m.program - 1, m.program > 0 }

// String returns the -map argument.
func (m Mapping) String() string {
	if n, ok := m.Program(); ok {
		return "0:p:" + strconv.Itoa(n)
	}
	return "0"
}

// KeepAliveMode says whether a viewer's hls demuxer reuses HTTP
// connections (ffmpeg's -http_persistent, on by default in ffmpeg).
//
// Off ("-http_persistent 0", where the probe found the option) gives every
// playlist, init and segment request a connection of its own, closed when
// its body was read to the end; ffmpeg logs that close ("Statistics: N
// bytes read"), the only line that marks the end of a segment at a live
// edge, so segment latency is measured for live streams (internal/parse).
// The cost is one TCP connection, and over https one TLS handshake, per
// request: more connection churn than a real player makes. Over http a
// loopback connection is cheap next to ffmpeg's own work, but over https
// each handshake costs ffmpeg CPU and every latency then includes
// connecting and the handshake, which is why Auto keeps connections for
// https. On (ffmpeg's default) measures segment
// latency only where other lines prove a body's end: VOD and catching-up
// live, not a live edge.
type KeepAliveMode uint8

const (
	// KeepAliveAuto, the zero value, is KeepAliveOff for http URLs and
	// KeepAliveOn for https URLs.
	KeepAliveAuto KeepAliveMode = iota
	// KeepAliveOff passes -http_persistent 0 (where probed).
	KeepAliveOff
	// KeepAliveOn keeps ffmpeg's connection reuse.
	KeepAliveOn
)

// String names the mode: "auto", "off", "on".
func (m KeepAliveMode) String() string {
	switch m {
	case KeepAliveAuto:
		return "auto"
	case KeepAliveOff:
		return "off"
	case KeepAliveOn:
		return "on"
	}
	return "KeepAliveMode(" + strconv.Itoa(int(m)) + ")"
}

// keepAliveOff reports whether viewer v runs with -http_persistent 0.
func (v *Viewer) keepAliveOff() bool {
	switch v.KeepAlive {
	case KeepAliveOff:
		return true
	case KeepAliveAuto:
		return !strings.HasPrefix(strings.ToLower(v.URL), "https:")
	}
	return false
}

// Viewer describes one ffmpeg viewer. Zero values mean the documented
// defaults; options the probed binary lacks are left out (see
// [Binary.Unsupported]).
type Viewer struct {
	// URL is the playlist to play: http or https only. Required.
	URL string
	// Client is the viewer's number, sent as "X-Hlsswarm-Client: <n>" and as
	// the User-Agent suffix " client-<n>". Must be >= 0.
	Client int
	// RunID, when set, is the run id of a sharded run: sent as
	// "X-Hlsswarm-Run: <id>" and "X-Hlsswarm-Shard: <Shard>", and in
	// the User-Agent before the client suffix, " run-<id> shard-<Shard>
	// client-<n>" (the client suffix stays last, where origins look for it).
	RunID string
	// Shard is the index of the viewer's shard; sent only with RunID.
	Shard int
	// UserAgent is the User-Agent prefix; default ffmpeg's own
	// "Lavf/<libavformat version>" (DefaultUserAgent if unknown).
	UserAgent string
	// Headers are extra request headers, sent in order after ClientHeader.
	Headers []Header
	// Map selects the streams to copy; the zero value maps all of them.
	Map Mapping
	// AudioURL, when set, is a second input played beside URL: the media
	// playlist of the audio rendition a player picks for the variant
	// (EXT-X-MEDIA), mapped whole ("-map 1"). It gets the same input
	// options as URL (headers, timeouts, keep-alive). http or https only.
	AudioURL string
	// LogLevel is "info", "verbose" or "debug" (default). Only debug shows
	// every HTTP request of ffmpeg 5.1, retries included.
	LogLevel string
	// RWTimeout bounds every network read and write (-rw_timeout); default
	// 10s. A read stalled longer fails the request.
	RWTimeout time.Duration
	// StatsPeriod is the -progress period (-stats_period, 4.4+); default 1s.
	StatsPeriod time.Duration
	// Reconnect adds the http reconnect options where probed: -reconnect 1
	// -reconnect_on_network_error 1 -reconnect_delay_max. In 5.1 they only
	// apply to the -i URL, not to the playlist and segment requests the hls
	// demuxer makes.
	Reconnect bool
	// ReconnectDelayMax is -reconnect_delay_max; default 2s.
	ReconnectDelayMax time.Duration
	// LiveStartIndex, when set, is -live_start_index (ffmpeg's default is
	// -3: three segments behind the live edge).
	LiveStartIndex *int
	// SegMaxRetry, when > 0, is the hls demuxer's -seg_max_retry (newer
	// ffmpeg only).
	SegMaxRetry int
	// Realtime reads the input at its native rate (-re), so a VOD is played
	// like a player would, not downloaded as fast as possible.
	Realtime bool
	// KeepAlive chooses whether the hls demuxer reuses HTTP connections
	// for playlist and segment requests (see [KeepAliveMode]); the zero
	// value, KeepAliveAuto, turns it off for http URLs and keeps it for
	// https URLs.
	KeepAlive KeepAliveMode
}

// Args returns the ffmpeg arguments (without the binary) for viewer v, built
// only from options the probe found. It validates v: the error names the
// field and what is accepted.
func (b *Binary) Args(v Viewer) ([]string, error) {
	if err := b.validate(v); err != nil {
		return nil, err
	}
	f := b.Features
	level := v.LogLevel
	if level == "" {
		level = DefaultLogLevel
	}
	// No "level" flag: ffmpeg writes a line's context prefix, level prefix
	// and message with one write each, and on Linux each write is a message
	// the harness receives (see outputPair); the parser needs no level.
	flags := "repeat+"
	if f.LogDatetime {
		flags += "datetime+"
	}
	a := []string{"-hide_banner", "-nostdin", "-nostats", "-loglevel", flags + level,
		"-progress", "pipe:" + strconv.Itoa(ProgressFD)}
	if f.StatsPeriod {
		a = append(a, "-stats_period", seconds(orDefault(v.StatsPeriod, DefaultStatsPeriod)))
	}
	// Input options, given again before each -i: ffmpeg applies options
	// to the input that follows them only.
	in := b.inputArgs(v)
	a = append(a, in...)
	a = append(a, "-i", v.URL)
	if v.AudioURL != "" {
		a = append(a, in...)
		a = append(a, "-i", v.AudioURL, "-map", v.Map.String(), "-map", "1")
	} else {
		a = append(a, "-map", v.Map.String())
	}
	a = append(a, "-c", "copy", "-f", "null", "-")
	return a, nil
}

// inputArgs returns the options of one input of viewer v (those before
// its -i), built only from options the probe found.
func (b *Binary) inputArgs(v Viewer) []string {
	f := b.Features
	var a []string
	if f.ProtocolWhitelist {
		a = append(a, "-protocol_whitelist", protocolWhitelist)
	}
	if f.RWTimeout {
		a = append(a, "-rw_timeout", strconv.FormatInt(orDefault(v.RWTimeout, DefaultRWTimeout).Microseconds(), 10))
	}
	if v.Reconnect {
		if f.Reconnect {
			a = append(a, "-reconnect", "1")
		}
		if f.ReconnectOnNetworkError {
			a = append(a, "-reconnect_on_network_error", "1")
		}
		if f.ReconnectDelayMax {
			d := orDefault(v.ReconnectDelayMax, DefaultReconnectDelayMax)
			a = append(a, "-reconnect_delay_max", strconv.FormatInt(int64((d+time.Second-1)/time.Second), 10))
		}
	}
	if v.LiveStartIndex != nil && f.LiveStartIndex {
		a = append(a, "-live_start_index", strconv.Itoa(*v.LiveStartIndex))
	}
	if v.SegMaxRetry > 0 && f.SegMaxRetry {
		a = append(a, "-seg_max_retry", strconv.Itoa(v.SegMaxRetry))
	}
	if v.keepAliveOff() && f.HTTPPersistent {
		a = append(a, "-http_persistent", "0")
	}
	ua := v.UserAgent
	if ua == "" {
		ua = DefaultUserAgent
		if b.Libavformat != "" {
			ua = "Lavf/" + b.Libavformat
		}
	}
	var h strings.Builder
	h.WriteString(ClientHeader + ": " + strconv.Itoa(v.Client) + "\r\n")
	if v.RunID != "" {
		shard := strconv.Itoa(v.Shard)
		h.WriteString(RunHeader + ": " + v.RunID + "\r\n" + ShardHeader + ": " + shard + "\r\n")
		ua += " run-" + v.RunID + " shard-" + shard
	}
	for _, x := range v.Headers {
		h.WriteString(x.Name + ": " + x.Value + "\r\n")
	}
	a = append(a, "-user_agent", ua+" client-"+strconv.Itoa(v.Client), "-headers", h.String())
	if v.Realtime {
		a = append(a, "-re")
	}
	return a
}

// Unsupported lists the options v asks for that this binary lacks and that
// Args therefore leaves out, e.g. "-seg_max_retry (needs a newer ffmpeg)".
func (b *Binary) Unsupported(v Viewer) []string {
	f := b.Features
	var out []string
	add := func(ok bool, what string) {
		if !ok {
			out = append(out, what+" (not accepted by ffmpeg "+b.Version.String()+")")
		}
	}
	add(f.StatsPeriod, "-stats_period")
	add(f.RWTimeout, "-rw_timeout")
	add(f.ProtocolWhitelist, "-protocol_whitelist")
	if v.Reconnect {
		add(f.Reconnect, "-reconnect")
		add(f.ReconnectOnNetworkError, "-reconnect_on_network_error")
		add(f.ReconnectDelayMax, "-reconnect_delay_max")
	}
	if v.LiveStartIndex != nil {
		add(f.LiveStartIndex, "-live_start_index")
	}
	if v.SegMaxRetry > 0 {
		add(f.SegMaxRetry, "-seg_max_retry")
	}
	if v.keepAliveOff() {
		add(f.HTTPPersistent, "-http_persistent")
	}
	return out
}

// CommandLine returns the exact command that runs viewer v, shell-quoted
// for copy and paste. It ends in "3>&1" so that the -progress pipe:3
// output goes to stdout when run by hand.
func (b *Binary) CommandLine(v Viewer) (string, error) {
	args, err := b.Args(v)
	if err != nil {
		return "", err
	}
	return ShellQuote(append([]string{b.Path}, args...)) + " " + strconv.Itoa(ProgressFD) + ">&1", nil
}

func (b *Binary) validate(v Viewer) error {
	var errs []error
	for _, u := range []struct{ field, url string }{{"Viewer.URL", v.URL}, {"Viewer.AudioURL", v.AudioURL}} {
		if u.url == "" && u.field == "Viewer.AudioURL" {
			continue
		}
		if err := ValidateURL(u.url); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", u.field, err))
		} else if strings.HasPrefix(strings.ToLower(u.url), "https:") && len(b.Features.Protocols) > 0 && !b.Features.Protocols["https"] {
			errs = append(errs, fmt.Errorf("%s %q: ffmpeg %s at %s was built without https; use an http URL or an ffmpeg with TLS", u.field, u.url, b.Version, b.Path))
		}
	}
	if v.Client < 0 {
		errs = append(errs, fmt.Errorf("Viewer.Client = %d: must be >= 0", v.Client))
	}
	if strings.ContainsAny(v.RunID, " \t\r\n\x00") || v.Shard < 0 {
		errs = append(errs, fmt.Errorf("Viewer.RunID = %q, Viewer.Shard = %d: want an id without spaces or control characters and a shard >= 0", v.RunID, v.Shard))
	}
	if strings.ContainsAny(v.UserAgent, "\r\n\x00") {
		errs = append(errs, fmt.Errorf("Viewer.UserAgent %q: must not contain CR, LF or NUL", v.UserAgent))
	}
	for i, h := range v.Headers {
		if err := ValidateHeader(h.Name, h.Value); err != nil {
			errs = append(errs, fmt.Errorf("Viewer.Headers[%d]: %w", i, err))
		}
	}
	switch v.LogLevel {
	case "", "info", "verbose", "debug":
	default:
		errs = append(errs, fmt.Errorf("Viewer.LogLevel %q: accepted values are info, verbose, debug", v.LogLevel))
	}
	for _, d := range []struct {
		field string
		v     time.Duration
	}{{"Viewer.RWTimeout", v.RWTimeout}, {"Viewer.StatsPeriod", v.StatsPeriod}, {"Viewer.ReconnectDelayMax", v.ReconnectDelayMax}} {
		if d.v < 0 {
			errs = append(errs, fmt.Errorf("%s = %v: must be >= 0 (0 means the default)", d.field, d.v))
		}
	}
	if v.SegMaxRetry < 0 {
		errs = append(errs, fmt.Errorf("Viewer.SegMaxRetry = %d: must be >= 0", v.SegMaxRetry))
	}
	if v.KeepAlive > KeepAliveOn {
		errs = append(errs, fmt.Errorf("Viewer.KeepAlive = %d: accepted values are KeepAliveAuto, KeepAliveOff, KeepAliveOn", v.KeepAlive))
	}
	errs = append(errs, b.safetyErrors(v)...)
	return errors.Join(errs...)
}

// safetyErrors refuses a viewer that would run without its safety flags:
// -rw_timeout (without it a stalled origin holds a viewer forever) and
// -protocol_whitelist (without it a playlist can make a viewer open
// file:, pipe:, udp: ...), and keep-alive asked off (KeepAliveOff, not
// Auto) from a binary without -http_persistent.
func (b *Binary) safetyErrors(v Viewer) []error {
	f := b.Features
	var missing []string
	if !f.RWTimeout {
		missing = append(missing, "-rw_timeout (bounds every network read: without it a stalled origin holds a viewer forever)")
	}
	if !f.ProtocolWhitelist {
		missing = append(missing, "-protocol_whitelist (keeps a playlist from making a viewer open file:, pipe:, udp: ...)")
	}
	var errs []error
	if len(missing) > 0 {
		errs = append(errs, fmt.Errorf("%w: ffmpeg %s at %s lacks %s, which every viewer needs; the probe (-h full) found: %s; %s",
			ErrTooOld, b.Version, b.Path, strings.Join(missing, " and "), b.safetyFound(), installHint))
	}
	if v.KeepAlive == KeepAliveOff && !f.HTTPPersistent {
		errs = append(errs, fmt.Errorf("KeepAlive is off (Config.KeepAlive = KeepAliveOff) but ffmpeg %s at %s has no -http_persistent to turn it off with (the probe found: %s); "+
			"use KeepAliveAuto or KeepAliveOn (keep-alive stays on, and segment latency at a live edge is not measured) or another ffmpeg",
			b.Version, b.Path, b.safetyFound()))
	}
	return errs
}

// safetyFound says which of the safety options the probe found, for errors.
func (b *Binary) safetyFound() string {
	yn := func(ok bool) string {
		if ok {
			return "yes"
		}
		return "no"
	}
	f := b.Features
	return "-rw_timeout " + yn(f.RWTimeout) + ", -protocol_whitelist " + yn(f.ProtocolWhitelist) + ", -http_persistent " + yn(f.HTTPPersistent)
}

// Notes lists what viewer v's log will not measure on this binary, though
// it is not refused: with keep-alive left on (KeepAliveAuto) where
// -http_persistent is missing, segment latency at a live edge; with
// ffmpeg 4.x over https on keep-alive connections, part of the bytes (4.1
// logs a connection's "Statistics: N bytes read" line only when it
// closes, 5.1 per request).
func (b *Binary) Notes(v Viewer) []string {
	var notes []string
	if v.KeepAlive == KeepAliveAuto && v.keepAliveOff() && !b.Features.HTTPPersistent {
		notes = append(notes, fmt.Sprintf("ffmpeg %s at %s has no -http_persistent: viewers keep ffmpeg's keep-alive (KeepAlive auto would turn it off for http), so segment latency at a live edge is not measured", b.Version, b.Path))
	}
	https := strings.HasPrefix(strings.ToLower(v.URL), "https:")
	if https && !v.keepAliveOff() && !b.Version.AtLeast(5, 0) {
		notes = append(notes, fmt.Sprintf("ffmpeg %s logs no byte count for an https keep-alive connection until it closes: bytes falls short (KeepAlive off measures it, at one TLS handshake per request)", b.Version))
	}
	return notes
}

// ValidateURL accepts only absolute http and https URLs with a host.
func ValidateURL(raw string) error {
	if strings.ContainsAny(raw, "\r\n\x00 \t") {
		return fmt.Errorf("%q: must not contain spaces or control characters", raw)
	}
	u, err := url.Parse(raw)
	if err != nil {
		return fmt.Errorf("%q: %w", raw, err)
	}
	switch strings.ToLower(u.Scheme) {
	case "http", "https":
	default:
		return fmt.Errorf("%q: scheme %q not accepted; accepted schemes are http and https", raw, u.Scheme)
	}
	if u.Host == "" {
		return fmt.Errorf("%q: no host", raw)
	}
	return nil
}

// ValidateHeader rejects header names that are not HTTP tokens, values with
// CR, LF or NUL (which would inject headers into ffmpeg's -headers), and the
// headers hlsswarm sets itself (X-Hlsswarm-Client, User-Agent).
func ValidateHeader(name, value string) error {
	if name == "" {
		return errors.New("empty header name")
	}
	for i := 0; i < len(name); i++ {
		if !isTokenChar(name[i]) {
			return fmt.Errorf("header name %q: character %q not allowed in an HTTP header name", name, name[i])
		}
	}
	if strings.EqualFold(name, ClientHeader) || strings.EqualFold(name, RunHeader) || strings.EqualFold(name, ShardHeader) || strings.EqualFold(name, "User-Agent") {
		return fmt.Errorf("header %q is set by hlsswarm (use Viewer.Client, Viewer.RunID, Viewer.Shard or Viewer.UserAgent)", name)
	}
	if strings.ContainsAny(value, "\r\n\x00") {
		return fmt.Errorf("header %q value %q: must not contain CR, LF or NUL", name, value)
	}
	return nil
}

// ValidHeaderName reports whether name is an HTTP header name: a non-empty
// RFC 9110 token.
func ValidHeaderName(name string) bool {
	if name == "" {
		return false
	}
	for i := 0; i < len(name); i++ {
		if !isTokenChar(name[i]) {
			return false
		}
	}
	return true
}

// isTokenChar reports whether c may appear in an HTTP header name (RFC 9110 tchar).
func isTokenChar(c byte) bool {
	switch {
	case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		return true
	}
	return strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0
}

func orDefault(d, def time.Duration) time.Duration {
	if d == 0 {
		return def
	}
	return d
}

// seconds formats d for options that take seconds: "1", "0.5".
func seconds(d time.Duration) string {
	return strconv.FormatFloat(d.Seconds(), 'f', -1, 64)
}
