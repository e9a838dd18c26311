// Package testkit holds the helpers that the tests of several hlsswarm
// packages share: a [Recorder] that stands in for a test whose failure is
// the expected outcome, the ffmpeg locator with its skip message
// ([FFmpeg]), the /proc scanner for the ffmpeg processes of one origin
// ([FFmpegPids], [Alive]) and a [WaitFor] over gotest.tools' poll.
//
// Only _test.go files import it, so nothing here reaches the binaries of
// hlsswarm's users. It imports no hlsswarm package, so that the tests of
// any of them (internal ones included) may use it.
package testkit
