// Package results turns a finished run into files people can read and plot:
//
//	summary.json     the figures of the run (schema "carriersim.summary/v1", see SCHEMA.md)
//	timeseries.csv   per second: rates, percentiles, answers by code, refusals by blame
//	events.csv       every refusal and card state change: time, card, rule, reason, blame
//	<MSG>.hgrm       latency percentile distribution per message (HdrHistogram plotter)
//	<MSG>.hdr        the same histogram in HdrHistogram's mergeable V2 encoding
//	report.html      one self-contained page with SVG charts and threshold verdicts
//	junit.xml        the thresholds as test cases, for CI
//
// It depends on metrics only; the scenario runner fills a Result.
package results
