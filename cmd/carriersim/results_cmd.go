package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"

	"github.com/carriersim/carriersim/results"
)

func init() {
	register("results compare", "compare two runs: what got faster or slower", resultsCompare)
	register("results merge", "merge the results of a run's shards into one, exactly, and judge its thresholds", resultsMerge)
}

// resultsMerge merges shard results folders (results.Merge) and writes the
// merged folder. Exit codes as for run: 1 when a threshold fails on the
// merged figures, 2 when the folders are not shards of one run.
func resultsMerge(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("results merge", flag.ContinueOnError)
	fs.SetOutput(stderr)
	out := fs.String("o", "", "folder for the merged results (default results/<scenario>-<UTC start>-merged)")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: carriersim results merge [-o OUTDIR] DIR...")
		fmt.Fprintln(stderr, "DIR is a shard's results folder, or a folder holding them (shard-0, shard-1, …)")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitOK
		}
		return exitInvalid
	}
	if fs.NArg() == 0 {
		fs.Usage()
		return exitInvalid
	}
	dirs := shardDirs(fs.Args(), *out)
	res, err := results.Merge(dirs...)
	if err != nil {
		fmt.Fprintln(stderr, "carriersim results merge:", err)
		return exitInvalid
	}
	for _, w := range res.Summary.Merged.Warnings {
		fmt.Fprintln(stderr, "carriersim results merge: warning:", w)
	}
	dir := *out
	if dir == "" {
		dir = results.Dir("results", res.Summary.Scenario, res.Summary.Started) + "-merged"
	}
	for _, d := range dirs {
		if same(d, dir) {
			fmt.Fprintf(stderr, "carriersim results merge: -o: %s is one of the shards; want a folder of its own\n", dir)
			return exitInvalid
		}
	}
	if err := results.Write(dir, res); err != nil {
		fmt.Fprintln(stderr, "carriersim results merge:", err)
		return exitRuntime
	}
	printSummary(stdout, &res.Summary)
	fmt.Fprintln(stdout, "results:", dir)
	if !res.Summary.Pass {
		return exitFailed
	}
	return exitOK
}

// shardDirs expands the arguments: a folder without summary.json stands
// for its subfolders that have one (the shards' folders on a volume), the
// output folder excepted.
func shardDirs(args []string, out string) []string {
	var dirs []string
	for _, a := range args {
		if _, err := os.Stat(filepath.Join(a, "summary.json")); err == nil {
			dirs = append(dirs, a)
			continue
		}
		entries, err := os.ReadDir(a)
		var subs []string
		for _, e := range entries {
			sub := filepath.Join(a, e.Name())
			if _, serr := os.Stat(filepath.Join(sub, "summary.json")); e.IsDir() && serr == nil && (out == "" || !same(sub, out)) {
				subs = append(subs, sub)
			}
		}
		if err != nil || len(subs) == 0 {
			dirs = append(dirs, a) // Merge says what is wrong with it
			continue
		}
		sort.Strings(subs)
		dirs = append(dirs, subs...)
	}
	return dirs
}

// same reports whether two paths name the same folder.
func same(a, b string) bool {
	x, err1 := filepath.Abs(a)
	y, err2 := filepath.Abs(b)
	return err1 == nil && err2 == nil && filepath.Clean(x) == filepath.Clean(y)
}

func resultsCompare(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("results compare", flag.ContinueOnError)
	tol := fs.Float64("tolerance", 0.05, "relative change treated as noise (0.05 = 5%)")
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: carriersim results compare [--tolerance 0.05] OLD NEW")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return exitInvalid
	}
	if fs.NArg() != 2 {
		fs.Usage()
		return exitInvalid
	}
	old, err := results.ReadSummary(fs.Arg(0))
	if err != nil {
		fmt.Fprintln(stderr, err)
		return exitInvalid
	}
	cur, err := results.ReadSummary(fs.Arg(1))
	if err != nil {
		fmt.Fprintln(stderr, err)
		return exitInvalid
	}
	c := results.Compare(old, cur, *tol)
	if err := c.WriteTable(stdout, "old", "new"); err != nil {
		return exitRuntime
	}
	if c.Worse > 0 {
		return exitFailed
	}
	return exitOK
}
