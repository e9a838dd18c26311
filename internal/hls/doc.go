// Package hls reads HLS playlists (RFC 8216): master playlists, with their
// variants (EXT-X-STREAM-INF) and renditions (EXT-X-MEDIA), and media
// playlists, with their segments, byte ranges (EXT-X-BYTERANGE), init
// sections (EXT-X-MAP) and end (EXT-X-ENDLIST). It is the module's one
// m3u8 parser: the fleet reads what viewers are given to play with it, and
// the fixtures read their content with it.
//
// It reads what a load generator needs and skips every other tag; it never
// panics on input, and its errors say which line is wrong and why.
package hls
