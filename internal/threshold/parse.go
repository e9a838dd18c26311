package threshold

import "strings"

// syntax is a parsed but not yet resolved threshold expression: names and
// values are raw text with their byte offsets, so that the resolver can point
// at them.
type syntax struct {
	expr string

	agg    string // "" (none), "p95", "p99.9", "min", "p" for p(N)
	aggPos int
	pct    string // the N of p(N)
	pctPos int

	metric      string
	metricPos   int
	labels      []labelSyntax
	selectorEnd int // byte offset just after the query (before "?" or the operator)

	optional bool

	op    string
	opPos int

	value    string
	valuePos int

	over, after       string // durations as written; "" when absent
	overPos, afterPos int
}

type labelSyntax struct {
	name, value       string
	namePos, valuePos int
}

// parser is a recursive-descent parser over scanner tokens with one token of
// look-ahead.
type parser struct {
	sc  scanner
	tok token
	err *Error
}

// parseSyntax parses expr following the grammar in the package doc.
func parseSyntax(expr string) (*syntax, error) {
	p := &parser{sc: scanner{src: expr}}
	p.advance()
	st := &syntax{expr: expr}
	p.selector(st)
	st.selectorEnd = p.tok.pos
	if p.err == nil && p.tok.kind == tokenOptional {
		st.optional = true
		p.advance()
	}
	if p.err == nil {
		p.comparison(st)
	}
	if p.err == nil {
		p.modifiers(st)
	}
	if p.err != nil {
		return nil, p.err
	}
	return st, nil
}

func (p *parser) advance() { p.tok = p.sc.next() }

func (p *parser) fail(t token, format string, args ...any) {
	if p.err == nil {
		p.err = errorAt(p.sc.src, t.pos, format, args...)
	}
}

// expect consumes a token of kind k or records an error that says what was
// expected instead of the current token.
func (p *parser) expect(k tokenKind, what string) token {
	t := p.tok
	if p.err != nil {
		return t
	}
	if t.kind != k {
		switch {
		case t.kind == tokenInvalid && strings.HasPrefix(t.text, `"`):
			p.fail(t, "unterminated string %s", t.text)
		case t.kind == tokenInvalid:
			p.fail(t, "unexpected %s, expected %s", t.describe(), what)
		default:
			p.fail(t, "expected %s, found %s", what, t.describe())
		}
		return t
	}
	p.advance()
	return t
}

// selector parses [agg "("] metric [labels] [")"].
func (p *parser) selector(st *syntax) {
	first := p.expect(tokenIdent, "a metric name or an aggregation such as p95(")
	if p.err != nil {
		return
	}
	if p.tok.kind != tokenLParen {
		st.metric, st.metricPos = first.text, first.pos
		p.labels(st)
		return
	}
	st.agg, st.aggPos = first.text, first.pos
	p.advance() // (
	if first.text == "p" {
		n := p.expect(tokenNumber, "a percentile such as 99.9 in p(99.9)")
		st.pct, st.pctPos = n.text, n.pos
		p.expect(tokenRParen, `")" after the percentile`)
		p.expect(tokenLParen, `"(" and a metric name after p(`+n.text+")")
	}
	m := p.expect(tokenIdent, "a metric name")
	st.metric, st.metricPos = m.text, m.pos
	p.labels(st)
	p.expect(tokenRParen, `")" after the metric`)
}

// labels parses an optional "{" name "=" value {"," name "=" value} [","] "}".
func (p *parser) labels(st *syntax) {
	if p.err != nil || p.tok.kind != tokenLBrace {
		return
	}
	p.advance()
	for p.err == nil && p.tok.kind != tokenRBrace {
		name := p.expect(tokenIdent, `a label name or "}"`)
		p.expect(tokenAssign, `"=" after the label name`)
		v := p.tok
		switch v.kind {
		case tokenIdent, tokenNumber, tokenString:
			p.advance()
		default:
			p.expect(tokenIdent, "a label value")
		}
		if p.err != nil {
			return
		}
		st.labels = append(st.labels, labelSyntax{name: name.text, value: strings.Trim(v.text, `"`),
			namePos: name.pos, valuePos: v.pos})
		if p.tok.kind != tokenComma {
			break
		}
		p.advance()
	}
	p.expect(tokenRBrace, `"," or "}" in the label set`)
}

// comparison parses op value.
func (p *parser) comparison(st *syntax) {
	op := p.expect(tokenOp, "a comparison operator (<, <=, >, >=, ==, !=)")
	st.op, st.opPos = op.text, op.pos
	v := p.expect(tokenNumber, "a value such as 250ms, 1% or 0")
	st.value, st.valuePos = v.text, v.pos
}

// modifiers parses ["over" duration] ["after" duration] in either order.
func (p *parser) modifiers(st *syntax) {
	for p.err == nil && p.tok.kind != tokenEOF {
		kw := p.tok
		if kw.kind != tokenIdent || (kw.text != "over" && kw.text != "after") {
			p.fail(kw, `expected "over <duration>", "after <duration>" or the end, found %s`, kw.describe())
			return
		}
		p.advance()
		d := p.expect(tokenNumber, "a duration such as 10s after "+kw.text)
		if p.err != nil {
			return
		}
		if kw.text == "over" {
			if st.over != "" {
				p.fail(kw, `"over" given twice`)
			}
			st.over, st.overPos = d.text, d.pos
		} else {
			if st.after != "" {
				p.fail(kw, `"after" given twice`)
			}
			st.after, st.afterPos = d.text, d.pos
		}
	}
}
