package parse

import "math"

// Number parsing for log and progress values, without allocating and
// without strconv's string conversion.

// trimSpace trims ASCII spaces and tabs on both ends.
func trimSpace(b []byte) []byte {
	if len(b) == 0 || (b[0] > ' ' && b[len(b)-1] > ' ') {
		return b
	}
	return trimSpaceSlow(b)
}

func trimSpaceSlow(b []byte) []byte {
	for len(b) > 0 && (b[0] == ' ' || b[0] == '\t') {
		b = b[1:]
	}
	for len(b) > 0 && (b[len(b)-1] == ' ' || b[len(b)-1] == '\t') {
		b = b[:len(b)-1]
	}
	return b
}

// parseInt parses an optionally signed decimal integer that fills all of b.
// It saturates instead of overflowing.
func parseInt(b []byte) (int64, bool) {
	neg := false
	if len(b) > 0 && (b[0] == '-' || b[0] == '+') {
		neg = b[0] == '-'
		b = b[1:]
	}
	if len(b) == 0 {
		return 0, false
	}
	var n int64
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		if n < (1<<62)/10 {
			n = n*10 + int64(c-'0')
		}
	}
	if neg {
		n = -n
	}
	return n, true
}

// leadingInt parses the decimal digits at the start of b and returns the value
// and the number of bytes used.
func leadingInt(b []byte) (int64, int) {
	var n int64
	i := 0
	for i < len(b) && b[i] >= '0' && b[i] <= '9' {
		if n < (1<<62)/10 {
			n = n*10 + int64(b[i]-'0')
		}
		i++
	}
	return n, i
}

var pow10 = [...]float64{1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12,
	1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22}

// parseFloat parses a decimal number like "-1.0", "35.76", "1.98e+03" or
// "inf" that fills all of b. Precision is that of the first 18 significant
// digits, plenty for ffmpeg's printed values.
func parseFloat(b []byte) (float64, bool) {
	// Fast path: [-]digits[.digits] with at most 15 digits is exact (the
	// mantissa fits a float64 and one division by a power of ten rounds
	// correctly).
	i, neg := 0, false
	if len(b) > 0 && b[0] == '-' {
		i, neg = 1, true
	}
	var mant uint64
	nd, dot := 0, -1
	for ; i < len(b); i++ {
		c := b[i]
		if c >= '0' && c <= '9' {
			mant = mant*10 + uint64(c-'0')
			nd++
			continue
		}
		if c == '.' && dot < 0 {
			dot = nd
			continue
		}
		break
	}
	if i == len(b) && nd > 0 && nd <= 15 {
		f := float64(mant)
		if dot >= 0 {
			f /= pow10[nd-dot]
		}
		if neg {
			f = -f
		}
		return f, true
	}
	return parseFloatSlow(b)
}

// parseFloatSlow handles signs, exponents, inf and long mantissas.
func parseFloatSlow(b []byte) (float64, bool) {
	if len(b) == 0 {
		return 0, false
	}
	neg := false
	if b[0] == '-' || b[0] == '+' {
		neg = b[0] == '-'
		b = b[1:]
	}
	if len(b) == 3 && (b[0]|0x20) == 'i' && (b[1]|0x20) == 'n' && (b[2]|0x20) == 'f' {
		f := math.Inf(1)
		if neg {
			f = -f
		}
		return f, true
	}
	var mant uint64
	digits, exp, i := 0, 0, 0
	sawDigit := false
	for ; i < len(b) && b[i] >= '0' && b[i] <= '9'; i++ {
		sawDigit = true
		if digits < 18 {
			mant = mant*10 + uint64(b[i]-'0')
			if mant != 0 {
				digits++
			}
		} else {
			exp++
		}
	}
	if i < len(b) && b[i] == '.' {
		i++
		for ; i < len(b) && b[i] >= '0' && b[i] <= '9'; i++ {
			sawDigit = true
			if digits < 18 {
				mant = mant*10 + uint64(b[i]-'0')
				if mant != 0 {
					digits++
				}
				exp--
			}
		}
	}
	if !sawDigit {
		return 0, false
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		i++
		eneg := false
		if i < len(b) && (b[i] == '-' || b[i] == '+') {
			eneg = b[i] == '-'
			i++
		}
		e, n := leadingInt(b[i:])
		if n == 0 {
			return 0, false
		}
		i += n
		if e > 1000 {
			e = 1000
		}
		if eneg {
			exp -= int(e)
		} else {
			exp += int(e)
		}
	}
	if i != len(b) {
		return 0, false
	}
	f := float64(mant)
	for exp > 0 {
		step := min(exp, 22)
		f *= pow10[step]
		exp -= step
	}
	for exp < 0 {
		step := min(-exp, 22)
		f /= pow10[step]
		exp += step
	}
	if neg {
		f = -f
	}
	return f, true
}

// parseHex parses "0x..." or plain hex digits into a uint64.
func parseHex(b []byte) (uint64, bool) {
	if len(b) >= 2 && b[0] == '0' && (b[1]|0x20) == 'x' {
		b = b[2:]
	}
	if len(b) == 0 || len(b) > 16 {
		return 0, false
	}
	var n uint64
	for _, c := range b {
		switch {
		case c >= '0' && c <= '9':
			n = n<<4 | uint64(c-'0')
		case c|0x20 >= 'a' && c|0x20 <= 'f':
			n = n<<4 | uint64(c|0x20-'a'+10)
		default:
			return 0, false
		}
	}
	return n, true
}
