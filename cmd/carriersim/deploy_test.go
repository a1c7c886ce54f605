package main

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/carriersim/carriersim/scenarios"
)

// The deployment in deploy/ cannot run here; these tests check what can be
// checked without a cluster: every manifest parses, the pieces agree with
// each other (shard counts, ports, names, the population), and the routing
// agent's rules send every IMSI to the carrier shard that owns it.

// k8sObject is the part of a manifest the tests read.
type k8sObject struct {
	Kind     string `yaml:"kind"`
	Metadata struct {
		Name   string            `yaml:"name"`
		Labels map[string]string `yaml:"labels"`
	} `yaml:"metadata"`
	Spec struct {
		// Service
		ClusterIP string    `yaml:"clusterIP"`
		Selector  yaml.Node `yaml:"selector"`
		Ports     []k8sPort `yaml:"ports"`
		// StatefulSet, Job
		ServiceName    string  `yaml:"serviceName"`
		Replicas       *int    `yaml:"replicas"`
		CompletionMode string  `yaml:"completionMode"`
		Completions    *int    `yaml:"completions"`
		Parallelism    *int    `yaml:"parallelism"`
		Template       podTmpl `yaml:"template"`
	} `yaml:"spec"`
}

type k8sPort struct {
	Name          string `yaml:"name"`
	Port          int    `yaml:"port"`
	ContainerPort int    `yaml:"containerPort"`
	Protocol      string `yaml:"protocol"`
}

type podTmpl struct {
	Metadata struct {
		Labels map[string]string `yaml:"labels"`
	} `yaml:"metadata"`
	Spec struct {
		SecurityContext struct {
			RunAsNonRoot bool `yaml:"runAsNonRoot"`
		} `yaml:"securityContext"`
		Containers []struct {
			Name  string   `yaml:"name"`
			Image string   `yaml:"image"`
			Args  []string `yaml:"args"`
			Env   []struct {
				Name  string `yaml:"name"`
				Value string `yaml:"value"`
			} `yaml:"env"`
			Ports        []k8sPort `yaml:"ports"`
			VolumeMounts []struct {
				Name        string `yaml:"name"`
				MountPath   string `yaml:"mountPath"`
				SubPathExpr string `yaml:"subPathExpr"`
			} `yaml:"volumeMounts"`
		} `yaml:"containers"`
	} `yaml:"spec"`
}

func (p *podTmpl) env(name string) string {
	for _, e := range p.Spec.Containers[0].Env {
		if e.Name == name {
			return e.Value
		}
	}
	return ""
}

func (p *podTmpl) arg(prefix string) string {
	for _, a := range p.Spec.Containers[0].Args {
		if v, ok := strings.CutPrefix(a, prefix); ok {
			return v
		}
	}
	return ""
}

// readManifests decodes every document of deploy/k8s/*.yaml strictly
// enough to catch a broken file: each must parse and have a kind and name.
func readManifests(t *testing.T) map[string]*k8sObject {
	t.Helper()
	files, _ := filepath.Glob("deploy/k8s/*.yaml")
	if len(files) < 4 {
		t.Fatalf("manifests: %v", files)
	}
	objs := map[string]*k8sObject{}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		dec := yaml.NewDecoder(bytes.NewReader(b))
		for i := 0; ; i++ {
			var o k8sObject
			err := dec.Decode(&o)
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				t.Fatalf("%s: document %d: %v", f, i, err)
			}
			if o.Kind == "" || o.Metadata.Name == "" {
				t.Fatalf("%s: document %d: no kind or name", f, i)
			}
			key := o.Kind + "/" + o.Metadata.Name
			if objs[key] != nil {
				t.Fatalf("%s: %s defined twice", f, key)
			}
			objs[key] = &o
		}
	}
	return objs
}

func TestDeployManifestsAgree(t *testing.T) {
	objs := readManifests(t)
	get := func(key string) *k8sObject {
		o := objs[key]
		if o == nil {
			t.Fatalf("no %s in deploy/k8s", key)
		}
		return o
	}

	// The load: an Indexed Job, all shards at once, its shard count in
	// CARRIERSIM_SHARDS, a start, and a folder per shard on the volume.
	job := get("Job/carriersim-load")
	tmpl := &job.Spec.Template
	n := *job.Spec.Completions
	if job.Spec.CompletionMode != "Indexed" || job.Spec.Parallelism == nil || *job.Spec.Parallelism != n ||
		tmpl.env("CARRIERSIM_SHARDS") != strconv.Itoa(n) {
		t.Errorf("load Job: mode %q, completions %d, parallelism %v, CARRIERSIM_SHARDS %q",
			job.Spec.CompletionMode, n, job.Spec.Parallelism, tmpl.env("CARRIERSIM_SHARDS"))
	}
	if _, _, err := parseShardEnv(t, "0", tmpl.env("CARRIERSIM_SHARDS")); err != nil {
		t.Errorf("load Job environment: %v", err)
	}
	if tmpl.env("CARRIERSIM_START_AT") == "" || tmpl.Spec.Containers[0].Args[0] != "run" || !tmpl.Spec.SecurityContext.RunAsNonRoot {
		t.Errorf("load Job: start %q, args %v", tmpl.env("CARRIERSIM_START_AT"), tmpl.Spec.Containers[0].Args)
	}
	shardDir := false
	for _, m := range tmpl.Spec.Containers[0].VolumeMounts {
		shardDir = shardDir || (m.Name == "results" && strings.Contains(m.SubPathExpr, "$(JOB_COMPLETION_INDEX)"))
	}
	if !shardDir {
		t.Error("load Job: the results volume is not mounted per shard (subPathExpr with $(JOB_COMPLETION_INDEX))")
	}
	merge := get("Job/carriersim-merge")
	if a := merge.Spec.Template.Spec.Containers[0].Args; len(a) < 2 || a[0] != "results" || a[1] != "merge" ||
		merge.Spec.Template.env("RUN_ID") != tmpl.env("RUN_ID") {
		t.Errorf("merge Job: args %v, RUN_ID %q (load: %q)", a, merge.Spec.Template.env("RUN_ID"), tmpl.env("RUN_ID"))
	}

	// The carrier: a StatefulSet of serve --shard $(POD_INDEX)/N with N
	// replicas behind its headless Service.
	sts := get("StatefulSet/carriersim-carrier")
	ct := &sts.Spec.Template
	shards := *sts.Spec.Replicas
	if ct.Spec.Containers[0].Args[0] != "serve" || ct.arg("--shard=") != "$(POD_INDEX)/"+strconv.Itoa(shards) {
		t.Errorf("carrier: args %v with %d replicas", ct.Spec.Containers[0].Args, shards)
	}
	headless := get("Service/" + sts.Spec.ServiceName)
	if headless.Spec.ClusterIP != "None" {
		t.Errorf("carrier: Service %s is not headless", sts.Spec.ServiceName)
	}
	// A Service per interface, each port one the pods expose.
	exposed := map[string]bool{}
	for _, p := range ct.Spec.Containers[0].Ports {
		exposed[fmt.Sprintf("%d/%s", p.ContainerPort, p.Protocol)] = true
	}
	for svc, port := range map[string]string{"carriersim-gy": "3868/TCP", "carriersim-gtpc": "2123/UDP",
		"carriersim-gtpu": "2152/UDP", "carriersim-api": "8080/TCP", "carriersim-metrics": "9090/TCP"} {
		s := get("Service/" + svc)
		if len(s.Spec.Ports) != 1 || fmt.Sprintf("%d/%s", s.Spec.Ports[0].Port, s.Spec.Ports[0].Protocol) != port || !exposed[port] {
			t.Errorf("Service %s: ports %+v, want %s exposed by the carrier", svc, s.Spec.Ports, port)
		}
		var sel map[string]string
		if err := s.Spec.Selector.Decode(&sel); err != nil || !matches(sel, ct.Metadata.Labels) {
			t.Errorf("Service %s selects %v, not the carrier's pods %v", svc, sel, ct.Metadata.Labels)
		}
	}
	for _, port := range []string{"3868/TCP", "2123/UDP", "2152/UDP", "8080/TCP", "9090/TCP"} {
		found := false
		for _, p := range headless.Spec.Ports {
			found = found || fmt.Sprintf("%d/%s", p.Port, p.Protocol) == port
		}
		if !found {
			t.Errorf("headless Service lacks %s", port)
		}
	}
	dra := get("Service/carriersim-dra")
	var sel map[string]string
	if err := dra.Spec.Selector.Decode(&sel); err != nil || !matches(sel, get("Deployment/carriersim-dra").Spec.Template.Metadata.Labels) {
		t.Errorf("Service carriersim-dra selects %v", sel)
	}

	// The scenario the Job runs: valid, Gy through the routing agent with
	// User-Name, on the carrier's population.
	sc, err := scenarios.Load("deploy/scenario.toml")
	if err != nil {
		t.Fatal(err)
	}
	if sims := ct.arg("--sims="); sims != strconv.Itoa(sc.Sim.Population.Count) {
		t.Errorf("carrier --sims=%s, scenario population.count %d", sims, sc.Sim.Population.Count)
	}
	if !sc.Carrier.External || !sc.Carrier.UserName || len(sc.Carrier.Gy) != 1 || !strings.HasPrefix(sc.Carrier.Gy[0], "carriersim-dra:") {
		t.Errorf("scenario carrier %+v: want external, user_name, gy = the routing agent", sc.Carrier)
	}
	host := strings.TrimPrefix(ct.arg("--origin-host="), "$(POD_NAME)")
	if host == ct.arg("--origin-host=") || "."+sc.Carrier.DestinationRealm != host {
		t.Errorf("carrier origin host %q; want $(POD_NAME).<the scenario's destination_realm %s>", ct.arg("--origin-host="), sc.Carrier.DestinationRealm)
	}

	// The routing agent's configuration: a peer per shard, and the rules.
	conf, err := os.ReadFile("deploy/freediameter/freeDiameter.conf")
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < shards; i++ {
		want := fmt.Sprintf(`ConnectPeer = "carriersim-carrier-%d%s" { ConnectTo = "carriersim-carrier-%d.%s";`, i, host, i, sts.Spec.ServiceName)
		if !strings.Contains(string(conf), want) {
			t.Errorf("freeDiameter.conf lacks %s", want)
		}
	}
	if strings.Count(string(conf), "ConnectPeer =") != shards {
		t.Errorf("freeDiameter.conf: %d peers for %d shards", strings.Count(string(conf), "ConnectPeer ="), shards)
	}
	for _, ext := range []string{`"rt_default.fdx" : "/etc/freeDiameter/rt_default.conf"`, `"acl_wl.fdx" : "/etc/freeDiameter/acl_wl.conf"`, "TLS_Cred", "No_TLS"} {
		if !strings.Contains(string(conf), ext) {
			t.Errorf("freeDiameter.conf lacks %s", ext)
		}
	}
	acl, _ := os.ReadFile("deploy/freediameter/acl_wl.conf")
	if !strings.Contains(string(acl), "ALLOW_IPSEC *."+sc.Carrier.OriginHost) {
		t.Errorf("acl_wl.conf does not let the load shards (*.%s) in: %s", sc.Carrier.OriginHost, acl)
	}
	if h := scenarios.ShardOriginHost(sc.Carrier.OriginHost, 3); !strings.HasSuffix(h, "."+sc.Carrier.OriginHost) {
		t.Errorf("shard origin host %q", h)
	}
	checkRouting(t, shards, sc.Sim.Population.Count, 460_040_000_000_000, host)

	// GTP: a route per carrier shard, its range the shard's, to the
	// shard's own address through the headless Service.
	if len(sc.Carrier.GTPRoutes) != shards {
		t.Errorf("scenario gtpc_routes: %d routes for %d shards", len(sc.Carrier.GTPRoutes), shards)
	}
	for i, r := range sc.Carrier.GTPRoutes {
		sims := sc.Sim.Population.Count
		lo := 460_040_000_000_000 + uint64(sims*i/shards)
		hi := 460_040_000_000_000 + uint64(sims*(i+1)/shards) - 1
		addr := fmt.Sprintf("carriersim-carrier-%d.%s:", i, sts.Spec.ServiceName)
		if r.FirstIMSI != lo || r.LastIMSI != hi || r.GTPC != addr+"2123" || r.GTPU != addr+"2152" {
			t.Errorf("gtpc_routes[%d] = %+v; want %d…%d at %s2123 and %s2152", i, r, lo, hi, addr, addr)
		}
	}

	docker, err := os.ReadFile("deploy/Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"CGO_ENABLED=0", "./cmd/carriersim", "USER 65532", "AS build", "COPY --from=build"} {
		if !strings.Contains(string(docker), want) {
			t.Errorf("Dockerfile lacks %q", want)
		}
	}
}

func matches(sel, labels map[string]string) bool {
	for k, v := range sel {
		if labels[k] != v {
			return false
		}
	}
	return len(sel) > 0
}

func parseShardEnv(t *testing.T, idx, cnt string) (int, int, error) {
	t.Helper()
	t.Setenv("JOB_COMPLETION_INDEX", idx)
	t.Setenv("CARRIERSIM_SHARDS", cnt)
	return parseShard("")
}

// rtRule is one rule of rt_default.conf with a User-Name criterion.
type rtRule struct {
	un      *regexp.Regexp
	target  string         // exact identity, or
	pattern *regexp.Regexp // a pattern of identities
	score   string
	line    int
}

var rtLine = regexp.MustCompile(`^un=\["([^"]*)"\]\s*:\s*(?:"([^"]*)"|\["([^"]*)"\])\s*\+=\s*([A-Z_]+|-?[0-9]+)\s*;$`)

// checkRouting reads rt_default.conf and checks, at the edges of every
// shard's IMSI range and inside it, that exactly one rule gives the card's
// owner FINALDEST and that every other shard gets NO_DELIVERY. The regular
// expressions are POSIX extended ones of the simple kind Go's regexp reads
// alike (anchors, classes, bounded repeats, alternation).
func checkRouting(t *testing.T, shards, sims int, firstIMSI uint64, hostSuffix string) {
	t.Helper()
	f, err := os.Open("deploy/freediameter/rt_default.conf")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var rules []rtRule
	sc := bufio.NewScanner(f)
	for line := 1; sc.Scan(); line++ {
		text := strings.TrimSpace(sc.Text())
		if text == "" || strings.HasPrefix(text, "#") {
			continue
		}
		m := rtLine.FindStringSubmatch(text)
		if m == nil {
			t.Fatalf("rt_default.conf:%d: want un=[\"regex\"] : \"peer\" += SCORE ; got %q", line, text)
		}
		r := rtRule{un: regexp.MustCompile(m[1]), target: m[2], score: m[4], line: line}
		if m[3] != "" {
			r.pattern = regexp.MustCompile(m[3])
		}
		rules = append(rules, r)
	}
	peer := func(i int) string { return fmt.Sprintf("carriersim-carrier-%d%s", i, hostSuffix) }
	for owner := 0; owner < shards; owner++ {
		lo, hi := sims*owner/shards, sims*(owner+1)/shards
		for _, idx := range []int{lo, lo + 1, (lo + hi) / 2, hi - 2, hi - 1} {
			imsi := strconv.FormatUint(firstIMSI+uint64(idx), 10)
			scores := map[int][]string{}
			for _, r := range rules {
				if !r.un.MatchString(imsi) {
					continue
				}
				for i := 0; i < shards; i++ {
					if r.target == peer(i) || r.pattern != nil && r.pattern.MatchString(peer(i)) {
						scores[i] = append(scores[i], r.score)
					}
				}
			}
			for i := 0; i < shards; i++ {
				want := "NO_DELIVERY"
				if i == owner {
					want = "FINALDEST"
				}
				if len(scores[i]) != 1 || scores[i][0] != want {
					t.Errorf("IMSI %s (card %d, shard %d): shard %d scores %v, want %s", imsi, idx, owner, i, scores[i], want)
				}
			}
		}
	}
	// Outside the population no rule applies.
	for _, imsi := range []uint64{firstIMSI - 1, firstIMSI + uint64(sims)} {
		for _, r := range rules {
			if r.un.MatchString(strconv.FormatUint(imsi, 10)) {
				t.Errorf("rt_default.conf:%d matches IMSI %d, outside the population", r.line, imsi)
			}
		}
	}
}
