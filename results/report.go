package results

import (
	"fmt"
	"html"
	"math"
	"sort"
	"strconv"
	"strings"

	"github.com/carriersim/carriersim/metrics"
)

// palette gives series distinct, readable colours.
var palette = []string{"#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf", "#7f7f7f", "#bcbd22"}

// Report renders report.html: one self-contained page (no scripts, no
// fetches) with charts drawn as inline SVG.
func Report(r *Result) []byte {
	s := &r.Summary
	var b strings.Builder
	esc := html.EscapeString
	verdict, vclass := "PASS", "pass"
	if !s.Pass {
		verdict, vclass = "FAIL", "fail"
	}
	if s.Interrupted {
		verdict += " (interrupted)"
	}
	fmt.Fprintf(&b, `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>carriersim: %s</title><style>
body{font:14px/1.4 system-ui,sans-serif;margin:2em auto;max-width:1100px;color:#222}
h1{font-size:1.6em;margin-bottom:.2em} h2{font-size:1.2em;margin-top:2em;border-bottom:1px solid #ddd}
table{border-collapse:collapse;margin:.5em 0} td,th{padding:.25em .7em;border-bottom:1px solid #eee;text-align:right}
th{background:#f6f6f6} td:first-child,th:first-child{text-align:left}
.pass{color:#1a7f37;font-weight:bold} .fail{color:#cf222e;font-weight:bold} .meta{color:#555}
svg text{font:11px system-ui,sans-serif} .legend span{display:inline-block;margin-right:1em}
</style></head><body>`, esc(s.Scenario))
	fmt.Fprintf(&b, `<h1>%s <span class="%s">%s</span></h1>`, esc(s.Scenario), vclass, esc(verdict))
	if s.Description != "" {
		fmt.Fprintf(&b, `<p>%s</p>`, esc(s.Description))
	}
	fmt.Fprintf(&b, `<p class="meta">carrier: %s · started %s · %.1f s · seed %d`, esc(s.Carrier),
		s.Started.UTC().Format("2006-01-02 15:04:05 UTC"), s.Seconds, s.Seed)
	if s.Shard != "" {
		fmt.Fprintf(&b, ` · shard %s`, esc(s.Shard))
	}
	if m := s.Merged; m != nil {
		fmt.Fprintf(&b, ` · merged from %d of %d shards`, len(m.Merged), m.Shards)
	}
	fmt.Fprintf(&b, ` · late sends %d · lost %d</p>`, s.Late, s.Lost)
	if m := s.Merged; m != nil {
		for _, w := range m.Warnings {
			fmt.Fprintf(&b, `<p class="fail">merge: %s</p>`, esc(w))
		}
	}
	if s.Aborted != "" {
		fmt.Fprintf(&b, `<p class="fail">aborted early by threshold: %s</p>`, esc(s.Aborted))
	}

	b.WriteString(`<h2>Thresholds</h2>`)
	if len(s.Thresholds) == 0 {
		b.WriteString(`<p>none</p>`)
	} else {
		b.WriteString(`<table><tr><th>threshold</th><th>rule</th><th>observed</th><th>verdict</th></tr>`)
		for _, v := range s.Thresholds {
			c, t := "pass", "pass"
			if !v.Pass {
				c, t = "fail", "FAIL"
			}
			fmt.Fprintf(&b, `<tr><td>%s</td><td>%s</td><td>%s</td><td class="%s">%s</td></tr>`,
				esc(v.Name), esc(v.Rule), esc(fmtNum(v.Observed)), c, t)
		}
		b.WriteString(`</table>`)
	}

	msgs := metrics.SortedKeys(s.Messages)
	b.WriteString(`<h2>Messages</h2><table><tr><th>message</th><th>count</th><th>per s</th><th>ok</th><th>refused</th><th>error</th><th>timeout</th><th>p50 ms</th><th>p90 ms</th><th>p99 ms</th><th>p99.9 ms</th><th>max ms</th><th>late</th></tr>`)
	for _, m := range msgs {
		x := s.Messages[m]
		fmt.Fprintf(&b, `<tr><td>%s</td><td>%d</td><td>%.0f</td><td>%d</td><td>%d</td><td>%d</td><td>%d</td><td>%s</td><td>%s</td><td>%s</td><td>%s</td><td>%s</td><td>%d</td></tr>`,
			esc(m), x.Count, x.Rate, x.ByClass["ok"], x.ByClass["refused"], x.ByClass["error"], x.ByClass["timeout"],
			fmtNum(x.P50), fmtNum(x.P90), fmtNum(x.P99), fmtNum(x.P999), fmtNum(x.Max), x.Late)
	}
	b.WriteString(`</table>`)

	// Time series charts.
	xs := make([]float64, len(r.Series))
	for i, sec := range r.Series {
		xs[i] = float64(sec.T)
	}
	var rate, p99 []series
	for _, m := range msgs {
		rs, ps := series{name: m}, series{name: m + " p99"}
		for _, sec := range r.Series {
			if x := sec.Msgs[m]; x != nil {
				rs.ys = append(rs.ys, float64(x.Count))
				ps.ys = append(ps.ys, x.P99)
			} else {
				rs.ys = append(rs.ys, 0)
				ps.ys = append(ps.ys, math.NaN())
			}
		}
		rate, p99 = append(rate, rs), append(p99, ps)
	}
	b.WriteString(`<h2>Throughput</h2>`)
	b.WriteString(lineChart(xs, rate, s.Timeline, "requests per second", false))
	b.WriteString(`<h2>Latency p99 over time</h2>`)
	b.WriteString(lineChart(xs, p99, s.Timeline, "ms (from intended send time)", false))
	if len(s.Timeline) > 0 {
		b.WriteString(`<h2>Timeline</h2><table><tr><th>event</th><th>kind</th><th>from s</th><th>to s</th><th>note</th></tr>`)
		for _, m := range s.Timeline {
			fmt.Fprintf(&b, `<tr><td>%s</td><td>%s</td><td>%.1f</td><td>%.1f</td><td>%s</td></tr>`, esc(m.Name), esc(m.Kind), m.Start, m.End, esc(m.Note))
		}
		b.WriteString(`</table>`)
	}

	// Latency distribution: the HdrHistogram percentile plot.
	b.WriteString(`<h2>Latency distribution</h2>`)
	var dist []series
	var pxs []float64
	qs := []float64{0, 0.5, 0.75, 0.9, 0.95, 0.99, 0.995, 0.999, 0.9995, 0.9999, 0.99999}
	for _, q := range qs {
		pxs = append(pxs, -math.Log10(1-math.Min(q, 0.99999)))
	}
	for _, m := range metrics.SortedKeys(r.Latencies) {
		h := r.Latencies[m]
		if h.Count() == 0 {
			continue
		}
		sr := series{name: m}
		for _, q := range qs {
			sr.ys = append(sr.ys, float64(h.Quantile(q).Microseconds())/1000)
		}
		dist = append(dist, sr)
	}
	b.WriteString(lineChartX(pxs, dist, nil, "ms", true, func(x float64) string {
		return strconv.FormatFloat(100*(1-math.Pow(10, -x)), 'f', -1, 32) + "%"
	}))

	b.WriteString(`<h2>Refusals and failures</h2>`)
	b.WriteString(barChart("by blame", s.Blame))
	if len(s.Reasons) > 0 {
		rs := map[string]uint64{}
		for k, v := range s.Reasons {
			rs[k] = v
		}
		b.WriteString(barChart("by reason", rs))
	}
	b.WriteString(`<h3>Answers by code</h3><table><tr><th>message:code</th><th>count</th></tr>`)
	for _, k := range metrics.SortedKeys(s.Codes) {
		fmt.Fprintf(&b, `<tr><td>%s</td><td>%d</td></tr>`, esc(k), s.Codes[k])
	}
	b.WriteString(`</table>`)
	if len(s.Cards) > 0 {
		b.WriteString(`<h3>Cards at the end</h3><table><tr><th>state</th><th>cards</th></tr>`)
		for _, k := range metrics.SortedKeys(s.Cards) {
			fmt.Fprintf(&b, `<tr><td>%s</td><td>%d</td></tr>`, esc(k), s.Cards[k])
		}
		b.WriteString(`</table>`)
	}
	if s.Capacity != nil {
		b.WriteString(`<h2>Capacity search</h2>`)
		fmt.Fprintf(&b, `<p>knee: <b>%.0f/s</b> (next step broke: %s)</p>`, s.Capacity.Knee, esc(s.Capacity.Broke))
		b.WriteString(`<table><tr><th>offered/s</th><th>achieved/s</th><th>p99 ms</th><th>errors</th><th>within bounds</th></tr>`)
		for _, st := range s.Capacity.Steps {
			fmt.Fprintf(&b, `<tr><td>%.0f</td><td>%.0f</td><td>%s</td><td>%.3f%%</td><td>%v</td></tr>`, st.Offered, st.Achieved, fmtNum(st.P99), st.Errors*100, st.OK)
		}
		b.WriteString(`</table>`)
	}
	b.WriteString(`<p class="meta">Latency is measured from each request's intended send time (open-loop load), so a saturated generator shows in the figures. Files: summary.json, timeseries.csv, events.csv, *.hgrm, *.hdr, figures.json, latency.hlog, junit.xml.</p></body></html>`)
	return []byte(b.String())
}

type series struct {
	name string
	ys   []float64
}

func lineChart(xs []float64, ss []series, marks []Mark, yLabel string, logY bool) string {
	return lineChartX(xs, ss, marks, yLabel, logY, func(x float64) string { return fmt.Sprintf("%gs", x) })
}

// lineChartX draws series over xs with shaded bands for timeline marks.
func lineChartX(xs []float64, ss []series, marks []Mark, yLabel string, logY bool, xfmt func(float64) string) string {
	const w, h, l, r, t, bm = 1000.0, 300.0, 60.0, 20.0, 15.0, 35.0
	if len(xs) == 0 || len(ss) == 0 {
		return `<p>no data</p>`
	}
	x0, x1 := xs[0], xs[len(xs)-1]
	if x1 == x0 {
		x1 = x0 + 1
	}
	ymax := 0.0
	for _, s := range ss {
		for _, y := range s.ys {
			if !math.IsNaN(y) && y > ymax {
				ymax = y
			}
		}
	}
	if ymax == 0 {
		ymax = 1
	}
	ymax = niceCeil(ymax)
	ymin := 0.0
	ty := func(y float64) float64 {
		if logY {
			lo := math.Log10(math.Max(ymax/1e4, 0.001))
			return t + (h-t-bm)*(1-(math.Log10(math.Max(y, math.Pow(10, lo)))-lo)/(math.Log10(ymax)-lo))
		}
		return t + (h-t-bm)*(1-(y-ymin)/(ymax-ymin))
	}
	tx := func(x float64) float64 { return l + (w-l-r)*(x-x0)/(x1-x0) }
	var b strings.Builder
	fmt.Fprintf(&b, `<svg viewBox="0 0 %g %g" width="100%%" role="img" aria-label="%s">`, w, h, html.EscapeString(yLabel))
	for i, m := range marks {
		a, z := tx(math.Max(m.Start, x0)), tx(math.Min(math.Max(m.End, m.Start+0.5), x1))
		if z < l || a > w-r {
			continue
		}
		fmt.Fprintf(&b, `<rect x="%.1f" y="%g" width="%.1f" height="%g" fill="%s" opacity="0.12"><title>%s</title></rect>`,
			a, t, math.Max(z-a, 2), h-t-bm, palette[(i+3)%len(palette)], html.EscapeString(m.Name+" ("+m.Kind+")"))
		fmt.Fprintf(&b, `<text x="%.1f" y="%g" fill="#555">%s</text>`, a+2, t+10+float64(i%3)*11, html.EscapeString(m.Name))
	}
	for i := 0; i <= 4; i++ {
		yv := ymin + (ymax-ymin)*float64(i)/4
		if logY {
			yv = ymax / math.Pow(10, float64(4-i))
		}
		y := ty(yv)
		fmt.Fprintf(&b, `<line x1="%g" x2="%g" y1="%.1f" y2="%.1f" stroke="#eee"/><text x="%g" y="%.1f" text-anchor="end">%s</text>`, l, w-r, y, y, l-4, y+4, fmtNum(yv))
	}
	for i := 0; i <= 5; i++ {
		xv := x0 + (x1-x0)*float64(i)/5
		fmt.Fprintf(&b, `<text x="%.1f" y="%g" text-anchor="middle">%s</text>`, tx(xv), h-bm+15, html.EscapeString(xfmt(xv)))
	}
	fmt.Fprintf(&b, `<text x="10" y="%g" transform="rotate(-90 10 %g)" text-anchor="middle">%s</text>`, h/2, h/2, html.EscapeString(yLabel))
	for i, s := range ss {
		var pts []string
		for j, y := range s.ys {
			if j >= len(xs) || math.IsNaN(y) {
				continue
			}
			pts = append(pts, fmt.Sprintf("%.1f,%.1f", tx(xs[j]), ty(y)))
		}
		fmt.Fprintf(&b, `<polyline fill="none" stroke="%s" stroke-width="1.6" points="%s"><title>%s</title></polyline>`,
			palette[i%len(palette)], strings.Join(pts, " "), html.EscapeString(s.name))
	}
	b.WriteString(`</svg><div class="legend">`)
	for i, s := range ss {
		fmt.Fprintf(&b, `<span><svg width="14" height="4"><rect width="14" height="4" fill="%s"/></svg> %s</span>`, palette[i%len(palette)], html.EscapeString(s.name))
	}
	b.WriteString(`</div>`)
	return b.String()
}

// barChart draws horizontal bars for counts.
func barChart(title string, m map[string]uint64) string {
	if len(m) == 0 {
		return `<p>` + html.EscapeString(title) + `: none</p>`
	}
	keys := make([]string, 0, len(m))
	var top uint64
	for k, v := range m {
		keys = append(keys, k)
		top = max(top, v)
	}
	sort.Slice(keys, func(i, j int) bool { return m[keys[i]] > m[keys[j]] || m[keys[i]] == m[keys[j]] && keys[i] < keys[j] })
	const w, row, l = 700.0, 22.0, 170.0
	var b strings.Builder
	fmt.Fprintf(&b, `<h3>%s</h3><svg viewBox="0 0 %g %g" width="70%%">`, html.EscapeString(title), w, row*float64(len(keys))+4)
	for i, k := range keys {
		bw := (w - l - 80) * float64(m[k]) / float64(max(top, 1))
		y := float64(i) * row
		fmt.Fprintf(&b, `<text x="%g" y="%.0f" text-anchor="end">%s</text><rect x="%g" y="%.0f" width="%.1f" height="%g" fill="%s"/><text x="%.1f" y="%.0f">%d</text>`,
			l-6, y+15, html.EscapeString(k), l, y+3, math.Max(bw, 1), row-6, palette[i%len(palette)], l+bw+6, y+15, m[k])
	}
	b.WriteString(`</svg>`)
	return b.String()
}

func niceCeil(v float64) float64 {
	p := math.Pow(10, math.Floor(math.Log10(v)))
	for _, m := range []float64{1, 2, 2.5, 5, 10} {
		if v <= m*p {
			return m * p
		}
	}
	return 10 * p
}

func fmtNum(v float64) string {
	switch {
	case v == 0:
		return "0"
	case math.Abs(v) >= 100:
		return fmt.Sprintf("%.0f", v)
	case math.Abs(v) >= 10:
		return fmt.Sprintf("%.1f", v)
	case math.Abs(v) >= 1:
		return fmt.Sprintf("%.2f", v)
	}
	return fmt.Sprintf("%.3f", v)
}
