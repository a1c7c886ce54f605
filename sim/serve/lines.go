package serve

import (
	"strconv"
	"strings"
)

// keyLines indexes where each key of a TOML document is written, so that a
// problem found after decoding can name its line (the decoder keeps
// positions to itself). It follows table headers ([a], [[a]] with element
// numbers) and key = value lines, and skips the continuation lines of
// multi-line arrays and strings; that is all a serve configuration uses.
type keyLines struct {
	exact map[string]int   // "plans[1].allowance" -> 14
	bare  map[string][]int // "plans.allowance" -> [9, 14]
}

func indexLines(src string) *keyLines {
	kl := &keyLines{exact: map[string]int{}, bare: map[string][]int{}}
	arrays := map[string]int{}
	prefix, bare := "", ""
	depth, multi := 0, ""
	for n, raw := range strings.Split(src, "\n") {
		line := n + 1
		if multi != "" {
			if strings.Contains(raw, multi) {
				multi = ""
			}
			continue
		}
		t := strings.TrimSpace(stripComment(raw))
		if depth > 0 {
			depth += strings.Count(t, "[") - strings.Count(t, "]")
			continue
		}
		switch {
		case t == "":
		case strings.HasPrefix(t, "[["):
			name := strings.TrimSpace(strings.Trim(t, "[]"))
			idx, seen := arrays[name]
			if seen {
				idx++
			}
			arrays[name] = idx
			prefix, bare = name+"["+strconv.Itoa(idx)+"]", name
			kl.add(prefix, bare, line)
		case strings.HasPrefix(t, "["):
			prefix = strings.TrimSpace(strings.Trim(t, "[]"))
			bare = prefix
			kl.add(prefix, bare, line)
		default:
			k, val, ok := strings.Cut(t, "=")
			if !ok {
				continue
			}
			k = strings.Trim(strings.TrimSpace(k), `"'`)
			kl.add(join(prefix, k), join(bare, k), line)
			val = strings.TrimSpace(val)
			for _, q := range []string{`"""`, `'''`} {
				if strings.HasPrefix(val, q) && strings.Count(val, q) == 1 {
					multi = q
				}
			}
			depth = max(strings.Count(val, "[")-strings.Count(val, "]"), 0)
		}
	}
	return kl
}

func join(prefix, key string) string {
	if prefix == "" {
		return key
	}
	return prefix + "." + key
}

func (kl *keyLines) add(exact, bare string, line int) {
	if _, ok := kl.exact[exact]; !ok {
		kl.exact[exact] = line
	}
	kl.bare[bare] = append(kl.bare[bare], line)
}

// line returns the line of a key path such as "plans[1].allowance", or of
// its nearest written parent when the key itself is not written; 0 when
// none is.
func (kl *keyLines) line(path string) int {
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

// all returns every line a key path without element numbers (as the
// decoder names undecoded keys) is written on; [0] when none.
func (kl *keyLines) all(bare string) []int {
	if l := kl.bare[bare]; len(l) > 0 {
		return l
	}
	return []int{0}
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
