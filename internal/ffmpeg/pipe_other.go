//go:build !linux

package ffmpeg

import "os"

// outputPair returns the read end (ours) and the write end (ffmpeg's) of
// a pipe for one of ffmpeg's outputs.
func outputPair() (r, w *os.File, err error) { return os.Pipe() }
