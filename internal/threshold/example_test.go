package threshold

import "fmt"

// A running fleet parses its thresholds once and evaluates them every
// second; it aborts on a breach, not on missing data.
func ExampleSet_Evaluate() {
	set, err := Parse("http_error_rate < 1% over 10s", "p95(manifest_latency)? < 1s", "timeouts == 0")
	if err != nil {
		fmt.Println(err)
		return
	}
	src := burstRun().source(0) // a 60 s run with a burst of 503s at 30 s
	verdicts := set.Evaluate(src)
	if v, ok := verdicts.Breached(); ok {
		fmt.Println("abort:", v)
	}
	fmt.Println(verdicts.Table())
	// Output:
	// abort: http_error_rate < 1% over 10s: observed 2.86%: ✗ fail at 32s (window 22s–32s)
	// threshold                       observed   limit   verdict
	// http_error_rate < 1% over 10s   2.86%      < 1%    ✗ fail at 32s (window 22s–32s)
	// p95(manifest_latency)? < 1s     5ms        < 1s    ✓ pass
	// timeouts == 0                   0          == 0    ✓ pass
}

func ExampleParseThreshold_error() {
	_, err := ParseThreshold("http_errors{kind=segmnt} == 0")
	fmt.Println(err)
	// Output:
	// invalid threshold at column 18: unknown kind "segmnt" (did you mean "segment"?); valid kinds: manifest, segment, init, unknown
	// 	http_errors{kind=segmnt} == 0
	// 	                 ^
}
