package ffmpeg

import (
	"fmt"
	"strconv"
	"strings"
)

// Version is an ffmpeg release number as read from `ffmpeg -version`.
//
// Git builds (`N-112345-g…`, `git-2024-…`, `2025-01-01-git-…`) carry no
// release number: Git is set and Major/Minor come from the libavformat
// version the binary reports (the newest release with that libavformat or an
// older one), or stay zero when libavformat is unknown, in which case the
// build is treated as newer than every release.
type Version struct {
	Major, Minor, Patch int
	// Git is true for builds from the development tree.
	Git bool
	// Raw is the version token exactly as ffmpeg printed it, for messages.
	Raw string
}

// String returns the version as ffmpeg printed it.
func (v Version) String() string {
	if v.Raw != "" {
		return v.Raw
	}
	return fmt.Sprintf("%d.%d.%d", v.Major, v.Minor, v.Patch)
}

// AtLeast reports whether v is release major.minor or newer. A git build
// with an unknown libavformat counts as newer than every release.
func (v Version) AtLeast(major, minor int) bool {
	if v.Git && v.Major == 0 {
		return true
	}
	if v.Major != major {
		return v.Major > major
	}
	return v.Minor >= minor
}

// minVersion is the oldest ffmpeg release hlsswarm runs (never modified).
var minVersion = Version{Major: 4, Minor: 1, Raw: "4.1"}

// lavfReleases maps the first libavformat version of each release to it,
// newest first, so that git builds can be placed between releases.
var lavfReleases = [...]struct{ lavfMajor, lavfMinor, major, minor int }{
	{62, 0, 8, 0},
	{61, 7, 7, 1},
	{61, 1, 7, 0},
	{60, 16, 6, 1},
	{60, 3, 6, 0},
	{59, 27, 5, 1},
	{59, 16, 5, 0},
	{58, 76, 4, 4},
	{58, 45, 4, 3},
	{58, 29, 4, 2},
	{58, 20, 4, 1},
	{58, 12, 4, 0},
	{57, 83, 3, 4},
}

// parseVersionOutput reads the output of `ffmpeg -hide_banner -version`:
// the "ffmpeg version X" line and the libavformat line.
func parseVersionOutput(out string) (Version, string, error) {
	var v Version
	lavf := ""
	found := false
	lavfMajor, lavfMinor := -1, -1
	for _, line := range strings.Split(out, "\n") {
		line = strings.TrimSpace(line)
		if rest, ok := strings.CutPrefix(line, "ffmpeg version "); ok && !found {
			tok, _, _ := strings.Cut(rest, " ")
			v = parseVersionToken(tok)
			found = true
			continue
		}
		if rest, ok := strings.CutPrefix(line, "libavformat"); ok {
			// "libavformat    59. 27.100 / 59. 27.100"
			cur, _, _ := strings.Cut(rest, "/")
			cur = strings.ReplaceAll(cur, " ", "")
			lavf = cur
			parts := strings.Split(cur, ".")
			if len(parts) >= 2 {
				ma, err1 := strconv.Atoi(parts[0])
				mi, err2 := strconv.Atoi(parts[1])
				if err1 == nil && err2 == nil {
					lavfMajor, lavfMinor = ma, mi
				}
			}
		}
	}
	if !found {
		first, _, _ := strings.Cut(strings.TrimSpace(out), "\n")
		return Version{}, "", fmt.Errorf("no \"ffmpeg version\" line in -version output (first line: %q)", first)
	}
	if v.Git && lavfMajor >= 0 {
		for _, r := range lavfReleases {
			if lavfMajor > r.lavfMajor || (lavfMajor == r.lavfMajor && lavfMinor >= r.lavfMinor) {
				v.Major, v.Minor = r.major, r.minor
				break
			}
		}
	}
	return v, lavf, nil
}

// parseVersionToken parses the token after "ffmpeg version": "5.1.9-0+deb12u1",
// "n6.1", "4.4.2-0ubuntu0.22.04.1", "7.1.1-static", "N-112345-gabc",
// "git-2024-02-01-abc", "2025-01-01-git-abc-full_build-www.gyan.dev".
func parseVersionToken(tok string) Version {
	v := Version{Raw: tok}
	s := tok
	if strings.HasPrefix(s, "N-") || strings.HasPrefix(s, "git") || strings.Contains(s, "-git-") {
		v.Git = true
		return v
	}
	s = strings.TrimPrefix(s, "n")
	// keep the leading "digits(.digits)*" part
	end := 0
	for end < len(s) && (s[end] >= '0' && s[end] <= '9' || s[end] == '.') {
		end++
	}
	nums := strings.Split(strings.Trim(s[:end], "."), ".")
	if end == 0 || len(nums) == 0 || nums[0] == "" {
		// Unknown scheme (a vendor string): treat like a git build.
		v.Git = true
		return v
	}
	// A date-like "2025-..." with a 4-digit first field is a dated snapshot.
	if len(nums[0]) == 4 && end < len(s) && s[end] == '-' {
		v.Git = true
		return v
	}
	dst := []*int{&v.Major, &v.Minor, &v.Patch}
	for i := 0; i < len(nums) && i < len(dst); i++ {
		n, err := strconv.Atoi(nums[i])
		if err != nil {
			break
		}
		*dst[i] = n
	}
	return v
}
