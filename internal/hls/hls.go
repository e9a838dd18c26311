package hls

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"math"
	"net/url"
	"strconv"
	"strings"
)

// Playlist is a parsed master or media playlist. A master playlist has
// Variants (and maybe Renditions) and no Segments; a media playlist has
// Segments and no Variants.
type Playlist struct {
	// Variants are the EXT-X-STREAM-INF entries, in playlist order.
	Variants []Variant
	// Renditions are the EXT-X-MEDIA entries, in playlist order.
	Renditions []Rendition

	// TargetDuration is EXT-X-TARGETDURATION in seconds (0 when absent).
	TargetDuration int64
	// MediaSequence is EXT-X-MEDIA-SEQUENCE (0 when absent).
	MediaSequence int64
	// Segments are the media segments, in playlist order.
	Segments []Segment
	// EndList reports an EXT-X-ENDLIST tag: the playlist is complete
	// (VOD, or a live stream that ended).
	EndList bool
}

// Master reports whether p is a master playlist: it has variants or
// renditions.
func (p *Playlist) Master() bool { return len(p.Variants) > 0 || len(p.Renditions) > 0 }

// Variant is one EXT-X-STREAM-INF entry.
type Variant struct {
	// URI is the media playlist's URI, resolved against the base given
	// to [Parse] (as written when the base was nil).
	URI string
	// Bandwidth and AverageBandwidth in bits per second (0 when absent).
	Bandwidth, AverageBandwidth int64
	// Width and Height from RESOLUTION (0 when absent).
	Width, Height int
	// Codecs is the CODECS attribute, unparsed.
	Codecs string
	// Audio and Subtitles are the GROUP-IDs of the variant's AUDIO and
	// SUBTITLES rendition groups ("" when absent).
	Audio, Subtitles string
}

// Rendition is one EXT-X-MEDIA entry.
type Rendition struct {
	// Type is AUDIO, VIDEO, SUBTITLES or CLOSED-CAPTIONS.
	Type string
	// GroupID, Name and Language are the GROUP-ID, NAME and LANGUAGE
	// attributes.
	GroupID, Name, Language string
	// Default and Autoselect are DEFAULT=YES and AUTOSELECT=YES.
	Default, Autoselect bool
	// URI is the rendition's media playlist, resolved like Variant.URI;
	// "" when the rendition is carried in the variant's own stream.
	URI string
}

// Segment is one media segment.
type Segment struct {
	// URI is the segment's URI, resolved like Variant.URI.
	URI string
	// Duration is the EXTINF duration in seconds.
	Duration float64
	// Range is the EXT-X-BYTERANGE of the segment; nil for the whole
	// resource.
	Range *ByteRange
	// Map is the EXT-X-MAP (init section) in force for the segment; nil
	// when there is none.
	Map *Map
}

// Map is an EXT-X-MAP: the init section of the segments that follow it.
type Map struct {
	// URI is the init section's URI, resolved like Variant.URI.
	URI string
	// Range is its BYTERANGE; nil for the whole resource.
	Range *ByteRange
}

// ByteRange is a sub-range of a resource: Length bytes from Offset. An
// offset left out in the playlist is filled in: the byte after the
// previous range of the same URI.
type ByteRange struct {
	Length, Offset int64
}

// maxLine bounds one playlist line.
const maxLine = 1 << 20

// Parse reads a master or media playlist and resolves its URIs against
// base (left as written when base is nil). Input that does not start with
// #EXTM3U is an error, and so is a malformed value of a tag it reads
// (EXTINF, EXT-X-BYTERANGE, EXT-X-TARGETDURATION...), naming the line.
// Unknown tags and comments are skipped.
func Parse(base *url.URL, r io.Reader) (*Playlist, error) {
	sc := bufio.NewScanner(r)
	// Lines are short: the buffer starts small and grows up to maxLine
	// only for a long line (a live viewer parses its playlist on every
	// reload, so a large first buffer is paid again and again).
	sc.Buffer(make([]byte, 0, 512), maxLine)
	p := &parser{base: base, pl: &Playlist{}, next: map[string]int64{}}
	n := 0
	for sc.Scan() {
		n++
		line := strings.TrimSpace(sc.Text())
		if n == 1 {
			line = strings.TrimPrefix(line, "\ufeff")
			if line != "#EXTM3U" {
				return nil, fmt.Errorf("not an HLS playlist: first line %s, want #EXTM3U", quoteCut(line, 60))
			}
			continue
		}
		if err := p.line(line); err != nil {
			return nil, fmt.Errorf("line %d: %w", n, err)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	if n == 0 {
		return nil, errors.New("not an HLS playlist: empty")
	}
	if p.pendingVariant != nil {
		return nil, errors.New("EXT-X-STREAM-INF without a URI line after it")
	}
	if p.pendingDuration >= 0 {
		return nil, errors.New("EXTINF without a URI line after it")
	}
	return p.pl, nil
}

// parser is Parse's state between lines.
type parser struct {
	base            *url.URL
	pl              *Playlist
	pendingVariant  *Variant
	pendingDuration float64 // -1 when no EXTINF waits for its URI
	pendingRange    *ByteRange
	curMap          *Map
	next            map[string]int64 // per URI, the offset after its last range
	started         bool
}

func (p *parser) line(line string) error {
	if !p.started {
		p.started = true
		p.pendingDuration = -1
	}
	tag, value, _ := strings.Cut(line, ":")
	switch {
	case line == "":
		return nil
	case tag == "#EXT-X-STREAM-INF":
		v, err := parseStreamInf(value)
		if err != nil {
			return err
		}
		p.pendingVariant = &v
	case tag == "#EXT-X-MEDIA":
		return p.media(value)
	case tag == "#EXT-X-TARGETDURATION":
		d, err := strconv.ParseInt(value, 10, 64)
		if err != nil || d < 0 {
			return fmt.Errorf("EXT-X-TARGETDURATION %q: want a whole number of seconds", value)
		}
		p.pl.TargetDuration = d
	case tag == "#EXT-X-MEDIA-SEQUENCE":
		s, err := strconv.ParseInt(value, 10, 64)
		if err != nil || s < 0 {
			return fmt.Errorf("EXT-X-MEDIA-SEQUENCE %q: want a whole number", value)
		}
		p.pl.MediaSequence = s
	case tag == "#EXTINF":
		ds, _, _ := strings.Cut(value, ",")
		d, err := strconv.ParseFloat(strings.TrimSpace(ds), 64)
		if err != nil || d < 0 || math.IsInf(d, 0) || math.IsNaN(d) {
			return fmt.Errorf("EXTINF %q: want a duration in seconds", value)
		}
		p.pendingDuration = d
	case tag == "#EXT-X-BYTERANGE":
		br, explicit, err := parseRange(value)
		if err != nil {
			return fmt.Errorf("EXT-X-BYTERANGE: %w", err)
		}
		if !explicit {
			br.Offset = -1 // filled in from the URI that follows
		}
		p.pendingRange = &br
	case tag == "#EXT-X-MAP":
		return p.initMap(value)
	case tag == "#EXT-X-ENDLIST":
		p.pl.EndList = true
	case strings.HasPrefix(line, "#"):
		// a comment or a tag not read here
	default:
		return p.uri(line)
	}
	return nil
}

// uri handles a URI line: the variant or segment its tags announced.
func (p *parser) uri(line string) error {
	u := p.resolve(line)
	switch {
	case p.pendingVariant != nil:
		p.pendingVariant.URI = u
		p.pl.Variants = append(p.pl.Variants, *p.pendingVariant)
		p.pendingVariant = nil
	case p.pendingDuration >= 0:
		s := Segment{URI: u, Duration: p.pendingDuration, Map: p.curMap}
		if br := p.pendingRange; br != nil {
			if br.Offset < 0 {
				br.Offset = p.next[u]
			}
			if br.Length > math.MaxInt64-br.Offset {
				return fmt.Errorf("EXT-X-BYTERANGE of %s ends past 2^63 bytes", quoteCut(line, 60))
			}
			p.next[u] = br.Offset + br.Length
			s.Range = br
		}
		p.pl.Segments = append(p.pl.Segments, s)
		p.pendingDuration, p.pendingRange = -1, nil
	default:
		return fmt.Errorf("URI %s without an EXTINF or EXT-X-STREAM-INF tag before it", quoteCut(line, 60))
	}
	return nil
}

func (p *parser) media(attrs string) error {
	a, err := parseAttrs(attrs)
	if err != nil {
		return fmt.Errorf("EXT-X-MEDIA: %w", err)
	}
	r := Rendition{Type: a["TYPE"], GroupID: a["GROUP-ID"], Name: a["NAME"], Language: a["LANGUAGE"],
		Default: a["DEFAULT"] == "YES", Autoselect: a["AUTOSELECT"] == "YES"}
	if r.Type == "" || r.GroupID == "" {
		return errors.New("EXT-X-MEDIA without TYPE or GROUP-ID")
	}
	if uri, ok := a["URI"]; ok && uri != "" {
		r.URI = p.resolve(uri)
	}
	p.pl.Renditions = append(p.pl.Renditions, r)
	return nil
}

func (p *parser) initMap(attrs string) error {
	a, err := parseAttrs(attrs)
	if err != nil {
		return fmt.Errorf("EXT-X-MAP: %w", err)
	}
	uri, ok := a["URI"]
	if !ok || uri == "" {
		return errors.New("EXT-X-MAP without URI")
	}
	m := &Map{URI: p.resolve(uri)}
	if v, ok := a["BYTERANGE"]; ok {
		br, explicit, err := parseRange(v)
		if err != nil {
			return fmt.Errorf("EXT-X-MAP BYTERANGE: %w", err)
		}
		if !explicit {
			br.Offset = 0 // RFC 8216 4.3.2.5: an EXT-X-MAP range without offset starts at 0
		}
		m.Range = &br
	}
	p.curMap = m
	return nil
}

// resolve returns uri resolved against the base (as written when there is
// no base or uri does not parse).
func (p *parser) resolve(uri string) string {
	if p.base == nil {
		return uri
	}
	u, err := url.Parse(uri)
	if err != nil {
		return uri
	}
	return p.base.ResolveReference(u).String()
}

// parseRange reads "length[@offset]"; explicit reports an offset.
func parseRange(s string) (br ByteRange, explicit bool, err error) {
	l, o, explicit := strings.Cut(strings.TrimSpace(s), "@")
	if br.Length, err = strconv.ParseInt(l, 10, 64); err != nil || br.Length < 0 {
		return ByteRange{}, false, fmt.Errorf("%q: want length[@offset] in bytes", s)
	}
	if explicit {
		if br.Offset, err = strconv.ParseInt(o, 10, 64); err != nil || br.Offset < 0 {
			return ByteRange{}, false, fmt.Errorf("%q: want length[@offset] in bytes", s)
		}
	}
	return br, explicit, nil
}

func quoteCut(s string, n int) string {
	if len(s) > n {
		return strconv.Quote(s[:n]) + "..."
	}
	return strconv.Quote(s)
}
