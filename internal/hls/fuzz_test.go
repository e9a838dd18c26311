package hls

import (
	"net/url"
	"strings"
	"testing"
)

// FuzzParse feeds arbitrary text to Parse (seeds in testdata/fuzz/FuzzParse
// and below): nothing may panic, and what parses holds together: byte
// ranges have their offsets filled in, and AudioFor picks from the
// variant's own group.
func FuzzParse(f *testing.F) {
	f.Add(demuxedMaster)
	f.Add("#EXTM3U\n#EXT-X-MAP:URI=\"m.mp4\",BYTERANGE=\"7\"\n#EXTINF:1,\n#EXT-X-BYTERANGE:5\nm.mp4\n#EXTINF:1,\n#EXT-X-BYTERANGE:5@2\nm.mp4\n#EXT-X-ENDLIST\n")
	base, _ := url.Parse("http://127.0.0.1:9/a/b.m3u8")
	f.Fuzz(func(t *testing.T, s string) {
		p, err := Parse(base, strings.NewReader(s))
		if err != nil {
			return
		}
		for _, seg := range p.Segments {
			if seg.Range != nil && (seg.Range.Offset < 0 || seg.Range.Length < 0) {
				t.Errorf("segment %+v: range %+v", seg, *seg.Range)
			}
		}
		for _, v := range p.Variants {
			if r, ok := p.AudioFor(v); ok && (r.GroupID != v.Audio || r.Type != "AUDIO") {
				t.Errorf("AudioFor(%+v) = %+v", v, r)
			}
		}
	})
}
