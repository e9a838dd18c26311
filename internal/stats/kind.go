package stats

// Kind is the kind of an HTTP request a viewer made.
type Kind uint8

// The request kinds, in the order of [Counters.Requests].
const (
	KindManifest Kind = iota // master or media playlist
	KindSegment              // media segment (.ts .m4s .mp4 .aac .vtt ...)
	KindInit                 // init segment (EXT-X-MAP)
	KindUnknown              // anything else
	NumKinds                 // number of kinds; not a kind
)

var kindNames = [NumKinds]string{"manifest", "segment", "init", "unknown"}

// String returns the kind's name as used in metric labels: "manifest",
// "segment", "init" or "unknown". Out-of-range kinds read "unknown".
func (k Kind) String() string {
	if k >= NumKinds {
		return "unknown"
	}
	return kindNames[k]
}

// ParseKind returns the Kind named s ("manifest", "segment", "init",
// "unknown") and whether s named one.
func ParseKind(s string) (Kind, bool) {
	for i, n := range kindNames {
		if n == s {
			return Kind(i), true
		}
	}
	return KindUnknown, false
}

// clampKind maps out-of-range kinds to KindUnknown so that no method panics
// on a bad Kind.
func clampKind(k Kind) Kind {
	if k >= NumKinds {
		return KindUnknown
	}
	return k
}

// Stream names an ffmpeg output pipe.
type Stream uint8

// The ffmpeg output pipes whose lines are counted.
const (
	StreamProgress Stream = iota // the -progress key=value pipe
	StreamStderr                 // the stderr log
)

// String returns "progress" or "stderr".
func (s Stream) String() string {
	if s == StreamProgress {
		return "progress"
	}
	return "stderr"
}
