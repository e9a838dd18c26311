// Package pump reads viewers' ffmpeg output (stderr and -progress) without
// ever blocking ffmpeg, splits it into lines and pumps each line into the
// parsers of package parse, counting every line read as parsed or dropped.
// It is the I/O half of reading a viewer; package parse is the other, and
// depends on nothing here.
//
// # Wiring a viewer
//
// Start ffmpeg with its log on stderr (-loglevel repeat+debug; the level
// flag is understood too, but costs a write a line) and
// -progress on an extra pipe (for example pipe:3), then:
//
//	p := pump.Start(stderr, progress, sink, pump.Options{})
//	// ... the process runs; p.Counts() gives live line counts ...
//	counts, err := p.Wait() // both pipes hit EOF and every line was parsed
//
// Each stream has a reader goroutine that drains its pipe in 64 KiB reads,
// splits lines on "\n", "\r\n" and a lone "\r" (ffmpeg's stats line ends in
// "\r"), and queues whole lines for one parser goroutine, which calls the
// [parse.Sink]. Because only that goroutine calls the sink, a per-viewer sink needs
// no locking. When the parser falls behind and a queue is full, whole lines
// are dropped and counted; the reader never waits, so ffmpeg never blocks on
// a full pipe because of us. Every line read is either parsed or counted as
// dropped ([Counts], [parse.Sink.Lines]). After EOF the queued tail is parsed before
// Wait returns. Do not call exec.Cmd.Wait before Pipeline.Wait returns: it
// closes the pipes and the tail would be lost.
//
// # Reading many viewers
//
// A [Pipeline] wakes two goroutines for every write ffmpeg makes, and
// ffmpeg writes each log line in up to three writes (context, level if
// asked for, message): a cost per write that grows with the fleet. A
// [Poller] (Linux) reads every viewer's streams from one goroutine instead:
//
//	poller, err := pump.NewPoller(pump.PollerOptions{})
//	r, err := poller.Add(stderrPipe, progressPipe, sink) // per viewer; see Pipe
//	counts, err := r.Wait()
//	poller.Close() // after every Reader ended
//
// It waits in epoll until some stream has data, reads every stream that
// has, parses each line at once into its viewer's sink, then pauses until
// PollerOptions.Interval has passed since the round began, so that a round
// collects many writes. A stream's end (its viewer exited) and
// [Poller.Sync] end a pause early: a caller about to read the sinks (a
// snapshot) calls Sync, and then Interval only bounds how stale the sinks
// get between snapshots (package loadtest Syncs once a second and sets 2 s).
// Waits park the goroutine in Go's network poller, not a thread in
// epoll_wait. It takes each descriptor out of Go's network
// poller ([Pipe.Detach]), which would otherwise wake a thread per write.
// Accounting is as with a Pipeline: every line read is parsed or counted
// as dropped (a round parses at most PollerOptions.LineBudget lines of a
// stream; the rest of what it read is dropped whole), lines are whole, and
// after end of file the tail is parsed before the Reader ends. ffmpeg
// blocks only if the poller does not read a stream for as long as the
// stream's buffer lasts (below).
//
// The streams are best SOCK_SEQPACKET Unix socket pairs rather than pipes
// (internal/ffmpeg makes them so on Linux): each write is one message, and
// the kernel stamps each message when it is written (SO_TIMESTAMPNS,
// turned on by the poller). A line is stamped with the time of the message
// that completed it, so its time does not depend on when a round read it,
// and rounds can be far apart (100 ms by default, 2 s in package
// loadtest, which Syncs every second) without moving a latency
// (TestRealFFmpegNoKeepAliveLatency holds a Poller's segment latencies to
// the origin's delay, as a Pipeline's). Most of a Poller's CPU is the
// kernel's, per message received, so what costs is the number of ffmpeg's
// writes, not of rounds. A socket's buffer holds a few hundred messages by
// default (net.core.wmem_default), more when internal/ffmpeg may raise it
// (net.core.wmem_max): seconds of a debug-level viewer's writes, which
// bounds how long a round may be late before ffmpeg blocks. A pipe carries
// no times: its lines are stamped when read, so while any stream is a pipe,
// rounds are at most PollerOptions.PipeInterval (2 ms) apart, and every
// stamp is up to that late.
//
// # Timestamps
//
// ffmpeg 5.1 has no datetime log flag. A line read from a socket stream of
// a Poller carries the kernel's time of the write that ended it
// (microseconds after ffmpeg's write). A line read from a pipe (Pipeline,
// or a Poller's pipe streams) is stamped when its read returns: lines
// arrive in separate writes as ffmpeg logs them, so the stamp trails the
// event by the pipe and scheduling delay (microseconds on an idle machine,
// milliseconds on a loaded one) plus, for a Poller, up to its
// PipeInterval; the lines of one read share its stamp. A line that starts
// with a datetime prefix is stamped by the parser with that time instead
// ([Options.Location] is its time zone).
package pump
