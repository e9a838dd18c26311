// Package ffmpeg finds, probes and runs the real ffmpeg viewers of a
// hlsswarm fleet.
//
// # Use
//
// A fleet (package loadtest) uses it in four steps:
//
//  1. [Locate] the binary: Config.FFmpeg, then HLSSWARM_FFMPEG, then PATH.
//  2. [Prober.Probe] it (a Prober caches per binary path, size and mtime,
//     and concurrent probes share one run): the version (4.1 or newer,
//     else an error wrapping [ErrTooOld] that says what was found and how
//     to install or point at another ffmpeg) and which options and log
//     flags it accepts ([Features]). Each probe command runs in a process
//     group of its own, killed as a group at the timeout, and WaitDelay
//     bounds a pipe held open by a wrapper's child; EMFILE is reported as
//     such. Timeouts and EMFILE are not cached.
//  3. [SelectVariant] once per fleet (it reads the master playlist in Go),
//     then [Binary.Args] per viewer: arguments are built only from what the
//     probe found, and a binary without -rw_timeout or -protocol_whitelist
//     (or without -http_persistent when keep-alive is asked off) is refused
//     with what the probe found; [Binary.Notes] says what a viewer runs
//     without; [Binary.Unsupported] lists what was asked for but left out;
//     [Binary.CommandLine] prints the exact, shell-quoted command.
//  4. [Supervise] per viewer, in its own goroutine. Its OnStart hook gets
//     every new [Process] (run 0, then each restart) and must start reading
//     [Process.Stderr] and [Process.Progress] to end of file (the parsers);
//     its OnExit hook gets the [Exit] after both pipes were drained, so the
//     stderr tail in the exit message is complete. Cancel the context to
//     stop the viewer.
//
// # Arguments
//
//	-hide_banner -nostdin -nostats -loglevel repeat[+datetime]+debug
//	-progress pipe:3 [-stats_period 1]
//	-protocol_whitelist http,https,tcp,tls,crypto -rw_timeout 10000000
//	[-reconnect 1 -reconnect_on_network_error 1 -reconnect_delay_max 2]
//	[-live_start_index N] [-seg_max_retry N] [-http_persistent 0]
//	-user_agent "<UA> client-<n>" -headers "X-Hlsswarm-Client: <n>\r\n..."
//	[-re] -i URL -map 0|0:p:N -c copy -f null -
//
// Progress goes to file descriptor 3, so stdout and stderr never mix with
// it. The datetime log flag is not in 5.1; when the probe does not find it
// the parser has to time lines by their arrival. The reconnect options
// apply only to the -i URL in 5.1: the hls demuxer does not pass them on to
// its playlist and segment requests.
//
// # Keep-alive
//
// For http URLs a viewer runs with -http_persistent 0 by default (where the
// probe found the option): ffmpeg opens one connection per playlist, init
// and segment request and closes it when it has read the body to the end,
// logging "Statistics: N bytes read" at that moment. That line is the
// completion signal the parser needs for segment latency at a live edge,
// where nothing else in ffmpeg's log marks the end of a body. The price is
// one TCP connection per request, more connection churn than a real player
// makes; it costs no measurable ffmpeg CPU over http. Over https it would
// cost a TLS handshake per request: about 8 times the ffmpeg CPU for live
// TS (3 viewers, 30 s: 3.37 s against 0.42 s; fMP4, where ffmpeg 5.1 opens
// a new connection per segment anyway: 4.95 s against 2.07 s), and about
// 50 ms of connecting and handshake inside every latency on loopback. So
// https URLs keep ffmpeg's connection reuse unless Viewer.KeepAlive is
// KeepAliveOff; with reuse, segment latency is reported only where other
// lines prove a body's end (VOD and catching-up live), see internal/parse.
//
// # Security
//
// Only http and https URLs are accepted; the protocol whitelist keeps a
// hostile playlist from making a viewer read file:, data:, udp: and the
// like (tested: a file:// segment is refused); header names must be HTTP
// tokens and header values and the User-Agent must not hold CR, LF or NUL,
// so nothing can be injected through -headers; ffmpeg is executed directly,
// never through a shell. ffmpeg's environment loses http_proxy, HTTP_PROXY
// and FFREPORT (traffic goes only to the URL given, no report files) and
// gets AV_LOG_FORCE_NOCOLOR=1.
//
// # Processes
//
// Each ffmpeg runs in its own process group with stdin and stdout on
// /dev/null. On Linux it also gets Pdeathsig SIGKILL, so it dies with the
// test binary even when that is SIGKILLed or killed by go test -timeout
// (without it ffmpeg lives on, re-parented to PID 1). Pdeathsig fires when
// the OS thread that started the child exits, not the process: do not call
// [Start] (or [Supervise]) from a goroutine that called
// runtime.LockOSThread and may exit while locked, or the runtime will end
// that thread and its viewers with it. On other systems there is no
// Pdeathsig, and on non-Unix systems no process group.
//
// [Process.Stop] sends SIGTERM to the group, a second SIGTERM after 0.5 s
// and SIGKILL after 1 s (Options), and always reaps. ffmpeg ignores the
// first SIGTERM for I/O once transcoding has begun (its interrupt callback
// needs a second signal), so a viewer blocked in a stalled read, or waiting
// for a live playlist reload (most of a live viewer's time), exits only on
// the second one, or when its next packet arrives (up to a target
// duration later). After a second SIGTERM ffmpeg writes no final
// "progress=end" block: the progress pipe is interrupted too. Measured on
// ffmpeg 5.1 against a local live origin (1 s segments): idle live viewer
// 565-600 ms, usually two SIGTERM (382 ms once with one); viewer blocked on
// a segment that never answers 505-545 ms (two SIGTERM); 8 viewers stopped
// together in 583-605 ms; never SIGKILL. With Options.SecondTermAfter at
// 50 ms / 100 ms the idle stop took 63-92 ms / 170 ms. [Exit] classifies
// the end: clean (status 0), error (non-zero status, with the last stderr
// lines), stopped by us, signaled by someone else, start failed.
//
// The Process never reads its pipes unless Options.Discard is set: the
// caller's readers must drain them, or ffmpeg blocks on a full pipe. On
// Linux the two "pipes" are SOCK_SEQPACKET Unix socket pairs: each of
// ffmpeg's writes is one message that the kernel stamps with the time it
// was written (read by pump.Poller; a plain Read returns one message).
// ffmpeg's end asks for a 512 KiB send buffer (the kernel caps it at
// net.core.wmem_max): about 1300 writes, some 30 s of a debug-level live
// viewer's log (two writes a line), less where that cap is low. Elsewhere they are pipes (64 KiB, about
// a minute of debug log; less for unprivileged users over the
// pipe-user-pages-soft limit, see pipe(7)). What the caller reads from
// stderr also passes through an 8 KiB tail ring (a copy, no allocation)
// that feeds Exit.Tail. A reader that reads the descriptors itself takes
// them over with the readers' Detach method (Linux), passes what it reads
// to Observe and calls Drained at end of file (the methods of pump.Pipe).
//
// # Restarts
//
// [Supervise] restarts by [RestartPolicy]: never, on failure, or always
// (which loops a VOD), at most MaxRestarts times, waiting an exponential
// [Backoff] with seeded jitter (no global random state) that resets after a
// clean exit or a run that lasted Backoff.ResetAfter.
package ffmpeg
