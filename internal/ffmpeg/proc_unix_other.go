//go:build unix && !linux

package ffmpeg

import "syscall"

// sysProcAttr puts ffmpeg in its own process group. Without Pdeathsig
// (Linux only), ffmpeg outlives a test binary that is killed.
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true}
}
