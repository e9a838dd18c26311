package ffmpeg

import (
	"math/rand/v2"
	"strings"
	"testing"
)

// TestTailRingWriteAllIsWrites: WriteAll leaves the ring as the same
// writes one by one do, including batches larger than the ring.
func TestTailRingWriteAllIsWrites(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(7, 8))
	var one, all tailRing
	for round := range 300 {
		batch := make([][]byte, rng.IntN(40))
		for i := range batch {
			n := rng.IntN(300)
			if rng.IntN(50) == 0 {
				n = tailBytes + rng.IntN(tailBytes)
			}
			batch[i] = []byte(strings.Repeat(string(rune('a'+(round+i)%26)), n) + "\n")
		}
		for _, p := range batch {
			one.Write(p)
		}
		all.WriteAll(batch)
		if a, b := ringBytes(&one), ringBytes(&all); a != b {
			t.Fatalf("round %d: WriteAll of %d messages kept %d bytes, as many Writes %d (or other bytes)",
				round, len(batch), len(b), len(a))
		}
	}
}

// ringBytes is what r holds, oldest first.
func ringBytes(r *tailRing) string {
	if r.wrapped {
		return string(r.buf[r.pos:]) + string(r.buf[:r.pos])
	}
	return string(r.buf[:r.pos])
}
