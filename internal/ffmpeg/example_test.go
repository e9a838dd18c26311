package ffmpeg_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"log"
	"time"

	"github.com/hlsswarm/hlsswarm/internal/ffmpeg"
)

// Example shows how a fleet runs one viewer: locate and probe ffmpeg once,
// choose the variant once, build each viewer's arguments, and supervise it,
// attaching readers to every (re)started process. It needs ffmpeg and an
// origin, so it is compiled but not run.
func Example() {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	path, err := ffmpeg.Locate("") // Config.FFmpeg, then HLSSWARM_FFMPEG, then PATH
	if err != nil {
		log.Fatal(err) // says what was looked for and how to install ffmpeg
	}
	var prober ffmpeg.Prober // one per fleet: probes each binary once
	bin, err := prober.Probe(ctx, path)
	if err != nil {
		log.Fatal(err) // e.g. "ffmpeg too old: ... is ffmpeg 3.4, need 4.1 or newer; install ..."
	}
	sel, err := ffmpeg.SelectVariant(ctx, nil, "http://127.0.0.1:8080/live/master.m3u8", ffmpeg.VariantLowest)
	if err != nil {
		log.Fatal(err)
	}
	viewer := ffmpeg.Viewer{URL: sel.URL, Map: sel.Map, Client: 1}
	args, err := bin.Args(viewer)
	if err != nil {
		log.Fatal(err)
	}
	sum, err := ffmpeg.Supervise(ctx, ffmpeg.Supervision{
		Path: bin.Path, Args: args,
		Policy: ffmpeg.RestartOnFailure, Seed: 1,
		OnStart: func(run int, p *ffmpeg.Process) {
			if run > 0 {
				// count a restart into the viewer's stats
			}
			go readLines(p.Stderr())   // the stderr event parser goes here
			go readLines(p.Progress()) // the -progress parser goes here
		},
		OnExit: func(run int, e ffmpeg.Exit) {
			if err := e.Err(); err != nil {
				log.Print(err) // status or signal, and the last stderr lines
			}
		},
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(sum.Starts, sum.Reason)
}

func readLines(r io.ReadCloser) {
	defer r.Close()
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		_ = sc.Bytes()
	}
}

// ExampleBinary_CommandLine prints the exact command a viewer runs, for
// pasting into a shell while debugging.
func ExampleBinary_CommandLine() {
	bin := &ffmpeg.Binary{ // normally from Prober.Probe
		Path:        "/usr/bin/ffmpeg",
		Libavformat: "59.27.100",
		Features:    ffmpeg.Features{LogLevelPrefix: true, StatsPeriod: true, RWTimeout: true, ProtocolWhitelist: true},
	}
	line, err := bin.CommandLine(ffmpeg.Viewer{
		URL:     "http://127.0.0.1:8080/live/master.m3u8",
		Client:  7,
		Headers: []ffmpeg.Header{{Name: "Authorization", Value: "Bearer t0k3n"}},
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(line)
	// Output:
	// /usr/bin/ffmpeg -hide_banner -nostdin -nostats -loglevel repeat+debug -progress pipe:3 -stats_period 1 -protocol_whitelist http,https,tcp,tls,crypto -rw_timeout 10000000 -user_agent 'Lavf/59.27.100 client-7' -headers $'X-Hlsswarm-Client: 7\r\nAuthorization: Bearer t0k3n\r\n' -i http://127.0.0.1:8080/live/master.m3u8 -map 0 -c copy -f null - 3>&1
}

// ExampleValidateHeader shows the header injection that -headers would
// otherwise allow.
func ExampleValidateHeader() {
	fmt.Println(ffmpeg.ValidateHeader("X-Tenant", "a\r\nX-Admin: 1"))
	// Output:
	// header "X-Tenant" value "a\r\nX-Admin: 1": must not contain CR, LF or NUL
}
