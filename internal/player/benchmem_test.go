package player

import (
	"math"
	"runtime"
	"strings"
)

// originFrames are the functions whose presence in a stack makes an
// allocation or a goroutine the in-process origin's: net/http's server
// side (HTTP/1.1 and HTTP/2), accepting connections, and the fixtures.
var originFrames = []string{
	"net/http.(*conn).",
	"net/http.(*Server).",
	"net/http.(*http2serverConn).",
	"net/http.(*http2Server).",
	"net/http.(*http2responseWriter",
	"net/http.(*response).",
	"net/http.(*connReader).",
	"net/http.(*chunkWriter).",
	"net/http.newBufioReader",
	"net/http.newBufioWriterSize",
	"net/http/httptest.",
	"net.(*TCPListener).",
	"crypto/tls.(*Conn).serverHandshake",
	"github.com/hlsswarm/hlsswarm/fixtures.",
}

func originStack(pcs []uintptr) bool {
	frames := runtime.CallersFrames(pcs)
	for {
		f, more := frames.Next()
		for _, p := range originFrames {
			if strings.HasPrefix(f.Function, p) {
				return true
			}
		}
		if !more {
			return false
		}
	}
}

// memSplit is the memory in use split between the in-process origin and
// the rest (the viewers, their HTTP client and their stats): the heap by
// the allocating stack (runtime.MemProfile, scaled as pprof scales its
// samples: an estimate), the goroutine stacks in proportion to the
// goroutines of each side (goroutines' stacks differ in size: an
// estimate too).
type memSplit struct {
	originHeap, heap     float64
	originGoroutines, gs int
}

// splitMemory measures a memSplit now; call it after runtime.GC (twice:
// the profile is as of the last completed cycle but one).
func splitMemory() memSplit {
	var s memSplit
	n, _ := runtime.MemProfile(nil, false)
	recs := make([]runtime.MemProfileRecord, n+50)
	n, _ = runtime.MemProfile(recs, false)
	rate := float64(runtime.MemProfileRate)
	for _, r := range recs[:n] {
		bytes := float64(r.InUseBytes())
		if r.AllocObjects > 0 && rate > 1 {
			avg := float64(r.AllocBytes) / float64(r.AllocObjects)
			bytes /= 1 - math.Exp(-avg/rate)
		}
		s.heap += bytes
		if originStack(r.Stack()) {
			s.originHeap += bytes
		}
	}
	n, _ = runtime.GoroutineProfile(nil)
	grs := make([]runtime.StackRecord, n+100)
	n, _ = runtime.GoroutineProfile(grs)
	s.gs = n
	for _, g := range grs[:n] {
		if originStack(g.Stack()) {
			s.originGoroutines++
		}
	}
	return s
}

// origin returns the origin's estimated share of heap (in use, as
// profiled) and stacks (stackInuse bytes).
func (s memSplit) origin(stackInuse uint64) float64 {
	stacks := 0.0
	if s.gs > 0 {
		stacks = float64(stackInuse) * float64(s.originGoroutines) / float64(s.gs)
	}
	return s.originHeap + stacks
}
