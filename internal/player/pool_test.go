package player

import "testing"

// TestPoolBounds: the shared pool holds at most Viewers × Renditions
// connections per host (none without Renditions), through buffers
// smaller than net/http's 4 KB.
func TestPoolBounds(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		viewers, renditions, want int
	}{{3, 1, 3}, {3, 2, 6}, {3, 0, 0}, {0, 1, 1}} {
		c := NewClient(ClientOptions{Viewers: tt.viewers, Renditions: tt.renditions})
		if got := c.tr.MaxConnsPerHost; got != tt.want {
			t.Errorf("Viewers %d, Renditions %d: MaxConnsPerHost = %d; want %d", tt.viewers, tt.renditions, got, tt.want)
		}
		if c.tr.ReadBufferSize != readBuffer || c.tr.WriteBufferSize != writeBuffer {
			t.Errorf("buffers %d and %d; want %d and %d", c.tr.ReadBufferSize, c.tr.WriteBufferSize, readBuffer, writeBuffer)
		}
		c.Close()
	}
}
