package genhealth

import (
	"math"
	"testing"
	"testing/fstest"
	"time"

	"github.com/hlsswarm/hlsswarm/internal/stats"
)

// Recorded on the 2-core development machine beside a busy core.
const cpuBusy = `some avg10=65.99 avg60=39.17 avg300=54.62 total=1416137865
full avg10=0.00 avg60=0.00 avg300=0.00 total=0
`

func TestParsePressure(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		text    string
		avg10   float64
		total   uint64
		wantErr bool
	}{
		{"busy", cpuBusy, 65.99 / 100, 1416137865, false},
		{"quiet memory", "some avg10=0.00 avg60=0.00 avg300=0.00 total=0\nfull avg10=0.00 avg60=0.00 avg300=0.00 total=0\n", 0, 0, false},
		{"no some line (old kernels' cpu full only)", "full avg10=1.00 avg60=0.00 avg300=0.00 total=5\n", 0, 0, true},
		{"bad total", "some avg10=1.00 avg60=0.00 avg300=0.00 total=x\n", 0, 0, true},
		{"missing total", "some avg10=1.00\n", 0, 0, true},
		{"empty", "", 0, 0, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			avg, total, err := ParsePressure([]byte(tc.text))
			if (err != nil) != tc.wantErr {
				t.Fatalf("err = %v; want error %v", err, tc.wantErr)
			}
			if tc.wantErr {
				return
			}
			if math.Abs(avg-tc.avg10) > 1e-9 || total != tc.total {
				t.Errorf("ParsePressure = %v, %d; want %v, %d", avg, total, tc.avg10, tc.total)
			}
		})
	}
}

func psi(total string) *fstest.MapFile {
	return &fstest.MapFile{Data: []byte("some avg10=12.50 avg60=0.00 avg300=0.00 total=" + total + "\nfull avg10=0.00 avg60=0.00 avg300=0.00 total=0\n")}
}

// TestSamplerPressureDelta: a sample reads the growth of total over the
// wall time since the previous one (or since New), and avg10 when there
// is none to compare with (here: the first sample's time is before New's).
func TestSamplerPressureDelta(t *testing.T) {
	t.Parallel()
	proc := fstest.MapFS{
		"pressure/cpu":    psi("1000000"),
		"pressure/memory": psi("0"),
		"loadavg":         {Data: []byte("4.00 6.08 8.09 5/105 16444\n")},
		"meminfo":         {Data: []byte("MemTotal:        4000000 kB\nMemFree:          100000 kB\nMemAvailable:    2000000 kB\n")},
	}
	s := newSampler(proc, 2)
	t0 := time.Unix(100, 0)
	var snap stats.Snapshot
	snap.SpeedViewers, snap.SpeedSlow = 4, 1
	s.Sample(t0, &snap)
	g := snap.Generator
	if !g.Has(stats.GenCPUPressure | stats.GenMemPressure | stats.GenLoad | stats.GenMemAvailable | stats.GenSlowViewers) {
		t.Fatalf("Known = %b; want the /proc readings and slow viewers", g.Known)
	}
	if got, want := g.CPUPressure, 0.125; got != want {
		t.Errorf("first CPUPressure = %v; want avg10 %v", got, want)
	}
	if got, want := g.Load, 2.0; got != want {
		t.Errorf("Load = %v; want %v (4.00 over 2 CPUs)", got, want)
	}
	if got, want := g.MemAvailable, uint64(2000000*1024); got != want {
		t.Errorf("MemAvailable = %d; want %d", got, want)
	}
	if got, want := g.SlowViewers, 0.25; got != want {
		t.Errorf("SlowViewers = %v; want %v", got, want)
	}

	// 600 ms of pressure over 2 s of wall time: 30 %.
	proc["pressure/cpu"] = psi("1600000")
	proc["pressure/memory"] = psi("2000000")
	snap.SpeedViewers = 0
	s.Sample(t0.Add(2*time.Second), &snap)
	g = snap.Generator
	if got, want := g.CPUPressure, 0.3; got != want {
		t.Errorf("CPUPressure = %v; want %v", got, want)
	}
	if got, want := g.MemPressure, 1.0; got != want {
		t.Errorf("MemPressure = %v; want %v (clamped)", got, want)
	}
	if g.Has(stats.GenSlowViewers) {
		t.Errorf("SlowViewers known without viewers with a speed")
	}

	// A total that went back (a new PSI source): avg10 again, not a
	// huge delta.
	proc["pressure/cpu"] = psi("5")
	s.Sample(t0.Add(3*time.Second), &snap)
	if got, want := snap.Generator.CPUPressure, 0.125; got != want {
		t.Errorf("CPUPressure after a reset = %v; want avg10 %v", got, want)
	}
}

// TestSamplerWithoutProc: where /proc is absent, pressure, load and memory
// are unknown, not zero.
func TestSamplerWithoutProc(t *testing.T) {
	t.Parallel()
	s := newSampler(fstest.MapFS{}, 2)
	var snap stats.Snapshot
	s.Sample(time.Now(), &snap)
	g := snap.Generator
	if g.Has(stats.GenCPUPressure) || g.Has(stats.GenLoad) || g.Has(stats.GenMemAvailable) {
		t.Errorf("Known = %b; want no /proc readings", g.Known)
	}
}

func TestDeltaQuantile(t *testing.T) {
	t.Parallel()
	buckets := []float64{0, 0.001, 0.01, 0.1, posInf()}
	tests := []struct {
		name         string
		counts, prev []uint64
		want         time.Duration
		ok           bool
	}{
		{"first read", []uint64{90, 9, 1, 0}, nil, 10 * time.Millisecond, true},
		{"delta only", []uint64{190, 9, 1, 100}, []uint64{90, 9, 1, 0}, 100 * time.Millisecond, true}, // last bucket: its lower bound
		{"mostly fast", []uint64{1000, 5, 0, 0}, []uint64{0, 0, 0, 0}, time.Millisecond, true},
		{"nothing new", []uint64{5, 5, 5, 5}, []uint64{5, 5, 5, 5}, 0, false},
	}
	for _, tc := range tests {
		got, ok := deltaQuantile(tc.counts, tc.prev, buckets, 0.99)
		if got != tc.want || ok != tc.ok {
			t.Errorf("%s: deltaQuantile = %v, %v; want %v, %v", tc.name, got, ok, tc.want, tc.ok)
		}
	}
}

func posInf() float64 { return math.Inf(1) }

// TestSamplerRealSchedLatency reads the runtime's histogram: the sample
// covers the goroutines scheduled since New.
func TestSamplerRealSchedLatency(t *testing.T) {
	t.Parallel()
	s := New()
	var snap stats.Snapshot
	done := make(chan struct{})
	for range 100 {
		go func() { done <- struct{}{} }()
	}
	for range 100 {
		<-done
	}
	s.Sample(time.Now(), &snap)
	if !snap.Generator.Has(stats.GenSchedLatency) {
		t.Fatalf("no scheduling latency after 100 goroutines ran")
	}
	if p := snap.Generator.SchedLatencyP99; p <= 0 || p > 10*time.Second {
		t.Errorf("SchedLatencyP99 = %v; want in (0, 10s]", p)
	}
}

// TestSamplerFirstSampleSinceNew: the first sample covers the time since
// New, not PSI's 10-second average of what came before the fleet.
func TestSamplerFirstSampleSinceNew(t *testing.T) {
	t.Parallel()
	proc := fstest.MapFS{"pressure/cpu": psi("1000000")}
	s := newSampler(proc, 2)
	proc["pressure/cpu"] = psi("1500000") // 500 ms of pressure
	var snap stats.Snapshot
	s.Sample(s.at.Add(time.Second), &snap)
	if got, want := snap.Generator.CPUPressure, 0.5; got != want {
		t.Errorf("first CPUPressure = %v; want %v (not avg10 0.125)", got, want)
	}
}
