package threshold

import (
	"errors"
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzParseThreshold checks that no input panics, that every error wraps
// ErrInvalidThreshold and points inside the expression, and that every
// accepted expression evaluates without panicking. Seeds are in
// testdata/fuzz/FuzzParseThreshold.
func FuzzParseThreshold(f *testing.F) {
	r := burstRun()
	src := r.source(5e9)
	empty := &fakeSource{}
	f.Fuzz(func(t *testing.T, expr string) {
		th, err := ParseThreshold(expr)
		if err != nil {
			var e *Error
			if !errors.As(err, &e) || !errors.Is(err, ErrInvalidThreshold) {
				t.Fatalf("ParseThreshold(%q) error %v is not an *Error wrapping ErrInvalidThreshold", expr, err)
			}
			if e.Column < 1 || e.Column > utf8.RuneCountInString(expr)+1 {
				t.Fatalf("ParseThreshold(%q) column %d outside the expression", expr, e.Column)
			}
			if !strings.HasSuffix(err.Error(), "^") {
				t.Fatalf("ParseThreshold(%q) error has no caret: %q", expr, err)
			}
			return
		}
		if _, err := ParseThreshold(th.String()); err != nil {
			t.Fatalf("ParseThreshold(%q) accepted, but its String %q fails: %v", expr, th.String(), err)
		}
		for _, s := range []Source{src, empty} {
			v := th.Evaluate(s)
			_ = v.String()
		}
	})
}
