package main

import (
	"errors"
	"flag"
	"fmt"
	"io"

	"github.com/carriersim/carriersim/scenarios"
)

func init() {
	register("validate", "check scenario files without running them", validateCmd)
}

func validateCmd(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("validate", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprintln(stderr, "usage: carriersim validate FILE.toml..."); fs.PrintDefaults() }
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
	code := exitOK
	for _, path := range fs.Args() {
		sc, err := scenarios.Load(path)
		if err != nil {
			fmt.Fprintln(stderr, err)
			code = exitInvalid
			continue
		}
		fmt.Fprintf(stdout, "%s: ok: %q, %s, %d load phases, %d events, %d thresholds\n",
			path, sc.Name, sc.Duration, len(sc.Phases), len(sc.Events), len(sc.Thresholds))
	}
	return code
}
