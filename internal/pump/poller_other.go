//go:build !linux

package pump

import (
	"os"

	"github.com/hlsswarm/hlsswarm/internal/parse"
)

// Poller reads many viewers' pipes from one goroutine; it needs Linux
// (epoll). Elsewhere NewPoller fails with ErrPollerUnsupported and callers
// use [Start].
type Poller struct{}

// NewPoller fails on this system with ErrPollerUnsupported.
func NewPoller(PollerOptions) (*Poller, error) { return nil, ErrPollerUnsupported }

// Add fails with ErrPollerUnsupported.
func (*Poller) Add(_, _ Pipe, _ parse.Sink) (*Reader, error) { return nil, ErrPollerUnsupported }

// Close does nothing.
func (*Poller) Close() error { return nil }

// Sync does nothing: there is no poller here, and [Start]'s pipelines read
// as lines come.
func (*Poller) Sync() {}

// FilePipe adapts an *os.File to a [Pipe]; without epoll its Detach fails
// with ErrPollerUnsupported.
func FilePipe(f *os.File) Pipe { return unsupportedPipe{} }

type unsupportedPipe struct{}

func (unsupportedPipe) Detach() (int, error) { return -1, ErrPollerUnsupported }
func (unsupportedPipe) Observe([]byte)       {}
func (unsupportedPipe) Drained()             {}
