// Package parse turns a viewer's ffmpeg output into events: HTTP requests
// by kind, errors, reconnects, timeouts, failures, latencies, and -progress
// blocks. It reads nothing itself: package pump reads the output streams
// without ever blocking ffmpeg, splits them into lines ([Splitter]) and
// hands each line to a [StderrParser] or a [ProgressParser], which report
// to a [Sink]. A parser is called from one goroutine, so a per-viewer sink
// needs no locking; it allocates nothing per line.
//
//	sp := parse.NewStderrParser(sink, nil, rwTimeout)
//	pp := parse.NewProgressParser(sink)
//	sp.Line(line, at) // each stderr line, with the time it was written
//	pp.Line(line, at) // each -progress line
//	sp.Flush()        // after the last line
//
// # Timestamps
//
// A line's time is what its reader says (package pump: the kernel's time
// of the write for a socket stream, the time of the read for a pipe). A
// line that starts with a datetime prefix ("2024-01-02 15:04:05.123 ", or
// "15:04:05.123 " from the time flag; newer ffmpeg with -loglevel
// +datetime) is stamped with that time instead (millisecond resolution, in
// the parser's time zone).
//
// # What counts as a request
//
// Every HTTP request that reached the network is reported once by
// [Sink.Request]:
//
//   - At debug level (recommended) the line "[http @ 0x…] request: GET <path>
//     HTTP/1.1" counts. ffmpeg prints it once per request written, including
//     keep-alive retries, redirects and http-level reconnects. Its raw header
//     lines and the blank lines after it are part of that record, not
//     unknown lines. The "Opening '<url>' for reading" line before it gives
//     the absolute URL and is not counted again. An Opening with no request
//     line (refused or timed-out connect) is not a request.
//   - At info or verbose level (no request lines) each "Opening '<url>' for
//     reading" counts, unless a tcp "Connection to … failed" line follows it.
//     This misses the loads of the -i URL itself, which ffmpeg logs at debug
//     level only.
//   - A keep-alive request written to a connection the origin had already
//     closed gets EOF before any response, and ffmpeg silently repeats it on
//     a new connection (an "Opening" from the hls context for the same URL
//     with no error between). The dead attempt never reached the origin: it
//     is reported as [Sink.Reconnect] with [CauseDeadConnection], not as a
//     request.
//   - A keep-alive request whose write fails because the origin reset the
//     connection (in the middle of the previous body) is logged, then
//     "keepalive request failed for '<url>' with error: 'Broken pipe' …
//     retrying with new connection". It never reached the origin either:
//     a [Sink.Reconnect] with [CauseKeepaliveRetry], not a request. (A
//     "Connection reset by peer" there is a reset of the request itself:
//     the origin got it, and it counts.)
//
// On the shared ffmpeg 5.1 corpora (testdata/corpus) the debug-level counts
// equal the origin's own request log, per kind and per error status.
//
// # Kinds
//
//   - Init: a URL and byte offset the demuxer announced ("HLS request for url
//     '<url>', offset N", verbose) and that was followed by "Downloading an
//     initialization section"; such a URL and offset are remembered, so their
//     later requests (ffmpeg 5.1 re-fetches the init section after every live
//     reload) and their errors are init too. Before that line is seen, a
//     media file name containing "init" is taken as init; a request whose
//     kind is such a guess and that fails is init when the next line is
//     "Failed to open an initialization section" (its HTTP error is held
//     for that one line, keeping its time).
//   - Segment: any other announced URL and offset. A VOD packaged as one file
//     (EXT-X-BYTERANGE, EXT-X-MAP with BYTERANGE) asks for its init section
//     and its segments at one URL: the offset tells them apart, so only the
//     init section's range counts as init. A request the demuxer did not
//     announce (a redirect) takes its offset from its "Range: bytes=N-"
//     header (debug).
//   - Manifest: an unannounced URL ending in .m3u8 or .m3u, the -i URL (opened
//     by the "NULL" context), or an unannounced URL without an extension.
//   - Unknown: anything else (for example an AES key).
//
// At info level nothing is announced and kinds come from extensions: .m3u8,
// .m3u are manifests; .ts, .m4s, .mp4, .aac, .vtt and other media extensions
// are segments, or init when the name contains "init". Query strings and
// fragments are ignored; absolute URLs, paths and IPv6 hosts all work.
//
// # Errors and other events
//
//   - [Sink.HTTPError]: "HTTP error <code> <reason>" (one per error response).
//     Its kind is that of the request last written on the same http context
//     (debug), else of the request being followed. "Server returned …" texts
//     repeat an error already counted and are not counted again.
//   - [Sink.Reconnect]: "keepalive request failed for '<url>' … retrying"
//     (also "… when parsing playlist", which reopens too), the silent
//     dead-connection retry above, and "Will reconnect at …".
//   - [Sink.BodyCut]: "Stream ends prematurely at X, should be Y" (the origin
//     cut the body). With keep-alive, the next request written on that
//     connection finds it dead and is retried silently; that retry is part
//     of the cut and is not reported as a Reconnect too (one incident, one
//     event). A retry after a cut on another connection still is.
//   - [Sink.Timeout]: "Connection timed out" in a keep-alive warning, a tcp
//     connect error, a parse_playlist error or the input's error, once per
//     request. ffmpeg 5.1 prints no error text when a segment request on a
//     connection of its own (or the retry of a timed-out keep-alive request)
//     times out, and none when the origin resets the connection before the
//     response: both show only as "Failed to open segment" after a request
//     that got no status, and the debug log holds no other difference
//     (captured in testdata/faults). Only the time tells them apart: such
//     a failure counts as a timeout when it came at least the viewer's
//     rw_timeout (the rwTimeout of [NewStderrParser], less a tenth for
//     stamping error) after its request line; else it is a failed segment
//     only. Without an rwTimeout (0, unknown), none of them is a timeout.
//   - [Sink.ConnRefused]: "Connection to tcp://… failed: Connection refused"
//     (once per request; the input's summary line repeats it).
//   - [Sink.SegmentFailed]: "Failed to open segment N of playlist P".
//   - [Sink.PlaylistFailed]: "Failed to reload playlist N", "parse_playlist
//     error …".
//   - [Sink.ExpiredSkips]: "skipping N segments ahead, expired from playlists".
//   - [Sink.SequenceChange]: "Media sequence change (…)" (debug).
//   - [Sink.EndOfStream]: "No more output streams to write to" (finished),
//     "Exiting normally, received signal N" and "<url>: Immediate exit
//     requested" (signal), "<url>: <error>" without a context or any fatal
//     line (the input failed), and progress=end.
//   - [Sink.Unknown]: every other line (most debug output). Never fatal.
//
// # Latency
//
// [Sink.Latency] reports request start to response complete, only where the
// log proves when the response was complete; other requests get no latency
// rather than a wrong one. Start is the first line of the request: the
// demuxer's "HLS request for url" for segments and init sections, the
// "Opening" line for playlists; so it includes connecting (and, over https,
// the TLS handshake) and any keep-alive retry. Each bound carries the
// timestamp error above.
//
// Without keep-alive (ffmpeg -http_persistent 0, the hlsswarm default for
// http URLs; every request's header says "Connection: close") each request
// has a connection of its own, which ffmpeg closes when it has read the body
// to its end, and the close prints "[AVIOContext @ 0x…] Statistics: N bytes
// read, N seeks". That line ends the request it belongs to (over https each
// latency then includes connecting and a TLS handshake: about 50 ms on
// loopback with ffmpeg 5.1, against 0.6 ms on a reused connection):
//
//   - Playlist, init section, key: read whole and closed before the demuxer
//     does anything else, so the first Statistics line after the request
//     is its end. Exact up to stamping. (The -i URL, whose header says
//     "close" too, stays open until exit; its latency is measured as with
//     keep-alive.)
//   - Segment: each playlist closes its segments in the order it opened
//     them (the demuxer keeps at most two open: the one it reads and the
//     next), so a close is the oldest open segment of some playlist. With
//     one candidate playlist that is it. With several, the close waits for
//     the demuxer's next "HLS request for url …, playlist P", which it logs
//     in the same call in which it closed P's segment (maybe after a reload
//     of P's playlist, whose close is synchronous): the close was P's.
//     "No longer receiving playlist P" after a close says it was P's
//     (closed, not completed: no latency). Two closes in a row with several
//     candidates cannot be told apart: those playlists become unknown and
//     get no segment latency until each is known again (an announcement
//     right after its own playlist reload, or "No longer receiving"). Such
//     closes are counted as unattributed (none in steady play; the ten
//     ffmpeg 5.1 timed corpora in testdata have 0 to 10 each, at start-up
//     catch-up, at the end of a VOD and around https handshakes).
//   - A close measures when the demuxer read the body to its end, which is
//     network completion only if the demuxer was not busy elsewhere in
//     between: ffmpeg reads all renditions in one thread, and reads a
//     rendition's next packet only when it needs it, so a body that arrived
//     can sit unread while the demuxer waits for another request's response
//     or sleeps until another playlist's reload. So when the log pauses
//     (no line for more than 5 ms) while the demuxer is blocked on anything
//     but a segment request P, every other open segment request is marked
//     late and gets no latency. With one rendition (-map 0:p:N) nearly every
//     segment gets latency (19 of 25 in a 20 s live capture with a 150 ms
//     origin delay, all 151-155 ms; the others: the other rendition's two
//     probe requests, two late, two cut by the stop); with -map 0 and two
//     live renditions about one rendition's segments do (the one that
//     reloads first: 21 of 45), and none when every response is slow or
//     needs a TLS handshake, as each rendition then waits on the other.
//   - A segment opened before ffmpeg finished probing the input (before
//     its "Input #0, hls, from" line) gets none: probing reads the first
//     segments of every rendition as it needs them, so their closes can
//     come long after their bodies arrived.
//   - A body cut short (BodyCut) or a failed segment gets none; closes
//     after the output was closed ("Statistics: N bytes written") or after
//     an end-of-stream line are ffmpeg exiting and end nothing.
//
// With keep-alive (Viewer.KeepAlive in internal/ffmpeg) a connection
// carries many requests and its close says nothing about one of them; then:
//
//   - Init section: ffmpeg reads it whole and closes it before anything else,
//     so its end is the "Statistics: N bytes read" line of its connection (or
//     the next announcement). Exact up to stamping.
//   - Playlist: its end is the first line the playlist parser prints ("Skip
//     ('#EXT-…')" for tags ffmpeg ignores, or "Media sequence change"). That
//     line is printed after the first read of the body; it equals the
//     complete response when the playlist arrives in one read (a few KiB
//     sent at once, the usual case) and is early by the remaining transfer
//     time otherwise. A playlist whose body prints no such line gets none.
//   - Segment: ffmpeg (HTTP/1.1 origin, its defaults) keeps two segments of a
//     playlist open, the one it reads and the next, and at the end of the
//     current one it at once requests the one after the next. So a new
//     segment request for playlist P with two outstanding and no playlist
//     loaded in between marks the end of P's oldest segment. Any playlist
//     load in between may hide a sleep, so that evidence is discarded. This
//     measures when ffmpeg finished reading the body, which equals network
//     completion because -c copy -f null reads as fast as data arrives (not
//     with -re); with several renditions the demuxer reads them interleaved,
//     so a slow rendition delays the others' ends. In steady live play at
//     the edge (one new segment per reload) there is no such evidence and
//     segments get no latency; VOD and catching-up live get it for all but
//     the last two segments. A body cut short (BodyCut) or a failed segment
//     gets none. Against an HTTP/1.0 origin (no prefetch) this evidence
//     would be wrong; origins built with net/http speak HTTP/1.1.
//
// # Bytes
//
// A sink that also implements [ByteSink] gets the N of every "Statistics: N
// bytes read" line: the body bytes read over HTTP, per request without
// keep-alive, per connection with it. On the timed corpora the total equals
// the origin's bytes sent, except for bodies closed unread at exit or when
// a rendition is dropped.
//
// A stall in the middle of a body leaves no line at all in ffmpeg's log: the
// read either resumes or ends silently at -rw_timeout, and the segment is
// then cut short without a message (a later request on that connection may
// show "Connection timed out"). Such a segment's latency, when reported,
// includes the stall. Catch stalls with the origin's own request log and the
// QoE signals: out_time from -progress against wall time.
//
// # Progress
//
// [ProgressParser] reads every key ffmpeg 4.1 to 7.x writes (frame, fps,
// stream_<f>_<s>_q, bitrate, total_size, out_time_us, out_time_ms — which is
// in microseconds —, out_time, dup_frames, drop_frames, speed, progress) and
// delivers one [Progress] per block at its progress= line. N/A, empty and
// padded values, "0x" and "1.98e+03x" speeds are handled; unknown keys are
// counted, not fatal. Judge keep-up from the change of OutTime over wall
// time, not from Speed.
//
// The parsers use no regular expressions and do not allocate per line.
package parse
