// Package player is hlsswarm's native viewer engine: an HLS player in Go
// that plays like a player (not like a crawler) and records what it does
// into the same per-viewer stats (internal/stats) as the ffmpeg engine, so
// that everything downstream (the metric catalogue, thresholds, reports,
// the origin's ground truth) does not know which engine ran.
//
// One [Client] serves a whole fleet: one http.Transport whose idle pool is
// sized for the fleet (HTTP/1.1 keep-alive; see [NewClient] for why it
// never speaks HTTP/2), bounded at one connection per viewer rendition
// ([ClientOptions.Renditions]); with [ClientOptions.HTTP2], a viewer
// speaks HTTP/2 over a connection of its own to an https host that offers
// it (ALPN h2), as a browser does. Each viewer is one goroutine
// ([Client.Play]), plus one per further rendition it plays (a demuxed
// audio rendition, or every rendition of a master playlist):
//
//   - a media playlist is reloaded one target duration after the start of
//     its previous load, or half of one after a reload that found it
//     unchanged (RFC 8216 6.3.4);
//   - a live stream starts three target durations from its end (the
//     hold-back of RFC 8216 6.3.3), a VOD at its first segment;
//   - segments are fetched in order into a buffer model: playback starts
//     once Viewer.StartupBuffer of media is in, the playback clock then runs at real
//     time, stalls when the buffer runs dry and resumes when a segment
//     arrives; a VOD is fetched at most Viewer.MaxBuffer ahead of the
//     playback clock (or downloaded as fast as it comes with
//     Viewer.Download);
//   - an init section (EXT-X-MAP) is fetched once per rendition, again
//     only when the playlist names another one;
//   - an adaptive viewer (Viewer.Variants) plays one variant at a time
//     and switches by the throughput of its segment downloads, as hls.js
//     does (abr.go has the estimate and the rules, hls.js's abandon rule
//     among them); a switch loads the new variant's playlist and goes on
//     at the next media sequence number;
//   - redirects are followed and URIs resolve against the final URL.
//
// Every request that reached the network (its request line and headers
// were written) is counted by kind; its status, body bytes, download time,
// timeouts, refused connections and bodies cut short are recorded as the
// ffmpeg engine records them, over HTTP/1.1 and HTTP/2 alike (an HTTP/2
// stream the origin reset is a cut, as a reset connection is); responses
// are counted by protocol ([Client.Responses]). The playback clock is
// reported as the viewer's out time (stats.Viewer.ObserveProgress), so
// speed, drift (the playback time a stall lost) and stalled viewers mean
// what they mean for ffmpeg; stall counts, stall time and time to first
// byte are in each viewer's [Report].
package player
