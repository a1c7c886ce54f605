package tomlcfg

import (
	"errors"
	"fmt"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/BurntSushi/toml"
)

// Problem is one thing wrong with a file: the line (0 when unknown), the key
// path as the file spells it ("plans[1].allowance"; "" for the whole file)
// and what was expected and found.
type Problem struct {
	Line int
	Key  string
	Msg  string
}

// Format lists problems one per line as path:line: key: message, leaving
// out a line of 0 and an empty key.
func Format(path string, problems []Problem) string {
	var b strings.Builder
	for i, p := range problems {
		if i > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(path)
		if p.Line > 0 {
			b.WriteString(":" + strconv.Itoa(p.Line))
		}
		b.WriteString(": ")
		if p.Key != "" {
			b.WriteString(p.Key + ": ")
		}
		b.WriteString(p.Msg)
	}
	return b.String()
}

// Checker collects the problems of one file as its values are validated.
// It is not safe for concurrent use.
type Checker struct {
	// Path names the file in messages and anchors relative file names.
	Path string
	// Lines locates the file's keys.
	Lines *Lines
	// Problems are those found so far, in the order found.
	Problems []Problem
}

// Decode decodes the TOML document src strictly into v, a pointer to a
// struct. When src is not TOML it returns false and a Checker holding the
// one syntax error. Otherwise it returns true and a Checker holding a
// problem on every line an unknown key is written on, for validation to add
// to; reference names the document that lists the keys, as in "unknown key
// (see scenarios/REFERENCE.md for the keys each section takes)".
func Decode(path string, src []byte, v any, reference string) (*Checker, bool) {
	c := &Checker{Path: path}
	md, err := toml.NewDecoder(strings.NewReader(string(src))).Decode(v)
	if err != nil {
		var pe toml.ParseError
		if errors.As(err, &pe) {
			c.Problems = []Problem{{Line: pe.Position.Line, Key: pe.LastKey, Msg: pe.Message}}
		} else {
			c.Problems = []Problem{{Msg: err.Error()}}
		}
		return c, false
	}
	c.Lines = IndexLines(string(src))
	msg := "unknown key (see " + reference + " for the keys each section takes)"
	seen := map[string]bool{}
	for _, k := range md.Undecoded() {
		// An unknown key in an array of tables comes once per table, and
		// linesOf already finds every line of it.
		key := k.String()
		if seen[key] {
			continue
		}
		seen[key] = true
		lines := c.Lines.linesOf(key)
		if len(lines) == 0 {
			lines = []int{0}
		}
		for _, l := range lines {
			c.Problems = append(c.Problems, Problem{Line: l, Key: key, Msg: msg})
		}
	}
	return c, true
}

// Bad adds a problem at key, on the line key (or its nearest written
// parent) is written on.
func (c *Checker) Bad(key, format string, args ...any) {
	c.Problems = append(c.Problems, Problem{Line: c.Lines.Line(key), Key: key, Msg: fmt.Sprintf(format, args...)})
}

// Sorted sorts the problems by line, keeping the order found within a line,
// and returns them (nil when there are none).
func (c *Checker) Sorted() []Problem {
	sort.SliceStable(c.Problems, func(i, j int) bool { return c.Problems[i].Line < c.Problems[j].Line })
	return c.Problems
}

// Rel resolves a file name written in the file against the file's folder;
// "" and absolute names are returned as they are.
func (c *Checker) Rel(name string) string {
	if name == "" || filepath.IsAbs(name) {
		return name
	}
	return filepath.Join(filepath.Dir(c.Path), name)
}
