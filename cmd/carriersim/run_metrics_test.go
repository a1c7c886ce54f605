package main

import (
	"context"
	"errors"
	"io"
	"net/http"
	"regexp"
	"strconv"
	"testing"
	"time"

	"github.com/carriersim/carriersim/scenarios"
)

// TestGeneratorMetrics scrapes a running scenario's /metrics over HTTP and
// finds its Gy generator's counters moving.
func TestGeneratorMetrics(t *testing.T) {
	sc, err := scenarios.Open("smoke")
	if err != nil {
		t.Fatal(err)
	}
	sc.Compress(0.05)
	r := scenarios.NewRunner(sc, scenarios.Options{OutDir: t.TempDir(), Backends: scenarios.DefaultBackends})
	addr, stop, err := serveGeneratorMetrics("127.0.0.1:0", r)
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	done := make(chan error, 1)
	go func() { _, _, err := r.Run(context.Background()); done <- err }()
	sent := regexp.MustCompile(`(?m)^carriersim_load_requests_sent_total\{interface="gy"\} (\d+)`)
	var seen bool
	for deadline := time.Now().Add(20 * time.Second); !seen && time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		resp, err := http.Get("http://" + addr + "/metrics")
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if m := sent.FindSubmatch(b); m != nil {
			n, _ := strconv.Atoi(string(m[1]))
			seen = n > 0
		}
	}
	if !seen {
		t.Error("no Gy requests counted in carriersim_load_requests_sent_total during the run")
	}
	if err := <-done; err != nil && !errors.Is(err, scenarios.ErrThresholds) {
		t.Fatal(err)
	}
}
