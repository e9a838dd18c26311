package loadtest

import (
	"strings"
	"testing"
)

func TestCheckFDs(t *testing.T) {
	t.Parallel()
	tests := []struct {
		clients int
		limit   uint64
		want    string // "" means no error
	}{
		{10, 1024, ""},
		{192, 1024, ""},
		{193, 1024, "Config.Clients = 193 needs about 1029 open files (5 a viewer + 64) but RLIMIT_NOFILE is 1024; raise the hard limit"},
		{1000, 1024, "at most 192 here"},
		{10000, 0, ""}, // unknown limit
		{10000, 1 << 20, ""},
	}
	for _, tc := range tests {
		err := checkFDs(tc.clients, tc.limit)
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("checkFDs(%d, %d) = %v; want nil", tc.clients, tc.limit, err)
		case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
			t.Errorf("checkFDs(%d, %d) = %v; want %q", tc.clients, tc.limit, err, tc.want)
		}
	}
	if openFileLimit() == 0 {
		t.Log("RLIMIT_NOFILE unknown on this system")
	}
}
