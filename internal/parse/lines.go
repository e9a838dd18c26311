package parse

import "bytes"

// Splitter finds lines in a byte stream, as the readers of ffmpeg's output split it before they hand
// lines to the parsers. A line ends at "\n", "\r\n" or a
// lone "\r" (ffmpeg ends its -stats line with "\r", and HTTP header dumps
// with "\r\n"); a "\r\n" split across two reads is one terminator.
type Splitter struct {
	skipLF bool // the previous chunk ended in '\r'
	// cr is the index of the next '\r' at or after the scan position in
	// the current chunk (len(chunk) for none, -1 for not searched yet), so a
	// chunk without '\r' is searched for it only once.
	cr int
}

// Reset starts a new chunk.
func (s *Splitter) Reset() { s.cr = -1 }

// EndMessage forgets a "\r" that ended the previous chunk: the chunk was a
// whole message (a socket's), so a "\n" that starts the next one is a line
// of its own, not the end of a "\r\n".
func (s *Splitter) EndMessage() { s.skipLF = false }

// Next finds the line that starts at off in chunk. It returns the line
// (without its terminator), the offset to continue from, and whether a
// complete line was found; if not, chunk[end:] is an unfinished line. Call
// Reset before the first Next of each chunk.
func (s *Splitter) Next(chunk []byte, off int) (line []byte, end int, ok bool) {
	if s.skipLF {
		if off >= len(chunk) {
			return nil, off, false
		}
		s.skipLF = false
		if chunk[off] == '\n' {
			off++
		}
	}
	if s.cr < off {
		s.cr = len(chunk)
		if i := bytes.IndexByte(chunk[off:], '\r'); i >= 0 {
			s.cr = off + i
		}
	}
	if off >= s.cr {
		if off >= len(chunk) {
			return nil, off, false
		}
	} else if i := bytes.IndexByte(chunk[off:s.cr], '\n'); i >= 0 {
		return chunk[off : off+i], off + i + 1, true
	}
	if cr := s.cr; cr < len(chunk) {
		switch {
		case cr+1 == len(chunk):
			s.skipLF = true
			return chunk[off:cr], cr + 1, true
		case chunk[cr+1] == '\n':
			return chunk[off:cr], cr + 2, true
		}
		return chunk[off:cr], cr + 1, true
	}
	return nil, off, false
}
