// Package tomlcfg decodes the TOML files of carriersim the house way, for
// package scenarios (scenario files) and package sim/serve (the
// configuration of `carriersim serve`): strictly, an unknown key being an
// error, and reporting every problem at once as file:line: key: what was
// expected, what was found, sorted by line.
//
// It holds what the two share: Text fields that keep a bad value's error
// instead of stopping the decoder, the index of the lines keys are written
// on, the Checker that collects problems, and the [population], [[plans]]
// and [rules] sections that configure the carrier core (package sim) in
// both files. It imports only sim and the TOML decoder; each caller keeps
// its own sections, error type and reference document.
//
//	var f file // the caller's document, with tomlcfg.Population etc. as fields
//	c, ok := tomlcfg.Decode(path, src, &f, "scenarios/REFERENCE.md")
//	if !ok {
//		return &MyError{Path: path, Problems: c.Problems} // a syntax error
//	}
//	if tomlcfg.Check(c, "clock.start", &f.Clock.Start) {
//		start = time.Time(f.Clock.Start.V)
//	}
//	c.SimConfig(&cfg, &f.Population, f.Plans, &f.Rules)
//	c.CheckSim(cfg, start)
//	if ps := c.Sorted(); len(ps) > 0 {
//		return &MyError{Path: path, Problems: ps} // tomlcfg.Format for Error
//	}
package tomlcfg
