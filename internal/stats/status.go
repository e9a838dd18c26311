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

// statusSums sums HTTP errors by slot over viewers, for a snapshot.
type statusSums struct {
	counts [numStatus]uint64
	seen   [statusWords]uint64 // bit i: counts[i] was added to
}

func (a *statusSums) add(slot int, n uint64) {
	a.counts[slot] += n
	a.seen[slot>>6] |= 1 << uint(slot&63)
}

// appendTo appends the sums to dst, sorted by code (slot order).
func (a *statusSums) appendTo(dst []StatusCount) []StatusCount {
	for w, m := range a.seen {
		for ; m != 0; m &= m - 1 {
			j := w<<6 + bits.TrailingZeros64(m)
			dst = append(dst, StatusCount{Code: slotCode(j), Count: a.counts[j]})
		}
	}
	return dst
}

// sumInto adds the table's counts to a.
func (t *statusTable) sumInto(a *statusSums) {
	for i := range t.entries {
		e := t.entries[i].Load()
		if e == 0 {
			return // entries fill in order: no overflow either
		}
		a.add(int(e&entrySlot)-1, e>>entryShift)
	}
	if o := t.more.Load(); o != nil {
		for w := range o.nonZero {
			for m := o.nonZero[w].Load(); m != 0; m &= m - 1 {
				j := w<<6 + bits.TrailingZeros64(m)
				a.add(j, o.counts[j].Load())
			}
		}
	}
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
