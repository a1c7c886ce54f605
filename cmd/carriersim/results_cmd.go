package main

import (
	"flag"
	"fmt"
	"io"

	"github.com/carriersim/carriersim/results"
)

func init() {
	register("results compare", "compare two runs: what got faster or slower", resultsCompare)
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
