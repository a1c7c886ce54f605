// Package results turns a finished run into files people can read and plot:
//
//	summary.json     the figures of the run (schema "carriersim.summary/v1")
//	timeseries.csv   per second: rates, percentiles, answers by code, refusals by blame
//	events.csv       every refusal and card state change: time, card, rule, reason, blame
//	<MSG>.hgrm       latency percentile distribution per message (HdrHistogram plotter)
//	<MSG>.hdr        the same histogram in HdrHistogram's mergeable V2 encoding
//	latency.hlog     per message and second, the latency histogram (HdrHistogram interval log)
//	figures.json     what thresholds are judged on, by label: histograms, counts, card events
//	report.html      one self-contained page with SVG charts and threshold verdicts
//	junit.xml        the thresholds as test cases, for CI
//
// It depends on metrics only; the scenario runner fills a Result.
//
// # Merging shards
//
// A run cut into N shards (carriersim run --shard I/N) writes N folders.
// Merge adds them up into the folder one process would have written:
//
//	res, err := results.Merge("out/shard-0", "out/shard-1", "out/shard-2")
//	if err != nil { … }                      // not shards of one run: names the folder and field
//	for _, w := range res.Summary.Merged.Warnings { log.Print(w) } // e.g. a shard missing
//	err = results.Write("out/merged", res)   // every file above, judged on the merged figures
//
// Everything merges exactly: latency histograms are HdrHistograms and add
// up (percentiles are never averaged), counts are summed, and the time
// series are aligned by wall-clock second (shards started with one
// --start-at share their seconds) with each second's percentiles
// recomputed from the merged latency.hlog histograms.
//
// Thresholds are judged again on the merged figures. The rules travel with
// the results: each Verdict in summary.json carries its Rule (Check), and
// figures.json holds the figures a Rule reads (Figures: requests by label,
// card events by label, cards by state). So a merge needs no scenario file
// and cannot judge by a different version of it, and this package need not
// know scenario files: the scenario runner judges its thresholds through
// the same Rule and Figures.Observe, so one run and a merge of shards apply
// the same semantics.
package results
