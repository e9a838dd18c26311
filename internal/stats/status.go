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
const inlineCodes = 6

// statusTable counts one viewer's HTTP errors by status code without locks.
// A viewer sees few distinct codes, so the first inlineCodes of them live in
// the Viewer itself (one cache line, read in order by snapshots); a
// viewer that sees more gets a table of every slot, with a bitmap of the
// non-zero ones, on the first code that does not fit.
type statusTable struct {
	slots  [inlineCodes]atomic.Uint32 // slot+1 of the code counted in counts[i]; 0 = free
	counts [inlineCodes]atomic.Uint64
	more   atomic.Pointer[statusOverflow]
}

type statusOverflow struct {
	nonZero [statusWords]atomic.Uint64
	counts  [numStatus]atomic.Uint64
}

// add counts one error in slot.
func (t *statusTable) add(slot int) {
	want := uint32(slot + 1)
	for i := range t.slots {
		s := t.slots[i].Load()
		if s == 0 && t.slots[i].CompareAndSwap(0, want) {
			s = want
		} else if s == 0 {
			s = t.slots[i].Load() // another writer took it
		}
		if s == want {
			t.counts[i].Add(1)
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

// accumulate adds the table's counts to acc and marks the non-zero slots in
// mask.
func (t *statusTable) accumulate(acc *[numStatus]uint64, mask *[statusWords]uint64) {
	for i := range t.slots {
		s := int(t.slots[i].Load())
		if s == 0 {
			break
		}
		if n := t.counts[i].Load(); n != 0 {
			acc[s-1] += n
			mask[(s-1)>>6] |= 1 << uint((s-1)&63)
		}
	}
	if o := t.more.Load(); o != nil {
		for w := range o.nonZero {
			m := o.nonZero[w].Load()
			mask[w] |= m
			for ; m != 0; m &= m - 1 {
				j := w<<6 + bits.TrailingZeros64(m)
				acc[j] += o.counts[j].Load()
			}
		}
	}
}

// appendTo appends the non-zero counts to dst, sorted by code.
func (t *statusTable) appendTo(dst []StatusCount) []StatusCount {
	var buf [inlineCodes]StatusCount
	n := 0
	for i := range t.slots {
		s := int(t.slots[i].Load())
		if s == 0 {
			break
		}
		c := t.counts[i].Load()
		if c == 0 {
			continue
		}
		sc := StatusCount{Code: slotCode(s - 1), Count: c}
		j := n
		for ; j > 0 && buf[j-1].Code > sc.Code; j-- {
			buf[j] = buf[j-1]
		}
		buf[j] = sc
		n++
	}
	dst = append(dst, buf[:n]...)
	o := t.more.Load()
	if o == nil {
		return dst
	}
	start := len(dst) - n
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
