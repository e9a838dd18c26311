package kubernetes

import (
	"fmt"
	"path"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/util/intstr"
	"sigs.k8s.io/yaml"

	"github.com/hlsswarm/hlsswarm/loadtest"
)

// podSpecs returns every pod template of the manifests, by workload.
func (m *manifests) podSpecs() map[string]corev1.PodSpec {
	pods := map[string]corev1.PodSpec{}
	for name, j := range m.jobs {
		pods["Job "+name] = j.Spec.Template.Spec
	}
	for name, d := range m.deployments {
		pods["Deployment "+name] = d.Spec.Template.Spec
	}
	return pods
}

// Every container states what it needs and may use, and runs an image of
// a pinned version.
func TestContainersArePinnedAndSized(t *testing.T) {
	m := mustLoad(t)
	for workload, pod := range m.podSpecs() {
		for _, c := range slices.Concat(pod.InitContainers, pod.Containers) {
			where := workload + ", container " + c.Name
			if err := pinned(c.Image); err != nil {
				t.Errorf("%s: %v", where, err)
			}
			for _, r := range []corev1.ResourceName{corev1.ResourceCPU, corev1.ResourceMemory} {
				req, okReq := c.Resources.Requests[r]
				lim, okLim := c.Resources.Limits[r]
				if !okReq || !okLim {
					t.Errorf("%s: %s request %v, limit %v; want both set", where, r, req.String(), lim.String())
				} else if lim.Cmp(req) < 0 {
					t.Errorf("%s: %s limit %s below its request %s", where, r, lim.String(), req.String())
				}
			}
		}
	}
}

// pinned accepts name:tag (tag not latest) and name@digest.
func pinned(image string) error {
	if strings.Contains(image, "@sha256:") {
		return nil
	}
	_, tag, ok := strings.Cut(path.Base(image), ":")
	if !ok || tag == "" || tag == "latest" {
		return fmt.Errorf("image %q; want a pinned tag (name:version) or digest, not latest", image)
	}
	return nil
}

func TestPinned(t *testing.T) {
	for _, tc := range []struct {
		image string
		ok    bool
	}{
		{"prom/prometheus:v2.55.1", true},
		{"registry.example.com:5000/hlsswarm:1", true},
		{"hlsswarm@sha256:0123", true},
		{"prom/prometheus", false},
		{"prom/prometheus:latest", false},
		{"registry.example.com:5000/hlsswarm", false},
	} {
		if err := pinned(tc.image); (err == nil) != tc.ok {
			t.Errorf("pinned(%q) = %v; want ok = %v", tc.image, err, tc.ok)
		}
	}
}

// What a shard pod must hold per live ffmpeg viewer (the upper end of the
// README's Performance figures), and for the harness itself.
const (
	viewerCPUMillis  = 5
	viewerMemory     = 13 << 20
	harnessMemory    = 256 << 20
	maxViewersPerPod = 200 // a 2-core machine held 100 live viewers, not 200
)

// A shard pod is sized for its share of the run's viewers.
func TestShardPodFitsItsViewers(t *testing.T) {
	m := mustLoad(t)
	job := m.jobs[shardJobName]
	c := oneContainer(t, job)
	flags, err := flagArgs(c.Args)
	if err != nil {
		t.Fatal(err)
	}
	if len(flags["clients"]) != 1 {
		t.Fatalf("-clients given %d times; want once", len(flags["clients"]))
	}
	clients, err := strconv.Atoi(flags["clients"][0])
	if err != nil || clients < 1 || clients > loadtest.MaxClients {
		t.Fatalf("-clients = %v; want 1..%d", flags["clients"], loadtest.MaxClients)
	}
	shards := int(*job.Spec.Completions)
	perPod := (clients + shards - 1) / shards
	if perPod > maxViewersPerPod {
		t.Errorf("%d viewers per pod (-clients %d over %d shards); want at most %d: add shards", perPod, clients, shards, maxViewersPerPod)
	}
	cpu := c.Resources.Requests[corev1.ResourceCPU]
	if want := resource.NewMilliQuantity(int64(perPod*viewerCPUMillis), resource.DecimalSI); cpu.Cmp(*want) < 0 {
		t.Errorf("cpu request %s; want at least %s for %d viewers", cpu.String(), want, perPod)
	}
	mem := c.Resources.Limits[corev1.ResourceMemory]
	if want := resource.NewQuantity(int64(perPod*viewerMemory+harnessMemory), resource.BinarySI); mem.Cmp(*want) < 0 {
		t.Errorf("memory limit %s; want at least %s for %d viewers", mem.String(), want, perPod)
	}
}

// Each Service selects the pods of exactly one Deployment, on a port its
// container declares.
func TestServicesSelectTheirDeployments(t *testing.T) {
	m := mustLoad(t)
	for name, svc := range m.services {
		var matched []string
		for dname, d := range m.deployments {
			if selects(svc.Spec.Selector, d.Spec.Template.Labels) {
				matched = append(matched, dname)
				for _, p := range svc.Spec.Ports {
					if !declaresPort(d.Spec.Template.Spec.Containers, p.TargetPort) {
						t.Errorf("Service %s port %s: target %s is no container port of Deployment %s", name, p.Name, p.TargetPort.String(), dname)
					}
				}
			}
		}
		if len(matched) != 1 {
			t.Errorf("Service %s selects the pods of %v; want exactly one Deployment", name, matched)
		}
	}
	for name, d := range m.deployments {
		if !selects(d.Spec.Selector.MatchLabels, d.Spec.Template.Labels) {
			t.Errorf("Deployment %s: selector %v does not select its pod labels %v", name, d.Spec.Selector.MatchLabels, d.Spec.Template.Labels)
		}
	}
}

func declaresPort(cs []corev1.Container, target intstr.IntOrString) bool {
	for _, c := range cs {
		for _, p := range c.Ports {
			if (target.Type == intstr.String && p.Name == target.StrVal) || (target.Type == intstr.Int && p.ContainerPort == target.IntVal) {
				return true
			}
		}
	}
	return false
}

// promConfig is the part of prometheus.yml the run uses; decoding it
// strictly refuses any other field.
type promConfig struct {
	Global struct {
		ScrapeInterval     string `json:"scrape_interval"`
		EvaluationInterval string `json:"evaluation_interval"`
	} `json:"global"`
	ScrapeConfigs []struct {
		JobName        string `json:"job_name"`
		HonorLabels    bool   `json:"honor_labels"`
		ScrapeInterval string `json:"scrape_interval"`
		StaticConfigs  []struct {
			Targets []string `json:"targets"`
		} `json:"static_configs"`
	} `json:"scrape_configs"`
}

// Prometheus scrapes the Pushgateway as the library needs: honor_labels
// (the shards' run_id and shard stay), often enough for live thresholds,
// native histograms on, and the config file it reads is the ConfigMap's.
func TestPrometheusScrapesThePushgateway(t *testing.T) {
	m := mustLoad(t)
	cm, ok := m.configMaps[prometheusName]
	if !ok {
		t.Fatalf("no ConfigMap %s", prometheusName)
	}
	var cfg promConfig
	if err := yaml.UnmarshalStrict([]byte(cm.Data[prometheusFileName]), &cfg); err != nil {
		t.Fatalf("ConfigMap %s, %s: %v", prometheusName, prometheusFileName, err)
	}
	svc, ok := m.services[pushgatewayName]
	if !ok || len(svc.Spec.Ports) != 1 {
		t.Fatalf("Service %s: want one with one port", pushgatewayName)
	}
	target := fmt.Sprintf("%s:%d", pushgatewayName, svc.Spec.Ports[0].Port)
	found := false
	for _, sc := range cfg.ScrapeConfigs {
		for _, st := range sc.StaticConfigs {
			if !slices.Contains(st.Targets, target) {
				continue
			}
			found = true
			if !sc.HonorLabels {
				t.Errorf("scrape job %s of %s: honor_labels is false; want true, or Prometheus renames the shards' job and instance labels", sc.JobName, target)
			}
			interval := sc.ScrapeInterval
			if interval == "" {
				interval = cfg.Global.ScrapeInterval
			}
			if d, err := time.ParseDuration(interval); err != nil || d > loadtest.DefaultPushInterval {
				t.Errorf("scrape job %s: interval %q; want at most the push interval, %s", sc.JobName, interval, loadtest.DefaultPushInterval)
			}
		}
	}
	if !found {
		t.Errorf("prometheus.yml scrapes no %s; want the Pushgateway Service", target)
	}

	d, ok := m.deployments[prometheusName]
	if !ok || len(d.Spec.Template.Spec.Containers) != 1 {
		t.Fatalf("Deployment %s: want one with one container", prometheusName)
	}
	c := d.Spec.Template.Spec.Containers[0]
	var features []string
	configFile := ""
	for _, a := range c.Args {
		if v, ok := strings.CutPrefix(a, "--enable-feature="); ok {
			features = append(features, strings.Split(v, ",")...)
		}
		if v, ok := strings.CutPrefix(a, "--config.file="); ok {
			configFile = v
		}
	}
	if !slices.Contains(features, "native-histograms") {
		t.Errorf("Prometheus args %q; want --enable-feature=native-histograms (latency percentiles across shards)", c.Args)
	}
	if want := configMapFile(d.Spec.Template.Spec, c, prometheusName, prometheusFileName); configFile == "" || configFile != want {
		t.Errorf("--config.file = %q; want the ConfigMap's %s, mounted at %q", configFile, prometheusFileName, want)
	}
}

// configMapFile returns where container c sees key of ConfigMap name, or "".
func configMapFile(pod corev1.PodSpec, c corev1.Container, name, key string) string {
	for _, v := range pod.Volumes {
		if v.ConfigMap == nil || v.ConfigMap.Name != name {
			continue
		}
		for _, vm := range c.VolumeMounts {
			if vm.Name == v.Name && vm.SubPath == "" {
				return path.Join(vm.MountPath, key)
			}
		}
	}
	return ""
}
