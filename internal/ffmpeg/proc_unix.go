//go:build unix

package ffmpeg

import (
	"os"
	"syscall"
)

// signalGroup signals the process group led by p.
func signalGroup(p *os.Process, sig syscall.Signal) error {
	return syscall.Kill(-p.Pid, sig)
}

// exitSignal returns the signal that ended the process, or 0.
func exitSignal(st *os.ProcessState) syscall.Signal {
	if ws, ok := st.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		return ws.Signal()
	}
	return 0
}
