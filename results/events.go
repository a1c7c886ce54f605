package results

import (
	"bufio"
	"encoding/csv"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
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

// eventSource is a shard's events.csv and the seconds its start lies after
// the merged start.
type eventSource struct {
	path   string
	offset float64
}

// mergeEvents writes dir/events.csv from the shards' files: rows in order
// of elapsed time (each file is already about in order; a k-way merge keeps
// that without holding the files in memory), elapsed_s counted from the
// merged start.
func mergeEvents(dir string, srcs []eventSource) error {
	type cursor struct {
		r       *csv.Reader
		row     []string
		elapsed float64
		line    int
		path    string
		offset  float64
	}
	var curs []*cursor
	var files []*os.File
	defer func() {
		for _, f := range files {
			f.Close()
		}
	}()
	next := func(c *cursor) (bool, error) {
		row, err := c.r.Read()
		if err == io.EOF {
			return false, nil
		}
		c.line++
		if err != nil {
			return false, fmt.Errorf("results: %s:%d: %w", c.path, c.line, err)
		}
		e, err := strconv.ParseFloat(row[1], 64)
		if err != nil {
			return false, fmt.Errorf("results: %s:%d: elapsed_s: want seconds, got %q", c.path, c.line, row[1])
		}
		c.row, c.elapsed = row, e+c.offset
		c.row[1] = strconv.FormatFloat(c.elapsed, 'f', 3, 64)
		return true, nil
	}
	for _, s := range srcs {
		f, err := os.Open(s.path)
		if err != nil {
			return fmt.Errorf("results: %w", err)
		}
		files = append(files, f)
		c := &cursor{r: csv.NewReader(bufio.NewReaderSize(f, 1<<16)), path: s.path, offset: s.offset, line: 1}
		c.r.FieldsPerRecord = len(eventHeader)
		c.r.ReuseRecord = false
		head, err := c.r.Read()
		if err != nil || strings.Join(head, ",") != strings.Join(eventHeader, ",") {
			return fmt.Errorf("results: %s:1: want the header %s", s.path, strings.Join(eventHeader, ","))
		}
		ok, err := next(c)
		if err != nil {
			return err
		}
		if ok {
			curs = append(curs, c)
		}
	}
	tmp := filepath.Join(dir, ".events.csv.tmp")
	out, err := os.Create(tmp)
	if err != nil {
		return fmt.Errorf("results: %w", err)
	}
	bw := bufio.NewWriterSize(out, 1<<16)
	w := csv.NewWriter(bw)
	err = w.Write(eventHeader)
	for err == nil && len(curs) > 0 {
		// Few shards: a linear scan for the earliest row is cheap enough.
		best := 0
		for i, c := range curs {
			if c.elapsed < curs[best].elapsed {
				best = i
			}
		}
		c := curs[best]
		if err = w.Write(c.row); err != nil {
			break
		}
		var ok bool
		if ok, err = next(c); err == nil && !ok {
			curs = append(curs[:best], curs[best+1:]...)
		}
	}
	w.Flush()
	if err == nil {
		err = w.Error()
	}
	if ferr := bw.Flush(); err == nil {
		err = ferr
	}
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(tmp)
		return err
	}
	if err := os.Rename(tmp, filepath.Join(dir, "events.csv")); err != nil {
		return fmt.Errorf("results: %w", err)
	}
	return nil
}
