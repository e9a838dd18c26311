package parse

import (
	"bytes"
	"time"
)

// Progress is one block of ffmpeg's -progress output (ffmpeg 4.1 to 7.x),
// completed by its progress= line. Fields whose value was missing or N/A are
// -1 (Has* says whether out_time was known).
type Progress struct {
	// At is when the block's progress= line was read.
	At time.Time
	// Frame is frame= (frames written so far).
	Frame int64
	// FPS is fps=.
	FPS float64
	// Q is the last stream_<file>_<stream>_q= value (one per video stream).
	Q float64
	// BitrateKbps is bitrate= in kbit/s, -1 for N/A.
	BitrateKbps float64
	// TotalSize is total_size= in bytes, -1 for N/A (always N/A with -f null).
	TotalSize int64
	// OutTime is the output time: out_time_us=, else out_time_ms= (which
	// ffmpeg prints in microseconds too), else out_time=.
	OutTime time.Duration
	// HasOutTime is false when ffmpeg printed N/A (no timestamp yet).
	HasOutTime bool
	// DupFrames is dup_frames=.
	DupFrames int64
	// DropFrames is drop_frames=.
	DropFrames int64
	// Speed is speed= as a factor (1.2x is 1.2), -1 for N/A or an empty
	// value. Judge keep-up from OutTime over At, not from Speed: ffmpeg
	// averages Speed since its start.
	Speed float64
	// End is true for the last block (progress=end).
	End bool
	// Keys counts the key=value lines in this block, Unknown those with a key
	// this parser does not know (kept for forward compatibility).
	Keys, Unknown int
}

func (p *Progress) reset() {
	*p = Progress{FPS: -1, Q: -1, BitrateKbps: -1, TotalSize: -1, Speed: -1, Frame: -1, DupFrames: -1, DropFrames: -1}
}

// ProgressParser turns -progress lines into [Progress] blocks. Its zero value
// is not ready: use [NewProgressParser]. It is not safe for concurrent use.
type ProgressParser struct {
	sink Sink
	cur  Progress
	// sawUs and sawMs record which out_time forms this block had, so the
	// most precise one wins whatever the key order.
	sawUs, sawMs bool
}

// NewProgressParser returns a parser that delivers blocks to sink.
func NewProgressParser(sink Sink) *ProgressParser {
	p := &ProgressParser{sink: sink}
	p.cur.reset()
	return p
}

// Line parses one line (without its line terminator) read at time at.
// A progress= line delivers the block to the sink (and EndOfStream for
// progress=end); malformed lines are counted in the block's Unknown.
func (p *ProgressParser) Line(line []byte, at time.Time) {
	id, eq := progressKey(line)
	if eq <= 0 {
		if len(trimSpace(line)) != 0 {
			p.cur.Unknown++
		}
		return
	}
	val := line[eq+1:]
	if len(val) > 0 && (val[0] <= ' ' || val[len(val)-1] <= ' ') {
		val = trimSpaceSlow(val)
	}
	c := &p.cur
	c.Keys++
	switch id {
	case keyFrame:
		c.Frame = intOr(val, -1)
	case keyFPS:
		c.FPS = floatOr(val, -1)
	case keyBitrate:
		if n := len(val) - len("kbits/s"); n > 0 && string(val[n:]) == "kbits/s" {
			val = val[:n]
		}
		c.BitrateKbps = floatOr(val, -1) // N/A: -1
	case keyTotalSize:
		c.TotalSize = intOr(val, -1)
	case keyOutTimeUs:
		if v, ok := parseInt(val); ok {
			c.OutTime, c.HasOutTime, p.sawUs = time.Duration(v)*time.Microsecond, true, true
		}
	case keyOutTimeMs:
		// ffmpeg prints microseconds under this key (a long-standing bug).
		// out_time_us, when the block had it, wins: no need to parse.
		if p.sawUs {
			break
		}
		if v, ok := parseInt(val); ok {
			c.OutTime, c.HasOutTime, p.sawMs = time.Duration(v)*time.Microsecond, true, true
		}
	case keyOutTime:
		if !p.sawUs && !p.sawMs {
			if d, ok := parseClock(val); ok {
				c.OutTime, c.HasOutTime = d, true
			}
		}
	case keyDupFrames:
		c.DupFrames = intOr(val, -1)
	case keyDropFrames:
		c.DropFrames = intOr(val, -1)
	case keySpeed:
		c.Speed = -1
		if len(val) > 1 && val[len(val)-1] == 'x' {
			c.Speed = floatOr(trimSpace(val[:len(val)-1]), -1)
		}
	case keyProgress:
		c.End = len(val) == 3 && string(val) == "end"
		c.At = at
		p.sink.Progress(c)
		if c.End {
			p.sink.EndOfStream(EndProgress, at)
		}
		c.reset()
		p.sawUs, p.sawMs = false, false
	case keyStreamQ:
		c.Q = floatOr(val, -1)
	default:
		c.Unknown++
	}
}

type progressKeyID uint8

const (
	keyUnknown progressKeyID = iota
	keyFrame
	keyFPS
	keyBitrate
	keyTotalSize
	keyOutTimeUs
	keyOutTimeMs
	keyOutTime
	keyDupFrames
	keyDropFrames
	keySpeed
	keyProgress
	keyStreamQ
)

// progressKey identifies the key of a key=value line and returns the index
// of its first '=' (-1 for none). A known key is matched with its '=' as a
// prefix of the line, which is the same as finding the first '=' and
// comparing the key before it, without a separate scan for '='.
func progressKey(line []byte) (progressKeyID, int) {
	if len(line) >= 4 {
		switch line[0] {
		case 'f':
			if len(line) >= 6 && string(line[:6]) == "frame=" {
				return keyFrame, 5
			}
			if string(line[:4]) == "fps=" {
				return keyFPS, 3
			}
		case 'b':
			if len(line) >= 8 && string(line[:8]) == "bitrate=" {
				return keyBitrate, 7
			}
		case 't':
			if len(line) >= 11 && string(line[:11]) == "total_size=" {
				return keyTotalSize, 10
			}
		case 'o':
			if len(line) >= 9 && string(line[:8]) == "out_time" {
				switch line[8] {
				case '=':
					return keyOutTime, 8
				case '_':
					if len(line) >= 12 && line[9] == 'u' && line[10] == 's' && line[11] == '=' {
						return keyOutTimeUs, 11
					}
					if len(line) >= 12 && line[9] == 'm' && line[10] == 's' && line[11] == '=' {
						return keyOutTimeMs, 11
					}
				}
			}
		case 'd':
			if len(line) >= 11 && string(line[:11]) == "dup_frames=" {
				return keyDupFrames, 10
			}
			if len(line) >= 12 && string(line[:12]) == "drop_frames=" {
				return keyDropFrames, 11
			}
		case 's':
			if len(line) >= 6 && string(line[:6]) == "speed=" {
				return keySpeed, 5
			}
			if len(line) > 10 && string(line[:7]) == "stream_" {
				// stream_<file>_<stream>_q: the key is short, so look for
				// its '=' byte by byte.
				for i := 7; i < len(line); i++ {
					if line[i] == '=' {
						if i > 9 && line[i-2] == '_' && line[i-1] == 'q' {
							return keyStreamQ, i
						}
						return keyUnknown, i
					}
				}
				return keyUnknown, -1
			}
		case 'p':
			if len(line) >= 9 && string(line[:9]) == "progress=" {
				return keyProgress, 8
			}
		}
	}
	return keyUnknown, bytes.IndexByte(line, '=')
}

func intOr(b []byte, def int64) int64 {
	if v, ok := parseInt(b); ok {
		return v
	}
	return def
}

func floatOr(b []byte, def float64) float64 {
	if v, ok := parseFloat(b); ok {
		return v
	}
	return def
}

// parseClock parses [-]HH:MM:SS.ffffff (hours may have more digits).
func parseClock(b []byte) (time.Duration, bool) {
	neg := false
	if len(b) > 0 && b[0] == '-' {
		neg, b = true, b[1:]
	}
	h, n := leadingInt(b)
	if n == 0 || n >= len(b) || b[n] != ':' {
		return 0, false
	}
	b = b[n+1:]
	m, n := leadingInt(b)
	if n != 2 || len(b) < 3 || b[2] != ':' {
		return 0, false
	}
	b = b[3:]
	s, n := leadingInt(b)
	if n != 2 {
		return 0, false
	}
	b = b[2:]
	var frac time.Duration
	if len(b) > 0 {
		if b[0] != '.' {
			return 0, false
		}
		b = b[1:]
		scale := time.Second
		for _, c := range b {
			if c < '0' || c > '9' {
				return 0, false
			}
			scale /= 10
			frac += time.Duration(c-'0') * scale
		}
	}
	if h > int64(time.Duration(1<<62)/time.Hour) {
		return 0, false
	}
	d := time.Duration(h)*time.Hour + time.Duration(m)*time.Minute + time.Duration(s)*time.Second + frac
	if neg {
		d = -d
	}
	return d, true
}
