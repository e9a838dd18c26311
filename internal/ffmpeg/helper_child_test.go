package ffmpeg

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"time"
)

// The child mode of the test binary: TestMain calls runHelperProcess when
// helperEnv is set.
const (
	helperEnv     = "HLSSWARM_FFMPEG_TEST_HELPER"
	helperPathEnv = "HLSSWARM_FFMPEG_TEST_HELPER_PATH"
	helperArgsEnv = "HLSSWARM_FFMPEG_TEST_HELPER_ARGS"
	helperViewers = 2
)

// runHelperProcess starts viewers, prints their pids and waits to be killed.
func runHelperProcess() int {
	var args []string
	if err := json.Unmarshal([]byte(os.Getenv(helperArgsEnv)), &args); err != nil {
		fmt.Fprintln(os.Stderr, "helper:", err)
		return 2
	}
	for i := 0; i < helperViewers; i++ {
		p, err := Start(context.Background(), os.Getenv(helperPathEnv), args, Options{Discard: true})
		if err != nil {
			fmt.Fprintln(os.Stderr, "helper:", err)
			return 2
		}
		fmt.Printf("pid %d\n", p.Pid())
	}
	time.Sleep(time.Hour) // until the parent's SIGKILL
	return 0
}
