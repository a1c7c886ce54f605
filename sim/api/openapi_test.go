package api

import (
	"bytes"
	"net/http"
	"os"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"
)

// documentedRoutes reads "METHOD /path" pairs from the paths section of
// the OpenAPI document: paths are the keys indented two spaces under
// "paths:", operations the method keys indented four spaces under them.
func documentedRoutes(t *testing.T, doc []byte) []string {
	t.Helper()
	var out []string
	in, path := false, ""
	pathRe := regexp.MustCompile(`^  (/\S*):\s*$`)
	opRe := regexp.MustCompile(`^    (get|put|post|delete|patch|head|options|trace):\s*$`)
	for _, line := range strings.Split(string(doc), "\n") {
		switch {
		case line == "paths:":
			in = true
		case in && line != "" && line[0] != ' ' && line[0] != '#':
			in = false
		case in:
			if m := pathRe.FindStringSubmatch(line); m != nil {
				path = m[1]
			} else if m := opRe.FindStringSubmatch(line); m != nil {
				out = append(out, strings.ToUpper(m[1])+" "+path)
			}
		}
	}
	sort.Strings(out)
	return out
}

// TestOpenAPICoversRoutes: every route the server serves is in the
// document, and every operation of the document is served.
func TestOpenAPICoversRoutes(t *testing.T) {
	t.Parallel()
	a := newTestAPI(t, nil)
	resp, body := a.do("GET", "/v1/openapi.yaml", "")
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "application/yaml" || !bytes.Equal(body, OpenAPI) {
		t.Fatalf("GET /v1/openapi.yaml: %d %s, %d bytes", resp.StatusCode, resp.Header.Get("Content-Type"), len(body))
	}
	if !bytes.HasPrefix(OpenAPI, []byte("openapi: 3.1.")) {
		t.Fatal("not an OpenAPI 3.1 document")
	}
	var served []string
	for _, rt := range a.srv.routes {
		served = append(served, rt.method+" "+rt.path)
	}
	sort.Strings(served)
	documented := documentedRoutes(t, OpenAPI)
	for _, r := range served {
		if !slices.Contains(documented, r) {
			t.Errorf("%s is served but not in openapi.yaml", r)
		}
	}
	for _, r := range documented {
		if !slices.Contains(served, r) {
			t.Errorf("%s is in openapi.yaml but not served", r)
		}
	}
	if len(served) < 20 {
		t.Fatalf("only %d routes served: %v", len(served), served)
	}
}

// TestProblemCodesDocumented: every problem code has a section in
// problems.md (its type URI's fragment) and is in the document's enum.
func TestProblemCodesDocumented(t *testing.T) {
	t.Parallel()
	md, err := os.ReadFile("problems.md")
	if err != nil {
		t.Fatal(err)
	}
	headings := regexp.MustCompile(`(?m)^## (\S+)$`).FindAllStringSubmatch(string(md), -1)
	var documented []string
	for _, h := range headings {
		documented = append(documented, h[1])
	}
	enum := regexp.MustCompile(`(?s)code:\s+type: string\s+enum: \[([^\]]*)\]`).FindSubmatch(OpenAPI)
	if enum == nil {
		t.Fatal("no code enum in openapi.yaml")
	}
	var inEnum []string
	for _, c := range strings.Split(string(enum[1]), ",") {
		inEnum = append(inEnum, strings.TrimSpace(c))
	}
	var codes []string
	for c := range problemTitles {
		codes = append(codes, c)
	}
	sort.Strings(codes)
	for _, list := range [][]string{documented, inEnum} {
		sort.Strings(list)
		if !slices.Equal(list, codes) {
			t.Errorf("documented codes %v,\nwant %v", list, codes)
		}
	}
}
