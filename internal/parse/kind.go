package parse

import "bytes"

// Kind is what an HTTP request fetched. The values are in the same order as
// the stats package's kinds (manifest, segment, init, unknown), so an adapter
// converts one into the other with a cast.
type Kind uint8

// The kinds of request, in the order shared with internal/stats.
const (
	// KindManifest is a master or media playlist (.m3u8, .m3u, or the -i URL).
	KindManifest Kind = iota
	// KindSegment is a media segment (.ts, .m4s, .mp4, .aac, .vtt, ...).
	KindSegment
	// KindInit is an initialization section (EXT-X-MAP).
	KindInit
	// KindUnknown is anything else (for example an AES key).
	KindUnknown
)

// String returns the kind's metric prefix: manifest, segment, init or unknown.
func (k Kind) String() string {
	switch k {
	case KindManifest:
		return "manifest"
	case KindSegment:
		return "segment"
	case KindInit:
		return "init"
	}
	return "unknown"
}

// urlPath returns the path of an absolute URL (from the first '/' after the
// authority), or u itself when it has no scheme. The query stays attached.
func urlPath(u []byte) []byte {
	i := bytes.Index(u, []byte("://"))
	if i < 0 {
		return u
	}
	rest := u[i+3:]
	j := bytes.IndexByte(rest, '/')
	if j < 0 {
		return rest[len(rest):]
	}
	return rest[j:]
}

// baseName returns the last path element of u without query or fragment.
func baseName(u []byte) []byte {
	if i := bytes.IndexAny(u, "?#"); i >= 0 {
		u = u[:i]
	}
	if i := bytes.LastIndexByte(u, '/'); i >= 0 {
		u = u[i+1:]
	}
	return u
}

// extOf returns the lower-case-insensitive extension of a base name without
// the dot, or nil.
func extOf(base []byte) []byte {
	i := bytes.LastIndexByte(base, '.')
	if i < 0 {
		return nil
	}
	return base[i+1:]
}

// extClass is the class of a file extension.
type extClass uint8

const (
	extNone extClass = iota
	extPlaylist
	extMedia
	extOther
)

func classifyExt(ext []byte) extClass {
	if len(ext) == 0 || len(ext) > 6 {
		return extNone
	}
	var lower [6]byte
	for i, c := range ext {
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		lower[i] = c
	}
	switch string(lower[:len(ext)]) {
	case "m3u8", "m3u":
		return extPlaylist
	case "ts", "m4s", "mp4", "m4a", "m4v", "aac", "ac3", "ec3", "eac3", "mp3", "vtt", "webvtt",
		"cmfv", "cmfa", "cmft", "fmp4", "mp2", "mpg", "mpeg", "mov", "3gp", "id3", "ttml":
		return extMedia
	}
	return extOther
}

// hasInit reports whether a base name contains "init" (any case).
func hasInit(base []byte) bool {
	for i := 0; i+4 <= len(base); i++ {
		if (base[i]|0x20) == 'i' && (base[i+1]|0x20) == 'n' && (base[i+2]|0x20) == 'i' && (base[i+3]|0x20) == 't' {
			return true
		}
	}
	return false
}

// ClassifyURL guesses a request's kind from its URL or path alone. It is used
// when the log does not say more (see the package doc): playlists by
// extension, media by extension with "init" in the file name meaning an
// initialization section, anything else unknown.
func ClassifyURL(u []byte) Kind {
	base := baseName(u)
	switch classifyExt(extOf(base)) {
	case extPlaylist:
		return KindManifest
	case extMedia:
		if hasInit(base) {
			return KindInit
		}
		return KindSegment
	}
	return KindUnknown
}
