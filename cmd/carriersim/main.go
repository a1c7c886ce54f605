// Command carriersim is a fake mobile carrier for IoT SIM cards and the
// harness that drives it. See README.md for the subcommands.
//
// Exit codes: 0 success (thresholds passed); 1 thresholds failed; 2 invalid
// input (bad flags, bad scenario or configuration); 3 runtime error.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
)

// Exit codes, documented in README.md.
const (
	exitOK       = 0
	exitFailed   = 1 // thresholds failed
	exitInvalid  = 2 // bad flags, scenario or configuration
	exitRuntime  = 3 // the run could not be carried out
	exitUsageMsg = "usage: carriersim <command> [flags]"
)

// command is one subcommand: run parses its own flags from args.
type command struct {
	summary string
	run     func(args []string, stdout, stderr io.Writer) int
}

var commands = map[string]command{}

func register(name, summary string, run func(args []string, stdout, stderr io.Writer) int) {
	commands[name] = command{summary: summary, run: run}
}

func main() { os.Exit(runMain(os.Args[1:], os.Stdout, os.Stderr)) }

func runMain(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		usage(stderr)
		if len(args) == 0 {
			return exitInvalid
		}
		return exitOK
	}
	name := args[0]
	// Two-word commands: "bench rating", "results merge".
	if len(args) > 1 {
		if c, ok := commands[name+" "+args[1]]; ok {
			return c.run(args[2:], stdout, stderr)
		}
	}
	c, ok := commands[name]
	if !ok {
		fmt.Fprintf(stderr, "carriersim: unknown command %q\n", strings.Join(args[:min(2, len(args))], " "))
		usage(stderr)
		return exitInvalid
	}
	return c.run(args[1:], stdout, stderr)
}

func usage(w io.Writer) {
	fmt.Fprintln(w, exitUsageMsg)
	fmt.Fprintln(w, "\ncommands:")
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "  %-18s %s\n", n, commands[n].summary)
	}
	fmt.Fprintln(w, "\nexit codes: 0 pass, 1 thresholds failed, 2 invalid input, 3 runtime error")
}

// parseFlags parses fs, mapping -h and bad flags to exit codes.
func parseFlags(fs *flag.FlagSet, args []string, stderr io.Writer) (ok bool, code int) {
	fs.SetOutput(stderr)
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return false, exitOK
		}
		return false, exitInvalid
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "carriersim %s: unexpected arguments: %s\n", fs.Name(), strings.Join(fs.Args(), " "))
		return false, exitInvalid
	}
	return true, exitOK
}
