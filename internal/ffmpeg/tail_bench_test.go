package ffmpeg

import (
	"bytes"
	"strconv"
	"testing"
)

// BenchmarkTailRingWrite measures what the stderr tail costs each read of
// the parser: one copy of at most 8 KiB under an uncontended mutex.
func BenchmarkTailRingWrite(b *testing.B) {
	line := []byte("[hls @ 0x55f7673f4180] [verbose] HLS request for url 'http://127.0.0.1:18080/v0/lseg_42.ts'\n")
	for _, size := range []int{512, 4 << 10, 64 << 10} {
		b.Run(strconv.Itoa(size)+"B", func(b *testing.B) {
			chunk := bytes.Repeat(line, size/len(line)+1)[:size]
			var r tailRing
			b.SetBytes(int64(size))
			b.ReportAllocs()
			for b.Loop() {
				r.Write(chunk)
			}
		})
	}
}
