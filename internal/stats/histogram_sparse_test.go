package stats

import (
	"bytes"
	"compress/zlib"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"math"
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestSparseRoundTrip(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(1, 2))
	var h Histogram
	var prev HistogramSnapshot
	for step := range 50 {
		for range rng.IntN(40) {
			h.Record(lognormal(rng, 20*time.Millisecond, 1.5))
		}
		if step == 10 {
			h.Record(3 * time.Hour) // past maxValue: the open-ended last bucket
			h.Record(0)
		}
		var cur HistogramSnapshot
		h.Snapshot(&cur)
		list := cur.AppendSparse(nil, &prev)
		var back HistogramSnapshot
		if err := back.SetSparse(list, &prev, cur.Count, cur.Sum, cur.Min, cur.Max); err != nil {
			t.Fatalf("step %d: SetSparse: %v", step, err)
		}
		if !reflect.DeepEqual(back, cur) {
			t.Fatalf("step %d: round trip = %+v; want %+v", step, back, cur)
		}
		whole := cur.AppendSparse(nil, nil)
		if err := back.SetSparse(whole, nil, cur.Count, cur.Sum, cur.Min, cur.Max); err != nil || !reflect.DeepEqual(back, cur) {
			t.Fatalf("step %d: round trip without base = %+v, %v; want %+v", step, back, err, cur)
		}
		prev = cur
	}
	var empty HistogramSnapshot
	if list := empty.AppendSparse(nil, nil); len(list) != 0 {
		t.Errorf("empty histogram encodes as %v; want nothing", list)
	}
}

func TestSparseBucketIndexIsHdrIndex(t *testing.T) {
	t.Parallel()
	// HdrHistogram (2 significant digits, lowest 1): countsIndex(v) =
	// (bucketIdx+1)<<7 + subBucketIdx - 128, with bucketIdx the doubling
	// above 256 and subBucketIdx = v >> bucketIdx.
	hdr := func(v int64) int {
		b := max(63-bitsLeadingZeros(uint64(v|255))-7, 0)
		return (b+1)<<7 + int(v>>uint(b)) - 128
	}
	for _, v := range []int64{0, 1, 255, 256, 257, 511, 512, 1000, 999_999, 20_000_000, 1 << 40} {
		s := snapshotOf([]time.Duration{time.Duration(v)})
		list := s.AppendSparse(nil, nil)
		if got, want := int(list[0]), hdr(v); got != want {
			t.Errorf("value %d: bucket %d; HdrHistogram's counts index %d", v, got, want)
		}
	}
}

func bitsLeadingZeros(u uint64) int {
	n := 0
	for m := uint64(1) << 63; m != 0 && u&m == 0; m >>= 1 {
		n++
	}
	return n
}

func TestSetSparseRejectsBadLists(t *testing.T) {
	t.Parallel()
	base := snapshotOf([]time.Duration{time.Millisecond})
	tests := []struct {
		name  string
		list  []int64
		count uint64
		want  string
	}{
		{"odd", []int64{1}, 1, "want (gap, count) pairs"},
		{"negative gap", []int64{-1, 1}, 1, "gap -1"},
		{"index past the end", []int64{SparseBuckets, 1}, 1, "bucket index 4736"},
		{"zero count", []int64{5, 0}, 0, "count 0"},
		{"negative bucket", []int64{5, -1}, 0, "would go negative"},
		{"count mismatch", []int64{5, 2}, 3, "buckets hold 2 values; want count 3"},
	}
	for _, tt := range tests {
		var s HistogramSnapshot
		if err := s.SetSparse(tt.list, nil, tt.count, 0, 0, 0); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: SetSparse = %v; want an error containing %q", tt.name, err, tt.want)
		}
	}
	var s HistogramSnapshot
	if err := s.SetSparse([]int64{0, -1}, &base, 0, 0, 0, 0); err == nil {
		t.Error("a bucket of the base going negative: nil error")
	}
}

// hdrV2 encodes s in HdrHistogram's V2 compressed format (the format of
// HdrHistogram's encodeIntoCompressedByteBuffer and of hdrhistogram-go's
// Encode, base64 for text): the candidate the sparse list was measured
// against.
func hdrV2(s *HistogramSnapshot) string {
	var payload []byte
	zeros := int64(0)
	put := func(v int64) { payload = binary.AppendUvarint(payload, uint64(v<<1^v>>63)) } // ZigZag LEB128
	for i := range s.off + len(s.counts) {
		c := int64(s.at(i))
		if c == 0 {
			zeros++
			continue
		}
		if zeros > 0 {
			put(-zeros)
			zeros = 0
		}
		put(c)
	}
	var raw bytes.Buffer
	hdr := []any{int32(0x1c849303 | 0x10), int32(len(payload)), int32(0), int32(2), int64(1), int64(maxValue), math.Float64bits(1)}
	for _, v := range hdr {
		_ = binary.Write(&raw, binary.BigEndian, v)
	}
	raw.Write(payload)
	var z bytes.Buffer
	zw := zlib.NewWriter(&z)
	_, _ = zw.Write(raw.Bytes())
	_ = zw.Close()
	var out bytes.Buffer
	_ = binary.Write(&out, binary.BigEndian, int32(0x1c849304|0x10))
	_ = binary.Write(&out, binary.BigEndian, int32(z.Len()))
	out.Write(z.Bytes())
	return base64.StdEncoding.EncodeToString(out.Bytes())
}

// hdrV2Decode decodes hdrV2's output into counts by index.
func hdrV2Decode(text string) ([]uint64, error) {
	b, err := base64.StdEncoding.DecodeString(text)
	if err != nil {
		return nil, err
	}
	zr, err := zlib.NewReader(bytes.NewReader(b[8:]))
	if err != nil {
		return nil, err
	}
	var raw bytes.Buffer
	if _, err := raw.ReadFrom(zr); err != nil {
		return nil, err
	}
	p := raw.Bytes()[40:]
	var counts []uint64
	for len(p) > 0 {
		u, n := binary.Uvarint(p)
		p = p[n:]
		v := int64(u>>1) ^ -int64(u&1)
		if v < 0 {
			counts = append(counts, make([]uint64, -v)...)
		} else {
			counts = append(counts, uint64(v))
		}
	}
	return counts, nil
}

// benchWindows returns a 10-minute run's per-second histograms of segment
// latency for a shard of viewers (one segment a second each, latencies
// log-normal around 20 ms), as cumulative snapshots.
func benchWindows(viewers int) []HistogramSnapshot {
	rng := rand.New(rand.NewPCG(3, 4))
	var h Histogram
	out := make([]HistogramSnapshot, 600)
	for i := range out {
		for range viewers {
			h.Record(lognormal(rng, 20*time.Millisecond, 0.5))
		}
		h.Snapshot(&out[i])
	}
	return out
}

// BenchmarkHistogramEncoding compares the two candidate encodings of a
// report's histograms over a 10-minute run of 10 viewers: the per-second
// windows (the history) and the whole run. It reports bytes per
// viewer-minute of JSON text for each, and the time per encode and decode
// of the whole history.
func BenchmarkHistogramEncoding(b *testing.B) {
	const viewers = 10
	cum := benchWindows(viewers)
	windows := make([]HistogramSnapshot, len(cum))
	for i := range cum {
		windows[i] = cum[i].Clone()
		if i > 0 {
			windows[i].Sub(&cum[i-1])
		}
	}
	viewerMinutes := float64(viewers * 10)
	b.Run("sparse", func(b *testing.B) {
		var n int
		for b.Loop() {
			n = 0
			var list []int64
			for i := range cum {
				var base *HistogramSnapshot
				if i > 0 {
					base = &cum[i-1]
				}
				list = cum[i].AppendSparse(list[:0], base)
				j, _ := json.Marshal(list)
				n += len(j)
			}
		}
		b.ReportMetric(float64(n)/viewerMinutes, "history-B/viewer-min")
		whole, _ := json.Marshal(cum[len(cum)-1].AppendSparse(nil, nil))
		b.ReportMetric(float64(len(whole)), "whole-run-B")
	})
	b.Run("sparse-decode", func(b *testing.B) {
		lists := make([][]byte, len(cum))
		for i := range cum {
			var base *HistogramSnapshot
			if i > 0 {
				base = &cum[i-1]
			}
			lists[i], _ = json.Marshal(cum[i].AppendSparse(nil, base))
		}
		for b.Loop() {
			var prev HistogramSnapshot
			for i := range lists {
				var list []int64
				if err := json.Unmarshal(lists[i], &list); err != nil {
					b.Fatal(err)
				}
				var s HistogramSnapshot
				if err := s.SetSparse(list, &prev, cum[i].Count, cum[i].Sum, cum[i].Min, cum[i].Max); err != nil {
					b.Fatal(err)
				}
				prev = s
			}
		}
	})
	b.Run("hdr-v2", func(b *testing.B) {
		var n int
		for b.Loop() {
			n = 0
			for i := range windows {
				j, _ := json.Marshal(hdrV2(&windows[i]))
				n += len(j)
			}
		}
		b.ReportMetric(float64(n)/viewerMinutes, "history-B/viewer-min")
		whole, _ := json.Marshal(hdrV2(&cum[len(cum)-1]))
		b.ReportMetric(float64(len(whole)), "whole-run-B")
	})
	b.Run("hdr-v2-decode", func(b *testing.B) {
		texts := make([]string, len(windows))
		for i := range windows {
			texts[i] = hdrV2(&windows[i])
		}
		for b.Loop() {
			for _, s := range texts {
				if _, err := hdrV2Decode(s); err != nil {
					b.Fatal(err)
				}
			}
		}
	})
}

func TestHdrV2CandidateDecodes(t *testing.T) {
	t.Parallel()
	s := snapshotOf([]time.Duration{time.Millisecond, 2 * time.Millisecond, 2 * time.Millisecond, 300})
	counts, err := hdrV2Decode(hdrV2(&s))
	if err != nil {
		t.Fatal(err)
	}
	var back HistogramSnapshot
	back.counts = counts
	back.trim()
	for i := range SparseBuckets {
		if back.at(i) != s.at(i) {
			t.Fatalf("bucket %d: %d after V2; want %d", i, back.at(i), s.at(i))
		}
	}
}

// FuzzSetSparse feeds SetSparse bucket lists as a report file may hold
// them: it never panics, and a list it accepts re-encodes to itself with
// the count it was given.
func FuzzSetSparse(f *testing.F) {
	f.Add([]byte{}, uint64(0))
	f.Add(binary.AppendVarint(binary.AppendVarint(nil, 2200), 2), uint64(2))
	f.Add(binary.AppendVarint(binary.AppendVarint(binary.AppendVarint(binary.AppendVarint(nil, 0), 1), 4734), 3), uint64(4))
	f.Add(binary.AppendVarint(binary.AppendVarint(nil, -1), 1), uint64(1))
	f.Fuzz(func(t *testing.T, data []byte, count uint64) {
		var list []int64
		for len(data) > 0 {
			v, n := binary.Varint(data)
			if n <= 0 {
				break
			}
			list = append(list, v)
			data = data[n:]
		}
		var s HistogramSnapshot
		if err := s.SetSparse(list, nil, count, time.Duration(count), 1, 2); err != nil {
			return
		}
		if s.Count != count {
			t.Fatalf("accepted with Count %d; want %d", s.Count, count)
		}
		if got := s.AppendSparse(nil, nil); !slices.Equal(got, list) {
			t.Fatalf("re-encodes as %v; want %v", got, list)
		}
	})
}
