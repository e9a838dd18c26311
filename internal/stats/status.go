package stats

import (
	"math/bits"
	"sync/atomic"
)

// HTTP errors by status code are stored by slot: slot 0 is "other" (code 0),
// code c in 100..599 is slot c-99.
const (
	minCode     = 100
	maxCode     = 599
	numStatus   = maxCode - minCode + 2
	statusWords = (numStatus + 63) / 64
)

func statusSlot(code int) int {
	if code < minCode || code > maxCode {
		return 0
	}
	return code - minCode + 1
}

func slotCode(slot int) int {
	if slot == 0 {
		return 0
	}
	return slot + minCode - 1
}

// inlineCodes is how many distinct status codes a viewer keeps inline,
// next to its counters; more go to an overflow table.
const inlineCodes = 4

// Inline entries pack a count and a slot: count<<entryShift | slot+1.
const (
	entryShift = 10
	entrySlot  = 1<<entryShift - 1
)

// statusTable counts one viewer's HTTP errors by status code without locks.
// A viewer sees few distinct codes, so the first inlineCodes of them live in
// the Viewer itself, one word each (count and code), in the cache line a
// snapshot reads anyway; a viewer that sees more gets a table of every
// slot, with a bitmap of the non-zero ones, on the first code that does not
// fit.
type statusTable struct {
	entries [inlineCodes]atomic.Uint64 // count<<entryShift | slot+1; 0 = free
	more    atomic.Pointer[statusOverflow]
}

type statusOverflow struct {
	nonZero [statusWords]atomic.Uint64
	counts  [numStatus]atomic.Uint64
}

// add counts one error in slot.
func (t *statusTable) add(slot int) {
	id := uint64(slot + 1)
	for i := range t.entries {
		e := t.entries[i].Load()
		if e == 0 {
			if t.entries[i].CompareAndSwap(0, 1<<entryShift|id) {
				return
			}
			e = t.entries[i].Load() // another writer took it
		}
		if e&entrySlot == id {
			t.entries[i].Add(1 << entryShift)
			return
		}
	}
	o := t.more.Load()
	if o == nil {
		o = new(statusOverflow)
		if !t.more.CompareAndSwap(nil, o) {
			o = t.more.Load()
		}
	}
	if o.counts[slot].Add(1) == 1 {
		o.nonZero[slot>>6].Or(1 << uint(slot&63))
	}
}

// addTo adds the table's counts to st, sorted by code, and returns it.
func (t *statusTable) addTo(st []StatusCount) []StatusCount {
	for i := range t.entries {
		e := t.entries[i].Load()
		if e == 0 {
			return st // entries fill in order: no overflow either
		}
		st = addStatus(st, slotCode(int(e&entrySlot)-1), e>>entryShift)
	}
	if o := t.more.Load(); o != nil {
		for w := range o.nonZero {
			for m := o.nonZero[w].Load(); m != 0; m &= m - 1 {
				j := w<<6 + bits.TrailingZeros64(m)
				st = addStatus(st, slotCode(j), o.counts[j].Load())
			}
		}
	}
	return st
}

// addStatus adds n errors with code to st, sorted by code. A fleet sees
// few distinct codes, so a scan beats a table of all 501.
func addStatus(st []StatusCount, code int, n uint64) []StatusCount {
	i := 0
	for i < len(st) && st[i].Code < code {
		i++
	}
	if i < len(st) && st[i].Code == code {
		st[i].Count += n
		return st
	}
	st = append(st, StatusCount{})
	copy(st[i+1:], st[i:])
	st[i] = StatusCount{Code: code, Count: n}
	return st
}

// appendTo appends the non-zero counts to dst, sorted by code.
func (t *statusTable) appendTo(dst []StatusCount) []StatusCount {
	start := len(dst)
	for i := range t.entries {
		e := t.entries[i].Load()
		if e == 0 {
			return dst // entries fill in order: no overflow either
		}
		sc := StatusCount{Code: slotCode(int(e&entrySlot) - 1), Count: e >> entryShift}
		dst = append(dst, sc)
		for j := len(dst) - 1; j > start && dst[j-1].Code > sc.Code; j-- {
			dst[j], dst[j-1] = dst[j-1], dst[j]
		}
	}
	o := t.more.Load()
	if o == nil {
		return dst
	}
	for w := range o.nonZero {
		for m := o.nonZero[w].Load(); m != 0; m &= m - 1 {
			j := w<<6 + bits.TrailingZeros64(m)
			dst = append(dst, StatusCount{Code: slotCode(j), Count: o.counts[j].Load()})
		}
	}
	// Insertion sort of the inline and overflow codes: few, and no allocation.
	for i := start + 1; i < len(dst); i++ {
		for j := i; j > start && dst[j].Code < dst[j-1].Code; j-- {
			dst[j], dst[j-1] = dst[j-1], dst[j]
		}
	}
	return dst
}
