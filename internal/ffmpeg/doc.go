// Package ffmpeg finds, probes and runs the real ffmpeg viewers of a
// hlsswarm fleet.
//
// A fleet uses it in three steps:
//
//  1. [Locate] the binary (Config.FFmpeg, then HLSSWARM_FFMPEG, then PATH)
//     and [Prober.Probe] it once: version (4.1 or newer) and which options
//     and log flags it accepts.
//  2. [Binary.Args] builds each viewer's command line from what the probe
//     found, never from a version guess.
//  3. [Supervise] runs one viewer: [Start] each process in its own process
//     group, hand its stderr and progress pipes to the caller's parsers,
//     restart it by policy with backoff, and stop it without leaving a
//     process behind.
package ffmpeg
