package threshold

import (
	"strings"
	"unicode/utf8"
)

// tokenKind is the kind of a lexical token of a threshold expression.
type tokenKind uint8

const (
	tokenEOF      tokenKind = iota
	tokenIdent              // metric, aggregation, label name, keyword: [A-Za-z_][A-Za-z0-9_]*, p99.9
	tokenNumber             // a value with its unit: 250ms 1.5s 1% 0.01 99.9 5xx 10MB
	tokenString             // a double-quoted label value
	tokenLParen             // (
	tokenRParen             // )
	tokenLBrace             // {
	tokenRBrace             // }
	tokenComma              // ,
	tokenAssign             // =
	tokenOptional           // ?
	tokenOp                 // < <= > >= == !=
	tokenInvalid            // anything else
)

// token is one lexical token; pos is its byte offset in the expression.
type token struct {
	kind tokenKind
	text string
	pos  int
}

// describe names a token for error messages.
func (t token) describe() string {
	switch t.kind {
	case tokenEOF:
		return "end of expression"
	case tokenString:
		return t.text
	}
	return `"` + t.text + `"`
}

// scanner splits an expression into tokens; it never fails, unknown runes
// become tokenInvalid and the parser reports them.
type scanner struct {
	src string
	off int
}

func isLetter(c byte) bool { return c == '_' || ('a' <= c && c <= 'z') || ('A' <= c && c <= 'Z') }
func isDigit(c byte) bool  { return '0' <= c && c <= '9' }

// isValueByte reports whether c may continue a number token (digits, a
// decimal point, unit letters, %, and the first byte of µ).
func isValueByte(c byte) bool {
	return isDigit(c) || isLetter(c) || c == '.' || c == '%' || c >= utf8.RuneSelf
}

func (s *scanner) next() token {
	for s.off < len(s.src) && (s.src[s.off] == ' ' || s.src[s.off] == '\t') {
		s.off++
	}
	start := s.off
	if s.off >= len(s.src) {
		return token{kind: tokenEOF, pos: start}
	}
	c := s.src[s.off]
	switch {
	case isLetter(c):
		for s.off < len(s.src) && (isLetter(s.src[s.off]) || isDigit(s.src[s.off])) {
			s.off++
		}
		// p99.9: a percentile shorthand keeps its fraction in the identifier.
		if text := s.src[start:s.off]; len(text) > 1 && text[0] == 'p' && isAllDigits(text[1:]) &&
			s.off+1 < len(s.src) && s.src[s.off] == '.' && isDigit(s.src[s.off+1]) {
			s.off++
			for s.off < len(s.src) && isDigit(s.src[s.off]) {
				s.off++
			}
		}
		return token{kind: tokenIdent, text: s.src[start:s.off], pos: start}
	case isDigit(c) || c == '.':
		for s.off < len(s.src) && isValueByte(s.src[s.off]) {
			s.off++
		}
		return token{kind: tokenNumber, text: s.src[start:s.off], pos: start}
	case c == '"':
		s.off++
		for s.off < len(s.src) && s.src[s.off] != '"' {
			s.off++
		}
		if s.off >= len(s.src) {
			return token{kind: tokenInvalid, text: s.src[start:], pos: start}
		}
		s.off++
		return token{kind: tokenString, text: s.src[start:s.off], pos: start}
	case c == '<' || c == '>' || c == '!' || c == '=':
		s.off++
		if s.off < len(s.src) && s.src[s.off] == '=' {
			s.off++
			return token{kind: tokenOp, text: s.src[start:s.off], pos: start}
		}
		switch c {
		case '=':
			return token{kind: tokenAssign, text: "=", pos: start}
		case '!':
			return token{kind: tokenInvalid, text: "!", pos: start}
		}
		return token{kind: tokenOp, text: s.src[start:s.off], pos: start}
	}
	s.off++
	if k := punctuation(c); k != tokenInvalid {
		return token{kind: k, text: s.src[start:s.off], pos: start}
	}
	// Keep a whole multi-byte rune in the token so that messages quote it intact.
	if c >= utf8.RuneSelf {
		_, size := utf8.DecodeRuneInString(s.src[start:])
		s.off = start + size
	}
	return token{kind: tokenInvalid, text: s.src[start:s.off], pos: start}
}

func isAllDigits(s string) bool {
	return s != "" && strings.Trim(s, "0123456789") == ""
}

// punctuation returns the kind of a one-byte punctuation token.
func punctuation(c byte) tokenKind {
	switch c {
	case '(':
		return tokenLParen
	case ')':
		return tokenRParen
	case '{':
		return tokenLBrace
	case '}':
		return tokenRBrace
	case ',':
		return tokenComma
	case '?':
		return tokenOptional
	}
	return tokenInvalid
}
