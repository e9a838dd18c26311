package threshold

import (
	"encoding/json"
	"testing"
	"time"
)

func TestUnitFormat(t *testing.T) {
	t.Parallel()
	tests := []struct {
		unit Unit
		v    float64
		want string
	}{
		{UnitDuration, 0, "0s"},
		{UnitDuration, 850, "850ns"},
		{UnitDuration, 12_500, "12.5µs"},
		{UnitDuration, float64(241300 * time.Microsecond), "241ms"},
		{UnitDuration, float64(2413 * time.Millisecond), "2.41s"},
		{UnitDuration, float64(95 * time.Second), "95s"},
		{UnitDuration, float64(999_600 * time.Microsecond), "1000ms"},
		{UnitRatio, 0, "0%"},
		{UnitRatio, 0.0052, "0.52%"},
		{UnitRatio, 0.125, "12.5%"},
		{UnitRatio, 1, "100%"},
		{UnitRatio, 1.0 / 3, "33.3%"},
		{UnitCount, 12, "12"},
		{UnitCount, 9.25, "9.25"},
		{UnitCount, 1234.5678, "1234.6"},
		{UnitBytes, 950, "950B"},
		{UnitBytes, 12_345, "12.3kB"},
		{UnitBytes, 1.5e6, "1.5MB"},
		{UnitBytes, 2e9, "2GB"},
		{UnitSpeed, 0.97, "0.97x"},
		{UnitSpeed, 1, "1x"},
	}
	for _, tt := range tests {
		if got := tt.unit.Format(tt.v); got != tt.want {
			t.Errorf("Unit(%d).Format(%v) = %q; want %q", tt.unit, tt.v, got, tt.want)
		}
	}
}

func TestParseLimitUnits(t *testing.T) {
	t.Parallel()
	tests := []struct {
		text string
		unit Unit
		want float64
	}{
		{"250µs", UnitDuration, 250e3},
		{"250μs", UnitDuration, 250e3}, // Greek mu
		{"250us", UnitDuration, 250e3},
		{"1m30s", UnitDuration, 90e9},
		{"0", UnitDuration, 0},
		{".5%", UnitRatio, 0.005},
		{"100%", UnitRatio, 1},
		{"1", UnitRatio, 1},
		{"10MiB", UnitBytes, 10 << 20},
		{"10kB", UnitBytes, 10e3},
		{"512", UnitBytes, 512},
		{"0.95x", UnitSpeed, 0.95},
		{"3", UnitCount, 3},
	}
	for _, tt := range tests {
		got, msg := parseLimit(tt.text, tt.unit, "m")
		if msg != "" || got != tt.want {
			t.Errorf("parseLimit(%q, %d) = %v, %q; want %v", tt.text, tt.unit, got, msg, tt.want)
		}
	}
}

func TestVerdictJSON(t *testing.T) {
	t.Parallel()
	v := Verdict{Expr: "timeouts == 0", Status: Fail, Observed: 3, Unit: UnitCount, Limit: "== 0", At: time.Second}
	got, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"Expr":"timeouts == 0","Status":"fail","Observed":3,"Unit":"count","Limit":"== 0","At":1000000000,"WindowStart":0,"Window":0,"Note":""}`
	if string(got) != want {
		t.Errorf("json = %s; want %s", got, want)
	}
}
