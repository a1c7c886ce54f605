package results

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/carriersim/carriersim/metrics"
)

// latency.hlog is HdrHistogram's interval log (format 1.3, as its Java and
// Go HistogramLogWriter write it), so HdrHistogram's own tools open it:
//
//	#[Histogram log format version 1.3]
//	#[StartTime: 1764000000.000 (seconds since epoch), 2025-11-24T16:00:00Z]
//	"StartTimestamp","Interval_Length","Interval_Max","Interval_Compressed_Histogram"
//	Tag=CCR-U,12.000,1.000,0.874,HISTFAAAAC…
//
// One line per message and second of the run: the tag is the message, the
// timestamp the second (from StartTime), the max in milliseconds, and the
// histogram (values in microseconds) in the compressed V2 encoding. Several
// lines may hold parts of one second; they add up. Merge reads these to
// compute exact per-second percentiles of several shards.

// Interval is one line of latency.hlog: a message's latency histogram over
// (part of) one second of a run.
type Interval struct {
	// Second counts seconds from the run's start.
	Second  int
	Message string
	Max     time.Duration
	// Hist is the histogram in HdrHistogram's compressed V2 encoding
	// (base64), as metrics.Hist.Encode writes it. It stays encoded so that
	// a long run's intervals fit in memory.
	Hist []byte
}

// IntervalLog streams latency.hlog while a run goes on. It is safe for
// concurrent use.
type IntervalLog struct {
	mu  sync.Mutex
	f   *os.File
	bw  *bufio.Writer
	err error
}

// CreateIntervalLog creates dir/latency.hlog for a run that started at
// start and writes its header.
func CreateIntervalLog(dir string, start time.Time) (*IntervalLog, error) {
	f, err := os.Create(filepath.Join(dir, "latency.hlog"))
	if err != nil {
		return nil, fmt.Errorf("results: %w", err)
	}
	l := &IntervalLog{f: f, bw: bufio.NewWriterSize(f, 1<<16)}
	writeIntervalHeader(l.bw, start)
	return l, nil
}

func writeIntervalHeader(w *bufio.Writer, start time.Time) {
	fmt.Fprintf(w, "#[Histogram log format version 1.3]\n#[StartTime: %.3f (seconds since epoch), %s]\n",
		float64(start.UnixMilli())/1000, start.UTC().Format(time.RFC3339Nano))
	w.WriteString("#[carriersim: one line per message and second; values in microseconds, Interval_Max in milliseconds]\n")
	w.WriteString("\"StartTimestamp\",\"Interval_Length\",\"Interval_Max\",\"Interval_Compressed_Histogram\"\n")
}

func writeIntervalLine(w *bufio.Writer, iv *Interval) {
	fmt.Fprintf(w, "Tag=%s,%d.000,1.000,%.3f,%s\n", iv.Message, iv.Second, float64(iv.Max.Microseconds())/1000, iv.Hist)
}

// Write appends the histogram of msg for (part of) second sec. It records
// the first error and returns it on every later call and from Close.
func (l *IntervalLog) Write(sec int, msg string, h *metrics.Hist) error {
	enc, err := h.Encode()
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.err != nil {
		return l.err
	}
	if err != nil {
		l.err = err
		return err
	}
	writeIntervalLine(l.bw, &Interval{Second: sec, Message: msg, Max: h.Max(), Hist: enc})
	return nil
}

// Close flushes and closes the file.
func (l *IntervalLog) Close() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	err := l.err
	if ferr := l.bw.Flush(); err == nil && ferr != nil {
		err = fmt.Errorf("results: latency.hlog: %w", ferr)
	}
	if cerr := l.f.Close(); err == nil && cerr != nil {
		err = fmt.Errorf("results: latency.hlog: %w", cerr)
	}
	return err
}

// writeIntervals writes a whole latency.hlog.
func writeIntervals(dir string, start time.Time, ivs []Interval) error {
	var b strings.Builder
	bw := bufio.NewWriter(&b)
	writeIntervalHeader(bw, start)
	for i := range ivs {
		writeIntervalLine(bw, &ivs[i])
	}
	bw.Flush()
	return writeFile(dir, "latency.hlog", []byte(b.String()))
}

// ReadIntervals reads a latency.hlog: the run's start (its StartTime) and
// every interval, in file order. Errors name the file and line.
func ReadIntervals(path string) (time.Time, []Interval, error) {
	f, err := os.Open(path)
	if err != nil {
		return time.Time{}, nil, fmt.Errorf("results: %w", err)
	}
	defer f.Close()
	var start time.Time
	var out []Interval
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<16), 1<<26)
	line := 0
	for sc.Scan() {
		line++
		text := strings.TrimSpace(sc.Text())
		bad := func(format string, args ...any) (time.Time, []Interval, error) {
			return time.Time{}, nil, fmt.Errorf("results: %s:%d: %s", path, line, fmt.Sprintf(format, args...))
		}
		switch {
		case text == "" || strings.HasPrefix(text, "\""):
			continue
		case strings.HasPrefix(text, "#[StartTime: "):
			num, _, _ := strings.Cut(strings.TrimPrefix(text, "#[StartTime: "), " ")
			secs, err := strconv.ParseFloat(num, 64)
			if err != nil {
				return bad("StartTime: want seconds since the epoch, got %q", num)
			}
			start = time.UnixMilli(int64(secs*1000 + 0.5)).UTC()
			continue
		case strings.HasPrefix(text, "#"):
			continue
		}
		fields := strings.Split(text, ",")
		tag := ""
		if strings.HasPrefix(fields[0], "Tag=") {
			tag, fields = strings.TrimPrefix(fields[0], "Tag="), fields[1:]
		}
		if len(fields) != 4 {
			return bad("want Tag=MESSAGE,start,length,max,histogram, got %d fields", len(fields)+1)
		}
		ts, err := strconv.ParseFloat(fields[0], 64)
		if err != nil || ts < 0 {
			return bad("StartTimestamp: want seconds >= 0, got %q", fields[0])
		}
		mx, err := strconv.ParseFloat(fields[2], 64)
		if err != nil || mx < 0 {
			return bad("Interval_Max: want milliseconds >= 0, got %q", fields[2])
		}
		if tag == "" {
			return bad("want a Tag= naming the message")
		}
		out = append(out, Interval{Second: int(ts), Message: tag, Max: time.Duration(mx * float64(time.Millisecond)),
			Hist: []byte(fields[3])})
	}
	if err := sc.Err(); err != nil {
		return time.Time{}, nil, fmt.Errorf("results: %s: %w", path, err)
	}
	if start.IsZero() {
		return time.Time{}, nil, fmt.Errorf("results: %s: no #[StartTime: …] line", path)
	}
	return start, out, nil
}
