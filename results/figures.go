package results

import (
	"encoding/json"
	"fmt"
	"os"
	"sort"

	"github.com/carriersim/carriersim/metrics"
)

// FiguresSchema names the figures.json schema.
const FiguresSchema = "carriersim.figures/v1"

// figuresFile is figures.json: what a run measured, in the form that adds
// up across shards. requests is a metrics.Tally (latency histograms in
// HdrHistogram's V2 encoding, counts, late sends, by label); events the
// card events counted by label, kind, reason, blame and region; series the
// per-second counts (their percentiles are recomputed from latency.hlog).
type figuresFile struct {
	Schema   string           `json:"schema"`
	Requests *metrics.Tally   `json:"requests"`
	Events   []eventCount     `json:"events"`
	Series   []metrics.Second `json:"series"`
}

type eventCount struct {
	Label  string `json:"label"`
	Kind   string `json:"kind"`
	Reason string `json:"reason,omitempty"`
	Blame  string `json:"blame,omitempty"`
	Region string `json:"region,omitempty"`
	N      uint64 `json:"n"`
}

func writeFigures(dir string, r *Result) error {
	f := figuresFile{Schema: FiguresSchema, Requests: r.Tally, Events: []eventCount{}, Series: r.Series}
	if f.Series == nil {
		f.Series = []metrics.Second{}
	}
	for k, n := range r.Events {
		f.Events = append(f.Events, eventCount{Label: k.Label, Kind: k.Kind, Reason: k.Reason, Blame: k.Blame, Region: k.Region, N: n})
	}
	sort.Slice(f.Events, func(i, j int) bool {
		a, b := f.Events[i], f.Events[j]
		return a.Label+"\x00"+a.Kind+"\x00"+a.Reason+"\x00"+a.Blame+"\x00"+a.Region <
			b.Label+"\x00"+b.Kind+"\x00"+b.Reason+"\x00"+b.Blame+"\x00"+b.Region
	})
	js, err := json.Marshal(&f)
	if err != nil {
		return fmt.Errorf("results: figures: %w", err)
	}
	return writeFile(dir, "figures.json", append(js, '\n'))
}

// readFigures reads figures.json into a tally, event counts and series.
func readFigures(path string) (*metrics.Tally, map[EventKey]uint64, []metrics.Second, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("results: %w", err)
	}
	f := figuresFile{Requests: metrics.NewTally()}
	if err := json.Unmarshal(b, &f); err != nil {
		return nil, nil, nil, fmt.Errorf("results: %s: %w", path, err)
	}
	if f.Schema != FiguresSchema {
		return nil, nil, nil, fmt.Errorf("results: %s: schema: want %q, got %q", path, FiguresSchema, f.Schema)
	}
	if f.Requests == nil {
		return nil, nil, nil, fmt.Errorf("results: %s: requests: want the run's tally, got null", path)
	}
	events := map[EventKey]uint64{}
	for _, e := range f.Events {
		events[EventKey{Label: e.Label, Kind: e.Kind, Reason: e.Reason, Blame: e.Blame, Region: e.Region}] += e.N
	}
	return f.Requests, events, f.Series, nil
}
