package threshold

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// Error is an invalid threshold expression. It points at the column (1-based,
// in runes) where the problem starts and prints the expression with a caret
// under that column.
type Error struct {
	Expr   string // the expression as written
	Column int    // 1-based rune column of the offending token
	Msg    string // what is wrong and which values are accepted
}

// Error formats the error on three lines: the message, the expression and a
// caret under the offending column.
func (e *Error) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s at column %d: %s\n\t%s\n\t%s^", ErrInvalidThreshold, e.Column, e.Msg,
		e.Expr, strings.Repeat(" ", max(e.Column-1, 0)))
	return b.String()
}

// Unwrap returns [ErrInvalidThreshold].
func (e *Error) Unwrap() error { return ErrInvalidThreshold }

// errorAt builds an *Error for the byte offset off in expr.
func errorAt(expr string, off int, format string, args ...any) *Error {
	off = min(max(off, 0), len(expr))
	return &Error{Expr: expr, Column: utf8.RuneCountInString(expr[:off]) + 1, Msg: fmt.Sprintf(format, args...)}
}

// suggest returns ` (did you mean "x"?)` when one of valid is close to got.
func suggest(got string, valid []string) string {
	best, bestDist := "", 3
	if len(got) <= 3 {
		bestDist = 2
	}
	for _, v := range valid {
		if d := editDistance(got, v); d < bestDist {
			best, bestDist = v, d
		}
	}
	if best == "" {
		return ""
	}
	return fmt.Sprintf(" (did you mean %q?)", best)
}

// editDistance is the Levenshtein distance of a and b in bytes; the inputs
// are short names, so the quadratic cost does not matter.
func editDistance(a, b string) int {
	if len(a) > 64 || len(b) > 64 {
		return 64
	}
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
