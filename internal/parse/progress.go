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
	eq := bytes.IndexByte(line, '=')
	if eq <= 0 {
		if len(trimSpace(line)) != 0 {
			p.cur.Unknown++
		}
		return
	}
	key, val := line[:eq], trimSpace(line[eq+1:])
	c := &p.cur
	c.Keys++
	na := len(val) == 3 && val[0] == 'N' && val[1] == '/' && val[2] == 'A'
	switch string(key) {
	case "frame":
		c.Frame = intOr(val, -1)
	case "fps":
		c.FPS = floatOr(val, -1)
	case "bitrate":
		if na {
			c.BitrateKbps = -1
			break
		}
		c.BitrateKbps = floatOr(bytes.TrimSuffix(val, []byte("kbits/s")), -1)
	case "total_size":
		c.TotalSize = intOr(val, -1)
	case "out_time_us":
		if v, ok := parseInt(val); ok {
			c.OutTime, c.HasOutTime, p.sawUs = time.Duration(v)*time.Microsecond, true, true
		}
	case "out_time_ms":
		// ffmpeg prints microseconds under this key (a long-standing bug).
		if v, ok := parseInt(val); ok && !p.sawUs {
			c.OutTime, c.HasOutTime, p.sawMs = time.Duration(v)*time.Microsecond, true, true
		}
	case "out_time":
		if !p.sawUs && !p.sawMs {
			if d, ok := parseClock(val); ok {
				c.OutTime, c.HasOutTime = d, true
			}
		}
	case "dup_frames":
		c.DupFrames = intOr(val, -1)
	case "drop_frames":
		c.DropFrames = intOr(val, -1)
	case "speed":
		c.Speed = -1
		if len(val) > 1 && val[len(val)-1] == 'x' {
			c.Speed = floatOr(trimSpace(val[:len(val)-1]), -1)
		}
	case "progress":
		c.End = string(val) == "end"
		c.At = at
		p.sink.Progress(c)
		if c.End {
			p.sink.EndOfStream(EndProgress, at)
		}
		c.reset()
		p.sawUs, p.sawMs = false, false
	default:
		if len(key) > 7 && string(key[:7]) == "stream_" && key[len(key)-2] == '_' && key[len(key)-1] == 'q' {
			c.Q = floatOr(val, -1)
			break
		}
		c.Unknown++
	}
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
