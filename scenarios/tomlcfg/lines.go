package tomlcfg

import (
	"strconv"
	"strings"
)

// Lines indexes where each key of a TOML document is written, so that a
// problem found after decoding can name its line. The TOML decoder keeps
// positions private and stops at its first error; this scanner is small
// because it only needs key positions, not values: it follows table headers
// ([a.b], [[a]] with element numbers), key = value lines, dotted keys, and
// one level of inline table, and skips multi-line strings and arrays. Once
// built it is only read, so it is safe for concurrent use.
type Lines struct {
	exact map[string]int   // "load[1].rate" -> 14
	bare  map[string][]int // "load.rate" -> [9, 14]
}

// IndexLines indexes the keys of the TOML document src.
func IndexLines(src string) *Lines {
	kl := &Lines{exact: map[string]int{}, bare: map[string][]int{}}
	arrays := map[string]int{} // array-of-tables path -> current element
	prefix := ""
	lines := strings.Split(src, "\n")
	depth := 0    // open [ or { of a multi-line value
	inMulti := "" // open """ or '''
	for n, raw := range lines {
		line := n + 1
		s := raw
		if inMulti != "" {
			if i := strings.Index(s, inMulti); i >= 0 {
				inMulti = ""
			}
			continue
		}
		s = stripComment(s)
		t := strings.TrimSpace(s)
		if depth > 0 {
			depth += strings.Count(t, "[") + strings.Count(t, "{") - strings.Count(t, "]") - strings.Count(t, "}")
			continue
		}
		if t == "" {
			continue
		}
		if strings.HasPrefix(t, "[[") {
			path := splitKey(strings.TrimSuffix(strings.TrimPrefix(t, "[["), "]]"))
			bare := strings.Join(path, ".")
			idx := arrays[bare]
			if _, seen := arrays[bare]; seen {
				idx++
			}
			arrays[bare] = idx
			prefix = indexed(path, arrays)
			kl.add(prefix, bare, line)
			continue
		}
		if strings.HasPrefix(t, "[") {
			path := splitKey(strings.TrimSuffix(strings.TrimPrefix(t, "["), "]"))
			prefix = indexed(path, arrays)
			kl.add(prefix, strings.Join(path, "."), line)
			continue
		}
		eq := strings.IndexByte(t, '=')
		if eq < 0 {
			continue
		}
		key := splitKey(strings.TrimSpace(t[:eq]))
		val := strings.TrimSpace(t[eq+1:])
		full := join(prefix, strings.Join(key, "."))
		kl.add(full, stripIdx(full), line)
		for _, q := range []string{`"""`, `'''`} {
			if strings.HasPrefix(val, q) && strings.Count(val, q) == 1 {
				inMulti = q
			}
		}
		if strings.HasPrefix(val, "{") {
			inner := strings.TrimSuffix(strings.TrimPrefix(val, "{"), "}")
			for _, part := range strings.Split(inner, ",") {
				if k, _, ok := strings.Cut(part, "="); ok {
					sub := join(full, strings.Join(splitKey(strings.TrimSpace(k)), "."))
					kl.add(sub, stripIdx(sub), line)
				}
			}
		}
		depth = strings.Count(val, "[") + strings.Count(val, "{") - strings.Count(val, "]") - strings.Count(val, "}")
		if depth < 0 {
			depth = 0
		}
	}
	return kl
}

func (kl *Lines) add(exact, bare string, line int) {
	if _, ok := kl.exact[exact]; !ok {
		kl.exact[exact] = line
	}
	kl.bare[bare] = append(kl.bare[bare], line)
}

// Line returns the line of an exact key path such as "load[1].rate"; if it
// is not written (a missing key), the line of its nearest written parent;
// 0 when none is.
func (kl *Lines) Line(path string) int {
	for p := path; p != ""; {
		if l, ok := kl.exact[p]; ok {
			return l
		}
		i := strings.LastIndexAny(p, ".[")
		if i < 0 {
			break
		}
		p = p[:i]
	}
	return 0
}

// linesOf returns every line where a key path without element numbers is
// written, as the decoder names undecoded keys.
func (kl *Lines) linesOf(bare string) []int { return kl.bare[bare] }

func indexed(path []string, arrays map[string]int) string {
	out := ""
	for i, seg := range path {
		out = join(out, seg)
		if idx, ok := arrays[strings.Join(path[:i+1], ".")]; ok {
			out += "[" + strconv.Itoa(idx) + "]"
		}
	}
	return out
}

func join(prefix, key string) string {
	if prefix == "" {
		return key
	}
	return prefix + "." + key
}

// stripIdx removes element numbers: "load[1].rate" -> "load.rate".
func stripIdx(p string) string {
	var b strings.Builder
	skip := false
	for _, r := range p {
		switch {
		case r == '[':
			skip = true
		case r == ']':
			skip = false
		case !skip:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// splitKey splits a dotted key, unquoting quoted parts.
func splitKey(k string) []string {
	var out []string
	for _, part := range strings.Split(k, ".") {
		part = strings.TrimSpace(part)
		if uq, err := strconv.Unquote(part); err == nil {
			part = uq
		} else {
			part = strings.Trim(part, "'")
		}
		out = append(out, part)
	}
	return out
}

// stripComment removes a # comment that is not inside a string.
func stripComment(s string) string {
	var quote byte
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case quote != 0:
			if c == '\\' && quote == '"' {
				i++
			} else if c == quote {
				quote = 0
			}
		case c == '"' || c == '\'':
			quote = c
		case c == '#':
			return s[:i]
		}
	}
	return s
}
