package parse

import (
	"bytes"
	"time"
)

// logLine is one stderr line split into ffmpeg's prefix parts:
// [datetime] [<ctx> @ 0x<ptr>] [<level>] <msg>.
type logLine struct {
	ctx    []byte // "http", "hls", "tcp", "NULL", ...; nil without a context
	ptrHex []byte // the context's address, parsed on demand by ptr
	level  []byte // "debug", "info", ...; nil without the level flag
	msg    []byte
}

// splitPrefix splits a line that has no datetime prefix.
func splitPrefix(line []byte) logLine {
	var l logLine
	for len(line) > 0 && line[0] == '[' {
		end := bytes.IndexByte(line, ']')
		if end < 0 {
			break
		}
		inner := line[1:end]
		if at := bytes.IndexByte(inner, ' '); at >= 0 && at+3 <= len(inner) && inner[at+1] == '@' && inner[at+2] == ' ' && l.ctx == nil && l.level == nil {
			l.ctx = inner[:at]
			l.ptrHex = inner[at+3:]
		} else if l.level == nil && isLevel(inner) {
			l.level = inner
		} else {
			break
		}
		line = line[end+1:]
		if len(line) > 0 && line[0] == ' ' {
			line = line[1:]
		}
	}
	l.msg = line
	return l
}

// ptr returns the context's address, 0 when there is none.
func (l *logLine) ptr() uint64 {
	v, _ := parseHex(l.ptrHex)
	return v
}

// isLevel reports whether b is one of ffmpeg's level names.
func isLevel(b []byte) bool {
	if len(b) < 4 || len(b) > 7 {
		return false
	}
	switch b[0] {
	case 'd':
		return string(b) == "debug"
	case 'i':
		return string(b) == "info"
	case 'v':
		return string(b) == "verbose"
	case 'w':
		return string(b) == "warning"
	case 'e':
		return string(b) == "error"
	case 'f':
		return string(b) == "fatal"
	case 'p':
		return string(b) == "panic"
	case 't':
		return string(b) == "trace"
	case 'q':
		return string(b) == "quiet"
	}
	return false
}

// datetimePrefix parses the timestamp that newer ffmpeg prints first with the
// "datetime" ("2024-01-02 15:04:05.123 ") or "time" ("15:04:05.123 ") log
// flag. It returns the time (in loc, dated from ref for the time-only form)
// and the rest of the line. ok is false when the line has no such prefix.
func datetimePrefix(line []byte, ref time.Time, loc *time.Location) (t time.Time, rest []byte, ok bool) {
	if len(line) < 13 || line[0] < '0' || line[0] > '9' {
		return t, line, false
	}
	var y, mo, d int
	dated := false
	if len(line) >= 24 && line[4] == '-' && line[7] == '-' && line[10] == ' ' {
		var ok1, ok2, ok3 bool
		y, ok1 = digits(line[0:4])
		mo, ok2 = digits(line[5:7])
		d, ok3 = digits(line[8:10])
		if !ok1 || !ok2 || !ok3 {
			return t, line, false
		}
		dated = true
		line = line[11:]
	}
	if len(line) < 13 || line[2] != ':' || line[5] != ':' || line[8] != '.' || line[12] != ' ' {
		return t, line, false
	}
	h, ok1 := digits(line[0:2])
	mi, ok2 := digits(line[3:5])
	s, ok3 := digits(line[6:8])
	ms, ok4 := digits(line[9:12])
	if !ok1 || !ok2 || !ok3 || !ok4 {
		return t, line, false
	}
	if loc == nil {
		loc = time.Local
	}
	if !dated {
		r := ref.In(loc)
		y, mo, d = r.Year(), int(r.Month()), r.Day()
	}
	t = time.Date(y, time.Month(mo), d, h, mi, s, ms*int(time.Millisecond), loc)
	if !dated {
		// The time-only form near midnight belongs to the closer day.
		if diff := t.Sub(ref); diff > 12*time.Hour {
			t = t.AddDate(0, 0, -1)
		} else if diff < -12*time.Hour {
			t = t.AddDate(0, 0, 1)
		}
	}
	return t, line[13:], true
}

func digits(b []byte) (int, bool) {
	n := 0
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, true
}
