package kubernetes

import (
	"fmt"
	"net"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"

	"github.com/hlsswarm/hlsswarm/internal/threshold"
	"github.com/hlsswarm/hlsswarm/loadtest"
)

// libraryEnv is every environment variable the library reads from a
// manifest; a HLSSWARM_ name outside it is a misspelling the library would
// silently ignore.
var libraryEnv = []string{
	loadtest.ShardCountEnv,
	loadtest.RunIDEnv,
	loadtest.StartAtEnv,
	loadtest.ReportDirEnv,
	loadtest.PushGatewayEnv,
	loadtest.PrometheusEnv,
}

// runIDPattern is what loadtest accepts as a run id (MaxRunIDLen bytes).
var runIDPattern = regexp.MustCompile(`^[A-Za-z0-9._-]+$`)

// containerEnv resolves a container's environment as the kubelet does:
// envFrom ConfigMaps first, then env in order, with $(NAME) expanded from
// what is defined before it.
func (m *manifests) containerEnv(c corev1.Container) (map[string]string, error) {
	env := map[string]string{}
	for _, src := range c.EnvFrom {
		if src.ConfigMapRef == nil || src.Prefix != "" {
			return nil, fmt.Errorf("container %q: envFrom %+v; want a configMapRef without prefix", c.Name, src)
		}
		cm, ok := m.configMaps[src.ConfigMapRef.Name]
		if !ok {
			return nil, fmt.Errorf("container %q: envFrom ConfigMap %q is not in the manifests", c.Name, src.ConfigMapRef.Name)
		}
		for k, v := range cm.Data {
			env[k] = v
		}
	}
	for _, e := range c.Env {
		if e.ValueFrom != nil {
			return nil, fmt.Errorf("container %q: env %s has valueFrom; want a value", c.Name, e.Name)
		}
		env[e.Name] = expand(e.Value, env)
	}
	return env, nil
}

// expand replaces $(NAME) by env's NAME where it is defined, as Kubernetes
// expands env values, command and args.
func expand(s string, env map[string]string) string {
	return regexp.MustCompile(`\$\(([A-Za-z_][A-Za-z0-9_]*)\)`).ReplaceAllStringFunc(s, func(ref string) string {
		if v, ok := env[ref[2:len(ref)-1]]; ok {
			return v
		}
		return ref
	})
}

// flagArgs splits a test binary's "-name=value" and "-name" args; a
// repeated flag keeps every value in order.
func flagArgs(args []string) (map[string][]string, error) {
	flags := map[string][]string{}
	for _, a := range args {
		if !strings.HasPrefix(a, "-") {
			return nil, fmt.Errorf("arg %q; want -name=value (one arg per flag)", a)
		}
		name, value, _ := strings.Cut(strings.TrimLeft(a, "-"), "=")
		flags[name] = append(flags[name], value)
	}
	return flags, nil
}

func oneContainer(t *testing.T, job *batchv1.Job) corev1.Container {
	t.Helper()
	if n := len(job.Spec.Template.Spec.Containers); n != 1 {
		t.Fatalf("Job %s: %d containers; want 1", job.Name, n)
	}
	return job.Spec.Template.Spec.Containers[0]
}

func TestShardJobIsIndexed(t *testing.T) {
	m := mustLoad(t)
	job, ok := m.jobs[shardJobName]
	if !ok {
		t.Fatalf("no Job %s in the manifests", shardJobName)
	}
	spec := job.Spec
	if spec.CompletionMode == nil || *spec.CompletionMode != batchv1.IndexedCompletion {
		t.Errorf("completionMode = %s; want Indexed: each pod reads its shard from %s", deref(spec.CompletionMode), loadtest.ShardIndexEnv)
	}
	if spec.Completions == nil || spec.Parallelism == nil || *spec.Completions != *spec.Parallelism {
		t.Fatalf("completions = %s, parallelism = %s; want both set and equal: every shard runs at once", deref(spec.Completions), deref(spec.Parallelism))
	}
	env, err := m.containerEnv(oneContainer(t, job))
	if err != nil {
		t.Fatal(err)
	}
	if got, err := strconv.Atoi(env[loadtest.ShardCountEnv]); err != nil || int32(got) != *spec.Completions {
		t.Errorf("%s = %q; want the Job's completions, %d", loadtest.ShardCountEnv, env[loadtest.ShardCountEnv], *spec.Completions)
	}
	if spec.BackoffLimitPerIndex == nil || *spec.BackoffLimitPerIndex != 0 {
		t.Errorf("backoffLimitPerIndex = %s; want 0: a shard run again would load the origin out of step with the run", deref(spec.BackoffLimitPerIndex))
	}
	if p := spec.Template.Spec.RestartPolicy; p != corev1.RestartPolicyNever {
		t.Errorf("restartPolicy = %q; want Never", p)
	}
	if spec.ActiveDeadlineSeconds == nil {
		t.Error("activeDeadlineSeconds is not set; want a bound on the whole Job")
	}
	spread := false
	for _, c := range spec.Template.Spec.TopologySpreadConstraints {
		if c.TopologyKey == corev1.LabelHostname && c.LabelSelector != nil && selects(c.LabelSelector.MatchLabels, spec.Template.Labels) {
			spread = true
		}
	}
	if a := spec.Template.Spec.Affinity; a != nil && a.PodAntiAffinity != nil {
		spread = true
	}
	if !spread {
		t.Error("no topologySpreadConstraints over kubernetes.io/hostname selecting the shard pods, and no podAntiAffinity; want the shards spread over the nodes")
	}
}

// The Job passes, in every pod, the environment the library reads, each
// name spelled as the library spells it, and Kubernetes sets the index.
func TestShardJobEnvironment(t *testing.T) {
	if loadtest.ShardIndexEnv != "JOB_COMPLETION_INDEX" {
		t.Errorf("loadtest.ShardIndexEnv = %q; want JOB_COMPLETION_INDEX, the variable an Indexed Job sets in each pod", loadtest.ShardIndexEnv)
	}
	m := mustLoad(t)
	shard := oneContainer(t, m.jobs[shardJobName])
	env, err := m.containerEnv(shard)
	if err != nil {
		t.Fatal(err)
	}
	for name := range env {
		if strings.HasPrefix(name, "HLSSWARM_") && !slices.Contains(libraryEnv, name) {
			t.Errorf("env %s is not read by the library; want one of %v", name, libraryEnv)
		}
	}
	if _, ok := env[loadtest.ShardIndexEnv]; ok {
		t.Errorf("env %s is set by the manifest; want it left to the Indexed Job, which sets each pod's own", loadtest.ShardIndexEnv)
	}
	for _, name := range []string{loadtest.ShardCountEnv, loadtest.RunIDEnv, loadtest.ReportDirEnv, loadtest.PushGatewayEnv, loadtest.PrometheusEnv} {
		if env[name] == "" {
			t.Errorf("env %s is empty or missing; want it set in every shard pod", name)
		}
	}
	if id := env[loadtest.RunIDEnv]; !runIDPattern.MatchString(id) || len(id) > loadtest.MaxRunIDLen {
		t.Errorf("%s = %q; want letters, digits, '.', '_', '-', at most %d bytes", loadtest.RunIDEnv, id, loadtest.MaxRunIDLen)
	}
	if v := env[loadtest.StartAtEnv]; v != "" {
		if _, err := time.Parse(time.RFC3339Nano, v); err != nil {
			t.Errorf("%s = %q; want empty or an RFC 3339 time", loadtest.StartAtEnv, v)
		}
	}
	for _, tc := range []struct{ env, service string }{
		{loadtest.PushGatewayEnv, pushgatewayName},
		{loadtest.PrometheusEnv, prometheusName},
	} {
		if err := m.pointsAtService(env[tc.env], tc.service); err != nil {
			t.Errorf("%s: %v", tc.env, err)
		}
	}
	if mount, err := reportsMount(m.jobs[shardJobName], shard); err != nil {
		t.Error(err)
	} else if dir := env[loadtest.ReportDirEnv]; !strings.HasPrefix(dir, mount.MountPath+"/") {
		t.Errorf("%s = %q; want a directory on the report volume, mounted at %s", loadtest.ReportDirEnv, dir, mount.MountPath)
	} else if mount.ReadOnly {
		t.Errorf("the shard mounts the report volume read-only; want it writable")
	}
}

// pointsAtService checks that raw is http://<service>:<port> of a Service
// in the manifests.
func (m *manifests) pointsAtService(raw, service string) error {
	u, err := url.Parse(raw)
	if err != nil || u.Scheme != "http" {
		return fmt.Errorf("%q; want http://%s:<port>", raw, service)
	}
	svc, ok := m.services[service]
	if !ok {
		return fmt.Errorf("%q: no Service %s in the manifests", raw, service)
	}
	host, port, err := net.SplitHostPort(u.Host)
	if err != nil || host != service {
		return fmt.Errorf("%q; want the Service's name, http://%s:<port> (same namespace)", raw, service)
	}
	for _, p := range svc.Spec.Ports {
		if strconv.Itoa(int(p.Port)) == port {
			return nil
		}
	}
	return fmt.Errorf("%q: Service %s has no port %s", raw, service, port)
}

// reportsMount returns the container's mount of the report PVC.
func reportsMount(job *batchv1.Job, c corev1.Container) (corev1.VolumeMount, error) {
	for _, v := range job.Spec.Template.Spec.Volumes {
		if v.PersistentVolumeClaim == nil || v.PersistentVolumeClaim.ClaimName != reportsPVCName {
			continue
		}
		for _, vm := range c.VolumeMounts {
			if vm.Name == v.Name {
				return vm, nil
			}
		}
	}
	return corev1.VolumeMount{}, fmt.Errorf("Job %s, container %s: no mount of the PVC %s", job.Name, c.Name, reportsPVCName)
}

// The shard's flags make sense together: a timeout above the run, and
// thresholds the library parses (the global ones with a PromQL form).
func TestShardArgs(t *testing.T) {
	m := mustLoad(t)
	flags, err := flagArgs(oneContainer(t, m.jobs[shardJobName]).Args)
	if err != nil {
		t.Fatal(err)
	}
	dur := func(name string) time.Duration {
		t.Helper()
		if len(flags[name]) != 1 {
			t.Fatalf("-%s given %d times; want once", name, len(flags[name]))
		}
		d, err := time.ParseDuration(flags[name][0])
		if err != nil {
			t.Fatalf("-%s: %v", name, err)
		}
		return d
	}
	run := dur("ramp") + dur("duration")
	if timeout := dur("test.timeout"); timeout < run+5*time.Minute {
		t.Errorf("-test.timeout = %s; want at least -ramp + -duration + 5m = %s (the wait for the common start and the stop)", timeout, run+5*time.Minute)
	}
	if d := *m.jobs[shardJobName].Spec.ActiveDeadlineSeconds; time.Duration(d)*time.Second <= dur("test.timeout") {
		t.Errorf("activeDeadlineSeconds = %d; want above -test.timeout (%s), with time to schedule the pods", d, dur("test.timeout"))
	}
	if len(flags["threshold"]) == 0 {
		t.Error("no -threshold; want the thresholds the merge Job checks on the whole run")
	}
	if _, err := threshold.Parse(flags["threshold"]...); err != nil {
		t.Errorf("-threshold: %v", err)
	}
	set, err := threshold.Parse(flags["global-threshold"]...)
	if err != nil {
		t.Fatalf("-global-threshold: %v", err)
	}
	now := time.Now()
	for _, th := range set.Thresholds() {
		if _, err := th.PromQL(threshold.PromRun{Selector: `run_id="r"`, Start: now}, now.Add(time.Minute)); err != nil {
			t.Errorf("-global-threshold: %v", err)
		}
	}
}

func selects(selector, labels map[string]string) bool {
	if len(selector) == 0 {
		return false
	}
	for k, v := range selector {
		if labels[k] != v {
			return false
		}
	}
	return true
}

// deref prints an optional field's value, or "unset".
func deref[T any](p *T) string {
	if p == nil {
		return "unset"
	}
	return fmt.Sprint(*p)
}
