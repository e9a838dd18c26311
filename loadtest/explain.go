package loadtest

import "strings"

// debugNoise are the message starts of ffmpeg's debug lines that never
// explain an exit: option parsing, connection set-up, the request dump
// and per-request bookkeeping. Matched after the "[ctx @ 0x..]" and
// "[level]" prefixes.
var debugNoise = [...]string{
	"Splitting the commandline", "Reading option ", "Finished splitting", "Parsing a group of options",
	"Applying option ", "Successfully parsed a group", "Successfully opened the file", "Opening an input file",
	"Opening '", "Setting default whitelist", "Original list of addresses", "Interleaved list of addresses",
	"Address ", "Starting connection attempt", "Successfully connected", "request: ", "HLS request for url",
	"Statistics: ", "Format ", "Skip ('", "Media sequence change", "cur_dts is invalid", "nal_unit_type",
	"Before avformat_find_stream_info", "After avformat_find_stream_info", "stream=", "probing stream",
	"probed stream", "Probe with size", "All programs have pmt", "Setting avg frame rate",
}

// explainingLines picks, from the end of a failed viewer's log, the lines
// that can explain its exit, whatever the log level prefix (the viewers
// run without one): every line that is not debug noise or part of a
// request's header dump, without ffmpeg's "@ 0x.." pointers (so that one
// failure of many viewers reads the same), each distinct message once, in
// order. When every line is noise, the last line is kept.
func explainingLines(tail []string) []string {
	var out []string
	seen := map[string]bool{}
	for _, l := range tail {
		l = stripPointers(strings.TrimSpace(l))
		if l == "" || isNoise(l) || seen[l] {
			continue
		}
		seen[l] = true
		out = append(out, l)
	}
	if len(out) == 0 && len(tail) > 0 {
		out = append(out, stripPointers(strings.TrimSpace(tail[len(tail)-1])))
	}
	return out
}

// isNoise reports whether line (pointers stripped) is debug noise.
func isNoise(line string) bool {
	msg := line
	for strings.HasPrefix(msg, "[") { // "[ctx]" and "[level]" prefixes
		end := strings.IndexByte(msg, ']')
		if end < 0 {
			break
		}
		msg = strings.TrimLeft(msg[end+1:], " ")
	}
	if msg == line && isHeaderLine(msg) {
		return true // a request's header dump ("User-Agent: Lavf/...")
	}
	for _, n := range debugNoise {
		if strings.HasPrefix(msg, n) {
			return true
		}
	}
	return false
}

// isHeaderLine reports whether line reads "Name: value" with Name an HTTP
// token, as in the dump after "request: GET ...".
func isHeaderLine(line string) bool {
	i := strings.Index(line, ": ")
	if i <= 0 {
		return false
	}
	for _, c := range []byte(line[:i]) {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}
