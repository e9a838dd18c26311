package ffmpeg

import (
	"bytes"
	"sync"
)

// tailBytes is how much of the end of stderr a Process keeps for messages.
const tailBytes = 8 << 10

// tailRing keeps the last tailBytes bytes written to it. Writes copy at most
// tailBytes bytes and never allocate.
type tailRing struct {
	mu      sync.Mutex
	buf     [tailBytes]byte
	pos     int // next write position
	wrapped bool
}

func (t *tailRing) Write(p []byte) {
	t.mu.Lock()
	t.write(p)
	t.mu.Unlock()
}

// WriteAll writes each of ps in order, taking the lock once; of what does
// not fit it copies only the end.
func (t *tailRing) WriteAll(ps [][]byte) {
	total := 0
	for _, p := range ps {
		total += len(p)
	}
	t.mu.Lock()
	for _, p := range ps {
		if skip := total - len(t.buf); skip > 0 { // bytes overwritten later anyway
			cut := min(skip, len(p))
			total -= cut
			p = p[cut:]
		}
		total -= len(p)
		t.write(p)
	}
	t.mu.Unlock()
}

// write is Write with t.mu held.
func (t *tailRing) write(p []byte) {
	if len(p) >= len(t.buf) {
		copy(t.buf[:], p[len(p)-len(t.buf):])
		t.pos, t.wrapped = 0, true
		return
	}
	n := copy(t.buf[t.pos:], p)
	if n < len(p) {
		copy(t.buf[:], p[n:])
		t.wrapped = true
	}
	t.pos = (t.pos + len(p)) % len(t.buf)
	if t.pos == 0 && len(p) > 0 {
		t.wrapped = true
	}
}

// lines returns up to n last non-empty lines (split on \n and \r). When the
// ring has wrapped, the first, partial line is dropped.
func (t *tailRing) lines(n int) []string {
	t.mu.Lock()
	var data []byte
	if t.wrapped {
		data = append(append(data, t.buf[t.pos:]...), t.buf[:t.pos]...)
		if i := bytes.IndexAny(data, "\r\n"); i >= 0 {
			data = data[i+1:]
		} else {
			data = nil
		}
	} else {
		data = append(data, t.buf[:t.pos]...)
	}
	t.mu.Unlock()
	var out []string
	for len(data) > 0 && len(out) < n {
		data = bytes.TrimRight(data, "\r\n")
		i := bytes.LastIndexAny(data, "\r\n")
		line := data[i+1:]
		if len(bytes.TrimSpace(line)) > 0 {
			out = append(out, string(line))
		}
		if i < 0 {
			break
		}
		data = data[:i]
	}
	for i, j := 0, len(out)-1; i < j; i, j = i+1, j-1 {
		out[i], out[j] = out[j], out[i]
	}
	return out
}
