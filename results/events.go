package results

import (
	"bufio"
	"encoding/csv"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"time"
)

// EventRow is one line of events.csv: a refusal or a card state change with
// the evidence needed to tell who is responsible.
type EventRow struct {
	Time    time.Time // the carrier's (virtual) time
	Elapsed float64   // wall seconds since the run started
	SIM     int64     // card index, -1 when unknown
	IMSI    string
	Kind    string // refused, stopped, resumed, bound, fee, ...
	Reason  string // the rule: over_quota, barred_region, maintenance, ...
	Blame   string // card, network, device
	Outcome string // success, denied, credit_limit, user_unknown, network_unavailable
	Message string // the request that was refused, when known (CCR-I, CreateSession)
	Code    string // its result code or cause, when known
	Region  string
	TAC     string
	ECI     string
	Value   string // amount, IMEI, plan: depends on Kind
}

var eventHeader = []string{"time", "elapsed_s", "sim", "imsi", "kind", "reason", "blame", "outcome",
	"message", "code", "region", "tac", "eci", "value"}

// EventWriter streams events.csv while a run goes on. It is safe for
// concurrent use.
type EventWriter struct {
	mu   sync.Mutex
	f    *os.File
	bw   *bufio.Writer
	w    *csv.Writer
	rows uint64
}

// CreateEvents creates dir/events.csv and writes its header.
func CreateEvents(dir string) (*EventWriter, error) {
	f, err := os.Create(filepath.Join(dir, "events.csv"))
	if err != nil {
		return nil, fmt.Errorf("results: %w", err)
	}
	bw := bufio.NewWriterSize(f, 1<<16)
	w := csv.NewWriter(bw)
	if err := w.Write(eventHeader); err != nil {
		f.Close()
		return nil, fmt.Errorf("results: events.csv: %w", err)
	}
	return &EventWriter{f: f, bw: bw, w: w}, nil
}

// Write appends a row.
func (e *EventWriter) Write(r *EventRow) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.rows++
	sim := ""
	if r.SIM >= 0 {
		sim = strconv.FormatInt(r.SIM, 10)
	}
	return e.w.Write([]string{r.Time.UTC().Format(time.RFC3339Nano), strconv.FormatFloat(r.Elapsed, 'f', 3, 64),
		sim, r.IMSI, r.Kind, r.Reason, r.Blame, r.Outcome, r.Message, r.Code, r.Region, r.TAC, r.ECI, r.Value})
}

// Rows returns how many rows were written.
func (e *EventWriter) Rows() uint64 {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.rows
}

// Close flushes and closes the file.
func (e *EventWriter) Close() error {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.w.Flush()
	err := e.w.Error()
	if ferr := e.bw.Flush(); err == nil {
		err = ferr
	}
	if cerr := e.f.Close(); err == nil {
		err = cerr
	}
	return err
}
