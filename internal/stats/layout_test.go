package stats

import (
	"testing"
	"unsafe"
)

// TestViewerLayout checks that what a snapshot reads of a typical viewer
// sits in the cache lines the layout comment promises.
func TestViewerLayout(t *testing.T) {
	var v Viewer
	line := func(p unsafe.Pointer) uintptr { return (uintptr(p) - uintptr(unsafe.Pointer(&v))) / 64 }
	checks := []struct {
		name string
		p    unsafe.Pointer
		want uintptr
	}{
		{"first hot counter", unsafe.Pointer(&v.hot[0]), 0},
		{"state", unsafe.Pointer(&v.state), 0},
		{"rare bitmap", unsafe.Pointer(&v.rare), 0},
		{"lastAdvance", unsafe.Pointer(&v.lastAdvance), 1},
		{"last inline status code", unsafe.Pointer(&v.status.entries[inlineCodes-1]), 1},
		{"status overflow", unsafe.Pointer(&v.status.more), 2},
		{"dropped stderr lines", unsafe.Pointer(&v.rc[cDroppedStderr-numHot]), 2},
	}
	for _, c := range checks {
		if got := line(c.p); got != c.want {
			t.Errorf("%s in line %d; want %d", c.name, got, c.want)
		}
	}
	if unsafe.Sizeof(v)%64 != 0 || unsafe.Sizeof(v)*viewerChunkSize <= 32<<10 {
		t.Errorf("Viewer is %d bytes; want a multiple of 64, and chunks over 32 KiB (page-aligned)", unsafe.Sizeof(v))
	}
	a := NewAggregator(Options{})
	for i := range 100 {
		if p := uintptr(unsafe.Pointer(a.AddViewer(i))); p%64 != 0 {
			t.Fatalf("viewer %d at %#x: not 64-byte aligned", i, p)
		}
	}
}
