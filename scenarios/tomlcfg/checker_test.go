package tomlcfg

import (
	"strings"
	"testing"
)

func TestLinesAndUnknownKeys(t *testing.T) {
	t.Parallel()
	src := `name = "x" # a comment
[population]
plans = { gold = 1 }
[[plans]]
name = "a"
[[plans]]
name = "b"
colour = "red"
notes = """
colour = "in a string"
"""
[[plans]]
colour = "blue"
`
	var f struct {
		Name       string     `toml:"name"`
		Population Population `toml:"population"`
		Plans      []Plan     `toml:"plans"`
	}
	c, ok := Decode("f.toml", []byte(src), &f, "REF.md")
	if !ok {
		t.Fatalf("Decode: %v", c.Problems)
	}
	for _, tc := range []struct {
		name, key string
		line      int
	}{
		{"top-level key", "name", 1},
		{"inline table key", "population.plans.gold", 3},
		{"second table of an array", "plans[1].name", 7},
		{"missing key: its parent", "plans[1].allowance", 6},
		{"missing section", "rules.validity", 0},
	} {
		if got := c.Lines.Line(tc.key); got != tc.line {
			t.Errorf("%s: Line(%q) = %d, want %d", tc.name, tc.key, got, tc.line)
		}
	}
	got := Format("f.toml", c.Sorted())
	// Every line of an unknown key, none inside the multi-line string, by line.
	want := "f.toml:8: plans.colour: unknown key (see REF.md for the keys each section takes)\n" +
		"f.toml:9: plans.notes: unknown key (see REF.md for the keys each section takes)\n" +
		"f.toml:13: plans.colour: unknown key (see REF.md for the keys each section takes)"
	if got != want {
		t.Errorf("problems:\n%s\nwant:\n%s", got, want)
	}
}

func TestDecodeSyntaxError(t *testing.T) {
	t.Parallel()
	var f struct{}
	c, ok := Decode("f.toml", []byte("a = \n"), &f, "REF.md")
	if ok || len(c.Problems) != 1 || !strings.HasPrefix(Format("f.toml", c.Problems), "f.toml:1: ") {
		t.Fatalf("ok = %v, problems %v", ok, c.Problems)
	}
}
