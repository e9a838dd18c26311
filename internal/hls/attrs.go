package hls

import (
	"fmt"
	"strconv"
	"strings"
)

// parseAttrs reads an attribute list (RFC 8216 4.2): NAME=value pairs
// separated by commas, a value quoted ("...", commas allowed inside) or
// not. A name given twice keeps its first value.
func parseAttrs(s string) (map[string]string, error) {
	out := map[string]string{}
	for s = strings.TrimSpace(s); s != ""; {
		name, rest, ok := strings.Cut(s, "=")
		if !ok {
			return nil, fmt.Errorf("attribute %s has no value", quoteCut(s, 40))
		}
		name = strings.TrimSpace(name)
		var val string
		if strings.HasPrefix(rest, `"`) {
			end := strings.IndexByte(rest[1:], '"')
			if end < 0 {
				return nil, fmt.Errorf("attribute %s: unterminated quoted string", name)
			}
			val, rest = rest[1:1+end], strings.TrimSpace(rest[2+end:])
			if rest != "" && rest[0] != ',' {
				return nil, fmt.Errorf("attribute %s: text after the quoted string", name)
			}
			rest = strings.TrimPrefix(rest, ",")
		} else {
			val, rest, _ = strings.Cut(rest, ",")
			val = strings.TrimSpace(val)
		}
		if _, dup := out[name]; !dup {
			out[name] = val
		}
		s = strings.TrimSpace(rest)
	}
	return out, nil
}

// parseStreamInf reads the attribute list of an EXT-X-STREAM-INF tag.
func parseStreamInf(attrs string) (Variant, error) {
	a, err := parseAttrs(attrs)
	if err != nil {
		return Variant{}, fmt.Errorf("EXT-X-STREAM-INF: %w", err)
	}
	// Numbers that do not parse are left at 0, as players ignore them:
	// a playlist a player plays must not fail the run.
	var v Variant
	v.Bandwidth, _ = strconv.ParseInt(a["BANDWIDTH"], 10, 64)
	v.AverageBandwidth, _ = strconv.ParseInt(a["AVERAGE-BANDWIDTH"], 10, 64)
	w, h, _ := strings.Cut(a["RESOLUTION"], "x")
	v.Width, _ = strconv.Atoi(w)
	v.Height, _ = strconv.Atoi(h)
	v.Codecs, v.Audio, v.Subtitles = a["CODECS"], a["AUDIO"], a["SUBTITLES"]
	return v, nil
}

// AudioFor returns the audio rendition a player picks for v: in v's AUDIO
// group, the one with DEFAULT=YES, else the first with AUTOSELECT=YES,
// else the first of the group. ok is false when v has no AUDIO group or
// the group has no rendition. A rendition without URI is carried in the
// variant's own stream: there is nothing more to fetch.
func (p *Playlist) AudioFor(v Variant) (r Rendition, ok bool) {
	if v.Audio == "" {
		return Rendition{}, false
	}
	pick := -1
	for i, x := range p.Renditions {
		if x.Type != "AUDIO" || x.GroupID != v.Audio {
			continue
		}
		switch {
		case x.Default:
			return x, true
		case pick < 0, x.Autoselect && !p.Renditions[pick].Autoselect:
			pick = i
		}
	}
	if pick < 0 {
		return Rendition{}, false
	}
	return p.Renditions[pick], true
}
