//go:build !unix

package ffmpeg

import (
	"os"
	"syscall"
)

// sysProcAttr returns nil: no process groups here.
func sysProcAttr() *syscall.SysProcAttr { return nil }

// signalGroup kills the process: no process groups or SIGTERM here.
func signalGroup(p *os.Process, _ syscall.Signal) error { return p.Kill() }

// exitSignal returns 0: exit statuses only.
func exitSignal(*os.ProcessState) syscall.Signal { return 0 }
