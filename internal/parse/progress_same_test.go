package parse

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

// refProgressParser is ProgressParser.Line as it was before the key
// dispatch matched "key=" prefixes: find the first '=', then compare the key.
// FuzzProgressSame checks the two agree on every input.
type refProgressParser struct {
	sink         Sink
	cur          Progress
	sawUs, sawMs bool
}

func (p *refProgressParser) Line(line []byte, at time.Time) {
	eq := bytes.IndexByte(line, '=')
	if eq <= 0 {
		if len(trimSpace(line)) != 0 {
			p.cur.Unknown++
		}
		return
	}
	key, val := line[:eq], line[eq+1:]
	if len(val) > 0 && (val[0] <= ' ' || val[len(val)-1] <= ' ') {
		val = trimSpaceSlow(val)
	}
	c := &p.cur
	c.Keys++
	switch refProgressKey(key) {
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
		if v, ok := parseInt(val); ok && !p.sawUs {
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

func refProgressKey(k []byte) progressKeyID {
	if len(k) < 3 {
		return keyUnknown
	}
	switch k[0] {
	case 'f':
		if string(k) == "frame" {
			return keyFrame
		}
		if string(k) == "fps" {
			return keyFPS
		}
	case 'b':
		if string(k) == "bitrate" {
			return keyBitrate
		}
	case 't':
		if string(k) == "total_size" {
			return keyTotalSize
		}
	case 'o':
		switch len(k) {
		case 11:
			if string(k) == "out_time_us" {
				return keyOutTimeUs
			}
			if string(k) == "out_time_ms" {
				return keyOutTimeMs
			}
		case 8:
			if string(k) == "out_time" {
				return keyOutTime
			}
		}
	case 'd':
		if string(k) == "dup_frames" {
			return keyDupFrames
		}
		if string(k) == "drop_frames" {
			return keyDropFrames
		}
	case 's':
		if string(k) == "speed" {
			return keySpeed
		}
		if len(k) > 9 && string(k[:7]) == "stream_" && k[len(k)-2] == '_' && k[len(k)-1] == 'q' {
			return keyStreamQ
		}
	case 'p':
		if string(k) == "progress" {
			return keyProgress
		}
	}
	return keyUnknown
}

// FuzzProgressSame checks that ProgressParser delivers the same blocks as
// the reference parser.
func FuzzProgressSame(f *testing.F) {
	f.Add([]byte("frame=718\nfps=35.76\nstream_0_0_q=-1.0\nbitrate=N/A\ntotal_size=N/A\nout_time_us=24000000\nout_time_ms=24000000\nout_time=00:00:24.000000\ndup_frames=0\ndrop_frames=0\nspeed= 1.2x\nprogress=continue\n"))
	f.Add([]byte("out_time_ms=5\nout_time_us=7\nout_time=00:00:01.5\nstream_=1\nstream_0_q=2\nstream_1_2_q=3\nstream_1_2_q\nfps\n=1\nfp=1\nframe\nprogress=end"))
	f.Add([]byte("out_time=00:00:09.0\nout_time_ms=1\nout_time_x=1\nout_time_u=2\nprogress =continue\n frame=3\nprogress=continue"))
	f.Fuzz(func(t *testing.T, data []byte) {
		var got, want []Progress
		p := NewProgressParser(&progressCollector{got: &got})
		r := &refProgressParser{sink: &progressCollector{got: &want}}
		r.cur.reset()
		for _, l := range strings.Split(string(data), "\n") {
			p.Line([]byte(l), t0)
			r.Line([]byte(l), t0)
		}
		p.Line([]byte("progress=end"), t0)
		r.Line([]byte("progress=end"), t0)
		if len(got) != len(want) {
			t.Fatalf("%d blocks, want %d", len(got), len(want))
		}
		for i := range got {
			g, w := got[i], want[i] // no field is NaN: parseFloat never returns it
			if g != w {
				t.Fatalf("block %d: got %+v, want %+v", i, g, w)
			}
		}
	})
}
