package kubernetes

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// dockerfile is what the tests read of the Dockerfile: per stage, its
// args' defaults, the binaries its go commands build, and in the last
// stage what it copies, installs and runs.
type dockerfile struct {
	stages []*stage
}

type stage struct {
	name, base string
	args       map[string]string
	env        []string
	builds     []goBuild
	copies     []copyFrom
	installs   []string
	user       string
	entrypoint []string
	cmd        []string
}

// goBuild is a go test -c or go build command: its output and package, in
// the directory it runs in (cd DIR && go ...), with its stage's ENV.
type goBuild struct {
	test          bool
	dir, out, pkg string
	env           []string
}

type copyFrom struct{ from, src, dst string }

// parseDockerfile reads the instructions the tests need, with ${ARG}
// replaced by the args' defaults.
func parseDockerfile(path string) (*dockerfile, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var lines []string
	cont := ""
	for _, l := range strings.Split(string(raw), "\n") {
		if t := strings.TrimSpace(l); strings.HasPrefix(t, "#") || (t == "" && cont == "") {
			continue
		}
		if s, ok := strings.CutSuffix(strings.TrimRight(l, " \t"), `\`); ok {
			cont += s + " "
			continue
		}
		lines = append(lines, cont+l)
		cont = ""
	}
	d := &dockerfile{}
	global := map[string]string{}
	var cur *stage
	for _, l := range lines {
		inst, rest, _ := strings.Cut(strings.TrimSpace(l), " ")
		args := global
		if cur != nil {
			args = cur.args
		}
		rest = expandArgs(strings.TrimSpace(rest), args)
		switch strings.ToUpper(inst) {
		case "ARG":
			name, def, _ := strings.Cut(rest, "=")
			if v, ok := global[name]; ok && def == "" {
				def = v // an ARG redeclared in a stage takes the global default
			}
			args[name] = def
		case "FROM":
			f := strings.Fields(rest)
			cur = &stage{base: f[0], args: map[string]string{}}
			if len(f) == 3 && strings.EqualFold(f[1], "AS") {
				cur.name = f[2]
			}
			d.stages = append(d.stages, cur)
		case "RUN":
			for strings.HasPrefix(rest, "--") { // RUN's own options, --mount=...
				_, rest, _ = strings.Cut(rest, " ")
				rest = strings.TrimSpace(rest)
			}
			cur.builds = append(cur.builds, goBuilds(rest)...)
			if _, pkgs, ok := strings.Cut(rest, "apt-get install"); ok {
				cur.installs = append(cur.installs, strings.Fields(strings.Split(pkgs, "&&")[0])...)
			}
		case "COPY":
			f := strings.Fields(rest)
			if from, ok := strings.CutPrefix(f[0], "--from="); ok && len(f) == 3 {
				cur.copies = append(cur.copies, copyFrom{from, f[1], f[2]})
			}
		case "ENV":
			cur.env = append(cur.env, strings.Fields(rest)...)
		case "USER":
			cur.user = rest
		case "ENTRYPOINT", "CMD":
			var argv []string
			if err := json.Unmarshal([]byte(rest), &argv); err != nil {
				return nil, fmt.Errorf("%s %s: want the exec form, a JSON array: %w", inst, rest, err)
			}
			if strings.EqualFold(inst, "CMD") {
				cur.cmd = argv
			} else {
				cur.entrypoint = argv
			}
		}
	}
	if len(d.stages) < 2 {
		return nil, fmt.Errorf("%d stages; want a build stage and a runtime stage", len(d.stages))
	}
	return d, nil
}

func expandArgs(s string, args map[string]string) string {
	return regexp.MustCompile(`\$\{([A-Za-z_][A-Za-z0-9_]*)\}|\$([A-Za-z_][A-Za-z0-9_]*)`).ReplaceAllStringFunc(s, func(ref string) string {
		name := strings.Trim(ref, "${}")
		if v, ok := args[name]; ok {
			return v
		}
		return ref
	})
}

// goBuilds finds "[cd DIR &&] go test -c ... -o OUT PKG" and
// "go build ... -o OUT PKG" in a shell command.
func goBuilds(sh string) []goBuild {
	var builds []goBuild
	for _, part := range strings.Split(sh, "&&") {
		f := strings.Fields(strings.NewReplacer(`"`, "", "'", "").Replace(part))
		if len(f) == 2 && f[0] == "cd" {
			builds = append(builds, goBuild{dir: f[1]}) // completed by the next go command
			continue
		}
		if len(f) < 2 || f[0] != "go" || (f[1] != "test" && f[1] != "build") {
			continue
		}
		b := goBuild{test: f[1] == "test"}
		if n := len(builds); n > 0 && builds[n-1].out == "" {
			b.dir = builds[n-1].dir
			builds = builds[:n-1]
		}
		for i := 2; i < len(f); i++ {
			switch {
			case f[i] == "-o" && i+1 < len(f):
				b.out = f[i+1]
				i++
			case !strings.HasPrefix(f[i], "-"):
				b.pkg = f[i]
			}
		}
		builds = append(builds, b)
	}
	return slices.DeleteFunc(builds, func(b goBuild) bool { return b.out == "" })
}

func mustParseDockerfile(t *testing.T) *dockerfile {
	t.Helper()
	d, err := parseDockerfile("Dockerfile")
	if err != nil {
		t.Fatalf("Dockerfile: %v", err)
	}
	return d
}

// built returns the go build or go test -c whose output the runtime
// stage copies to dst.
func (d *dockerfile) built(dst string) (goBuild, error) {
	final := d.stages[len(d.stages)-1]
	for _, c := range final.copies {
		if c.dst != dst {
			continue
		}
		for _, s := range d.stages {
			if s.name != c.from {
				continue
			}
			for _, b := range s.builds {
				if b.out == c.src {
					b.env = s.env
					return b, nil
				}
			}
		}
		return goBuild{}, fmt.Errorf("the runtime stage copies %s from %s:%s, which no go command of that stage builds", dst, c.from, c.src)
	}
	return goBuild{}, fmt.Errorf("the runtime stage copies nothing to %s", dst)
}

// The image holds what the Jobs run: the shard Job's command is the test
// binary built from the load test, the merge Job's is hlsswarm-merge, both
// run as the manifests' non-root user, beside ffmpeg.
func TestDockerfileBuildsWhatTheJobsRun(t *testing.T) {
	d := mustParseDockerfile(t)
	m := mustLoad(t)
	final := d.stages[len(d.stages)-1]
	shard := oneContainer(t, m.jobs[shardJobName])

	test, err := d.built(shard.Command[0])
	if err != nil {
		t.Errorf("shard Job command %s: %v", shard.Command[0], err)
	} else {
		here, _ := filepath.Abs(".")
		if !test.test || test.dir == "" || !strings.HasSuffix(filepath.ToSlash(here), "/"+test.dir) {
			t.Errorf("shard binary: go test -c in %q; want this module, deploy/kubernetes", test.dir)
		}
		if tests, _ := filepath.Glob(filepath.Join(test.pkg, "*_test.go")); len(tests) == 0 {
			t.Errorf("shard binary: go test -c %s: no test files in this module's %s", test.pkg, test.pkg)
		}
	}
	merge := oneContainer(t, m.jobs[mergeJobName])
	if b, err := d.built(merge.Command[0]); err != nil {
		t.Errorf("merge Job command %s: %v", merge.Command[0], err)
	} else if b.test || b.pkg != "./cmd/hlsswarm-merge" || b.dir != "" {
		t.Errorf("merge binary: %+v; want go build ./cmd/hlsswarm-merge at the repository's root", b)
	} else if _, err := os.Stat("../../cmd/hlsswarm-merge/main.go"); err != nil {
		t.Errorf("merge binary: %v", err)
	}

	if !slices.Equal(final.entrypoint, shard.Command) {
		t.Errorf("ENTRYPOINT %q; want the shard Job's command %q", final.entrypoint, shard.Command)
	}
	shardFlags, _ := flagArgs(shard.Args)
	cmdFlags, err := flagArgs(final.cmd)
	if err != nil || !slices.Equal(cmdFlags["test.run"], shardFlags["test.run"]) {
		t.Errorf("CMD %q; want the shard Job's -test.run %q", final.cmd, shardFlags["test.run"])
	}
	if !slices.Contains(final.installs, "ffmpeg") {
		t.Errorf("the runtime stage installs %q; want ffmpeg", final.installs)
	}
	uid, _, _ := strings.Cut(final.user, ":")
	if uid == "" || uid == "0" || uid == "root" {
		t.Errorf("USER %q; want a non-root user", final.user)
	}
	for _, name := range []string{shardJobName, mergeJobName} {
		sc := m.jobs[name].Spec.Template.Spec.SecurityContext
		if sc == nil || sc.RunAsUser == nil || strconv.FormatInt(*sc.RunAsUser, 10) != uid || sc.RunAsNonRoot == nil || !*sc.RunAsNonRoot {
			t.Errorf("Job %s: securityContext %+v; want runAsNonRoot and runAsUser %s, the image's user", name, sc, uid)
		}
	}
}

func TestGoBuilds(t *testing.T) {
	got := goBuilds(`go build -trimpath -o /out/m ./cmd/m && cd "deploy/k" && go test -c -trimpath -o /out/t.test "./swarm"`)
	want := []goBuild{
		{test: false, out: "/out/m", pkg: "./cmd/m"},
		{test: true, dir: "deploy/k", out: "/out/t.test", pkg: "./swarm"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("goBuilds = %+v; want %+v", got, want)
	}
}
