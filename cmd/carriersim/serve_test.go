package main

import (
	"bufio"
	"bytes"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestServeCommand builds the binary, runs `carriersim serve` on ephemeral
// loopback ports, waits for the addresses it prints, uses the API, and
// stops it with SIGTERM: it must exit 0 and leave its state file.
func TestServeCommand(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	t.Parallel()
	tmp := t.TempDir()
	bin := commandBinary(t)
	state := filepath.Join(tmp, "carrier.state")
	cmd := exec.Command(bin, "serve", "--gy", "127.0.0.1:0", "--gtpc", "127.0.0.1:0", "--gtpu", "127.0.0.1:0",
		"--api", "127.0.0.1:0", "--sims", "1000", "--state", state)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	lines := make(chan string, 4)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	var ready string
	select {
	case ready = <-lines:
	case <-time.After(30 * time.Second):
		t.Fatalf("serve printed no addresses; stderr: %s", stderr.String())
	}
	m := regexp.MustCompile(`^carriersim serve: listening on gy=\S+ gtpc=\S+ gtpu=\S+ api=(\S+) metrics=(\S+) \(1000 cards\)$`).FindStringSubmatch(ready)
	if m == nil {
		t.Fatalf("first line %q", ready)
	}
	res, err := http.Get(m[1] + "/v1/cards/460040000000007")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusOK || !strings.Contains(string(body), `"imsi":"460040000000007"`) {
		t.Fatalf("API: %d %s", res.StatusCode, body)
	}
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("exit after SIGTERM: %v; stderr: %s", err, stderr.String())
		}
	case <-time.After(20 * time.Second):
		t.Fatal("serve did not stop after SIGTERM")
	}
	if last := <-lines; last != "carriersim serve: stopped" {
		t.Errorf("last line %q", last)
	}
	if _, err := os.Stat(state); err != nil {
		t.Errorf("no state file after shutdown: %v", err)
	}
}

func TestServeRefusesBadInput(t *testing.T) {
	t.Parallel()
	for _, args := range [][]string{
		{"serve", "--shard", "3/2"},
		{"serve", "--gy", "nowhere"},
		{"serve", "--config", filepath.Join(t.TempDir(), "missing.toml")},
		{"serve", "extra"},
	} {
		var out, errOut bytes.Buffer
		if code := runMain(args, &out, &errOut); code != exitInvalid {
			t.Errorf("%v: exit %d, want %d (%s)", args, code, exitInvalid, errOut.String())
		}
	}
}
