//go:build linux

package ffmpeg

import "syscall"

// sysProcAttr puts ffmpeg in its own process group and has the kernel
// SIGKILL it when the thread that started it exits (in practice: when the
// test binary dies, even by SIGKILL or a go test timeout).
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
}
