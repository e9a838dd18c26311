package ffmpeg

const helperEnv = "HLSSWARM_FFMPEG_TEST_HELPER"

func runHelperProcess() int { return 0 }
