//go:build race

package scenarios

// raceEnabled is true under the race detector, which slows everything about
// tenfold: timing thresholds are not judged then.
const raceEnabled = true
