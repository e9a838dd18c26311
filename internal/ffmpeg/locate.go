package ffmpeg

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
)

// EnvFFmpeg is the environment variable that names the ffmpeg binary when no
// explicit path is configured.
const EnvFFmpeg = "HLSSWARM_FFMPEG"

// ErrNotFound is returned (wrapped) when no ffmpeg binary can be found.
var ErrNotFound = errors.New("ffmpeg not found")

// ErrTooOld is returned (wrapped) when the ffmpeg found is older than 4.1 or
// lacks an option hlsswarm cannot work without.
var ErrTooOld = errors.New("ffmpeg too old")

// installHint tells the user how to get a usable ffmpeg.
const installHint = "install ffmpeg 4.1 or newer (Debian/Ubuntu: apt-get install -y ffmpeg; " +
	"Fedora: dnf install ffmpeg; macOS: brew install ffmpeg; static builds: https://ffmpeg.org/download.html) " +
	"or point hlsswarm at another binary with Config.FFmpeg or " + EnvFFmpeg + "=/path/to/ffmpeg"

// Locate returns the path of the ffmpeg binary to use: explicit when not
// empty (Config.FFmpeg), else the value of HLSSWARM_FFMPEG, else "ffmpeg"
// looked up in PATH. A name without a slash is looked up in PATH. The error
// wraps [ErrNotFound] and says where it looked and how to fix it.
func Locate(explicit string) (string, error) {
	name, source := explicit, "Config.FFmpeg"
	if name == "" {
		name, source = os.Getenv(EnvFFmpeg), EnvFFmpeg
	}
	if name == "" {
		name, source = "ffmpeg", "PATH"
	}
	path, err := exec.LookPath(name)
	if err != nil {
		where := fmt.Sprintf("%s=%q", source, name)
		if source == "PATH" {
			where = fmt.Sprintf("looked for \"ffmpeg\" in PATH=%q (%s and Config.FFmpeg unset)", os.Getenv("PATH"), EnvFFmpeg)
		}
		return "", fmt.Errorf("%w: %s: %v; %s", ErrNotFound, where, unwrapExecErr(err), installHint)
	}
	return path, nil
}

// unwrapExecErr drops the exec: prefix noise of exec.LookPath errors.
func unwrapExecErr(err error) error {
	var ee *exec.Error
	if errors.As(err, &ee) {
		return ee.Err
	}
	return err
}
