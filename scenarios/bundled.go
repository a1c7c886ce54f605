package scenarios

import (
	"embed"
	"errors"
	"io/fs"
	"os"
	"sort"
	"strings"
)

//go:embed bundled/*.toml
var bundledFS embed.FS

// BundledNames lists the scenarios shipped inside the binary.
func BundledNames() []string {
	entries, _ := fs.ReadDir(bundledFS, "bundled")
	var out []string
	for _, e := range entries {
		out = append(out, strings.TrimSuffix(e.Name(), ".toml"))
	}
	sort.Strings(out)
	return out
}

// Open loads a scenario by path or, when no such file exists and the name
// has no extension, by the name of a bundled scenario ("smoke").
func Open(nameOrPath string) (*Scenario, error) {
	if _, err := os.Stat(nameOrPath); err == nil || strings.ContainsAny(nameOrPath, "/\\.") {
		return Load(nameOrPath)
	}
	b, err := bundledFS.ReadFile("bundled/" + nameOrPath + ".toml")
	if err != nil {
		return nil, errors.New("scenarios: no file " + nameOrPath + " and no bundled scenario of that name (bundled: " +
			strings.Join(BundledNames(), ", ") + ")")
	}
	return Parse("bundled/"+nameOrPath+".toml", b)
}
