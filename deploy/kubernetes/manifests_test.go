package kubernetes

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/yaml"
)

// kustomization is the part of a kustomization.yaml the manifests use;
// decoding it strictly refuses any other field.
type kustomization struct {
	APIVersion string   `json:"apiVersion"`
	Kind       string   `json:"kind"`
	Resources  []string `json:"resources"`
	Images     []struct {
		Name    string `json:"name"`
		NewName string `json:"newName"`
		NewTag  string `json:"newTag"`
	} `json:"images"`
}

// manifests is every object of the run, by kind and name.
type manifests struct {
	kustomization kustomization
	jobs          map[string]*batchv1.Job
	deployments   map[string]*appsv1.Deployment
	services      map[string]*corev1.Service
	configMaps    map[string]*corev1.ConfigMap
	pvcs          map[string]*corev1.PersistentVolumeClaim
}

// The objects the tests look up by name.
const (
	shardJobName       = "hlsswarm-shards"
	mergeJobName       = "hlsswarm-merge"
	runConfigName      = "hlsswarm-run"
	reportsPVCName     = "hlsswarm-reports"
	pushgatewayName    = "hlsswarm-pushgateway"
	prometheusName     = "hlsswarm-prometheus"
	prometheusFileName = "prometheus.yml"
)

// loadManifests reads the kustomization in dir and every resource it
// lists, decoding each YAML document strictly into the API type of its
// apiVersion and kind.
func loadManifests(dir string) (*manifests, error) {
	m := newManifests()
	raw, err := os.ReadFile(filepath.Join(dir, "kustomization.yaml"))
	if err != nil {
		return nil, err
	}
	if err := yaml.UnmarshalStrict(raw, &m.kustomization); err != nil {
		return nil, fmt.Errorf("kustomization.yaml: %w", err)
	}
	k := m.kustomization
	if k.APIVersion != "kustomize.config.k8s.io/v1beta1" || k.Kind != "Kustomization" {
		return nil, fmt.Errorf("kustomization.yaml: apiVersion %q, kind %q; want kustomize.config.k8s.io/v1beta1 Kustomization", k.APIVersion, k.Kind)
	}
	for _, res := range k.Resources {
		raw, err := os.ReadFile(filepath.Join(dir, res))
		if err != nil {
			return nil, fmt.Errorf("kustomization.yaml resources: %w", err)
		}
		for i, doc := range splitDocuments(raw) {
			if err := m.add(doc); err != nil {
				return nil, fmt.Errorf("%s, document %d: %w", res, i+1, err)
			}
		}
	}
	return m, nil
}

func newManifests() *manifests {
	return &manifests{
		jobs:        map[string]*batchv1.Job{},
		deployments: map[string]*appsv1.Deployment{},
		services:    map[string]*corev1.Service{},
		configMaps:  map[string]*corev1.ConfigMap{},
		pvcs:        map[string]*corev1.PersistentVolumeClaim{},
	}
}

// splitDocuments splits a YAML stream on its "---" lines, leaving out
// documents that hold only comments or nothing.
func splitDocuments(raw []byte) [][]byte {
	var docs [][]byte
	for _, doc := range regexp.MustCompile(`(?m)^---[ \t]*$`).Split(string(raw), -1) {
		for _, line := range strings.Split(doc, "\n") {
			if l := strings.TrimSpace(line); l != "" && !strings.HasPrefix(l, "#") {
				docs = append(docs, []byte(doc))
				break
			}
		}
	}
	return docs
}

// add decodes one document strictly (unknown and duplicated fields are
// errors) into the typed object of its kind.
func (m *manifests) add(doc []byte) error {
	var tm metav1.TypeMeta
	if err := yaml.Unmarshal(doc, &tm); err != nil {
		return err
	}
	var (
		obj  any
		name func() string
	)
	switch gvk := tm.APIVersion + " " + tm.Kind; gvk {
	case "batch/v1 Job":
		o := new(batchv1.Job)
		obj, name = o, func() string { m.jobs[o.Name] = o; return o.Name }
	case "apps/v1 Deployment":
		o := new(appsv1.Deployment)
		obj, name = o, func() string { m.deployments[o.Name] = o; return o.Name }
	case "v1 Service":
		o := new(corev1.Service)
		obj, name = o, func() string { m.services[o.Name] = o; return o.Name }
	case "v1 ConfigMap":
		o := new(corev1.ConfigMap)
		obj, name = o, func() string { m.configMaps[o.Name] = o; return o.Name }
	case "v1 PersistentVolumeClaim":
		o := new(corev1.PersistentVolumeClaim)
		obj, name = o, func() string { m.pvcs[o.Name] = o; return o.Name }
	default:
		return fmt.Errorf("apiVersion %q, kind %q; want one of batch/v1 Job, apps/v1 Deployment, v1 Service, v1 ConfigMap, v1 PersistentVolumeClaim", tm.APIVersion, tm.Kind)
	}
	if err := yaml.UnmarshalStrict(doc, obj); err != nil {
		return fmt.Errorf("%s %s: %w", tm.APIVersion, tm.Kind, err)
	}
	if name() == "" {
		return fmt.Errorf("%s %s without metadata.name", tm.APIVersion, tm.Kind)
	}
	return nil
}

func mustLoad(t *testing.T) *manifests {
	t.Helper()
	m, err := loadManifests(".")
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func TestKustomizationListsEveryManifest(t *testing.T) {
	m := mustLoad(t)
	files, err := filepath.Glob("*.yaml")
	if err != nil {
		t.Fatal(err)
	}
	files = slices.DeleteFunc(files, func(f string) bool { return f == "kustomization.yaml" })
	res := slices.Sorted(slices.Values(m.kustomization.Resources))
	if !slices.Equal(files, res) {
		t.Errorf("kustomization.yaml resources = %v; want every manifest of the directory, %v", res, files)
	}
	for _, img := range m.kustomization.Images {
		if img.NewTag == "" || img.NewTag == "latest" {
			t.Errorf("kustomization.yaml image %q: newTag = %q; want a pinned tag", img.Name, img.NewTag)
		}
	}
}

// The loader must refuse what a cluster would refuse, or what it would
// silently drop: a check that cannot fail proves nothing.
func TestLoaderRefuses(t *testing.T) {
	for _, tc := range []struct {
		name, doc, want string
	}{
		{"unknown field", "apiVersion: batch/v1\nkind: Job\nmetadata:\n  name: x\nspec:\n  completionMod: Indexed\n", `unknown field "completionMod"`},
		{"misplaced field", "apiVersion: v1\nkind: Service\nmetadata:\n  name: x\nselector:\n  a: b\n", `unknown field "selector"`},
		{"duplicated field", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\ndata:\n  a: b\ndata:\n  c: d\n", `"data" already set`},
		{"unknown kind", "apiVersion: batch/v1\nkind: CronJob\nmetadata:\n  name: x\n", `kind "CronJob"`},
		{"no name", "apiVersion: v1\nkind: ConfigMap\ndata:\n  a: b\n", "without metadata.name"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := newManifests().add([]byte(tc.doc))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("add(%q) = %v; want an error containing %q", tc.doc, err, tc.want)
			}
		})
	}
}

func TestSplitDocuments(t *testing.T) {
	in := "# comment only\n---\na: 1\n---  \n\n---\n# c\nb: 2\n"
	got := splitDocuments([]byte(in))
	if len(got) != 2 || !bytes.Contains(got[0], []byte("a: 1")) || !bytes.Contains(got[1], []byte("b: 2")) {
		t.Errorf("splitDocuments(%q) = %q; want the documents a: 1 and b: 2", in, got)
	}
}
