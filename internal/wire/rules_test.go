package wire

import "testing"

func TestRequestRuleMatch(t *testing.T) {
	cases := []struct {
		rule, method, path string
		want               bool
	}{
		{"GET /bot{{auth}}/getMe", "GET", "/bot{{auth}}/getMe", true},
		{"GET /bot{{auth}}/getMe", "POST", "/bot{{auth}}/getMe", false},
		{"GET /bot{{auth}}/getMe", "GET", "/bot{{auth}}/getme", false}, // case-sensitive
		{"GET /bot{{auth}}/getMe", "GET", "/bot{{auth}}/getMe/", false},
		{"GET /bot{{auth}}/getMe", "GET", "/bot{{auth}}/sendMessage", false},
		{"get,head /a/*", "HEAD", "/a/b", true},
		{"GET /a/*", "GET", "/a/", false}, // * never matches an empty segment
		{"GET /a/*", "GET", "/a/b/c", false},
		{"GET /a/*(*)", "GET", "/a/MaintenanceOrder('4000001')", true},
		{"GET /a/*(*)", "GET", "/a/MaintenanceOrder%28%274000001%27%29", true},
		{"GET /a/*", "GET", "/a/x%2Fy", true}, // an escaped slash stays in its segment
		{"GET /a/*/b", "GET", "/a/x%2Fy/b", true},
		{"GET /bot{{auth}}/getMe", "GET", "/bot%7B%7Bauth%7D%7D/getMe", true},
		{"GET /a/*(*)", "GET", "/a/MaintenanceOrder", false},
		{"POST /m/os/mxwo/*", "POST", "/m/os/mxwo/_QkVERk9SRC8xMDAw", true},
		{"POST /m/os/mxwo/*", "POST", "/m/os/mxwo", false},
		{"GET /sap/**", "GET", "/sap", true},
		{"GET /sap/**", "GET", "/sap/a/b/c", true},
		{"GET /sap/**/x", "GET", "/sap/x", true},
		{"GET /sap/**/x", "GET", "/sap/a/b/x", true},
		{"GET /sap/**/x", "GET", "/sap/a/b/y", false},
		{"* /any/**", "DELETE", "/any/thing", true},
		{"GET /", "GET", "", true},
	}
	for _, c := range cases {
		r, err := ParseRequestRule(c.rule)
		if err != nil {
			t.Fatalf("%s: %v", c.rule, err)
		}
		if got := r.Match(c.method, MustParseRequestPath(c.path)); got != c.want {
			t.Errorf("%q matches %s %s = %v, want %v", c.rule, c.method, c.path, got, c.want)
		}
	}
}

func TestRequestRuleParseErrors(t *testing.T) {
	for _, bad := range []string{
		"", "GET", "/path", "GET path", "G T /x", "GET /a?x=1", "GET /a#f", "GET /a/**b", "GET /a/../b",
		"GET /a/./b", "GET /a/..;x/b", `GET /a\b`, "GET /a/\x00",
	} {
		if _, err := ParseRequestRule(bad); err == nil {
			t.Errorf("%q parsed", bad)
		}
	}
	r, err := ParseRequestRule(" get , HEAD,get  /x/* ")
	if err != nil || r.String() != "GET,HEAD /x/*" {
		t.Fatalf("normalised = %q, %v", r.String(), err)
	}
}

func TestParseRequestPath(t *testing.T) {
	for _, bad := range []string{"/a/../b", "/a/..", "/..;/b", "/a/./b", `/a\..\b`, "/a/%5C", "/a/\r", "/a/..%2Fb",
		"/a/x%2F..%2F..%2Fadmin", "/a/%2e%2e/b", "/a/%zz", "a/b"} {
		if _, err := ParseRequestPath(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
	for path, want := range map[string]string{"/": "/", "": "/", "/a/b": "/a/b", "/a/..b": "/a/..b", "/a/b.json": "/a/b.json",
		"/API_X;v=0002/Set": "/API_X;v=0002/Set", "/a/b%2Fc": "/a/b/c", "/bot%7B%7Bauth%7D%7D/x": "/bot{{auth}}/x"} {
		p, err := ParseRequestPath(path)
		if err != nil || p.String() != want {
			t.Errorf("%q = %q, %v; want %q", path, p, err, want)
		}
	}
	if p := MustParseRequestPath("/a/b%2Fc"); len(p) != 2 || p[1] != "b/c" {
		t.Fatalf("segments = %q", p)
	}
}

func TestManifestNeedsDeclaredRequests(t *testing.T) {
	m := Manifest{Name: "p", Version: "1", ABI: "1.0", Kind: "cmms", HTTP: []OriginRequest{{Pattern: "https://x.example"}}}
	if err := m.Validate(); err == nil {
		t.Fatal("an origin without reads or writes validated")
	}
	m.HTTP[0].Reads = []string{"GET /x"}
	if err := m.Validate(); err != nil {
		t.Fatal(err)
	}
	m.HTTP[0].Writes = []string{"POST x"}
	if err := m.Validate(); err == nil {
		t.Fatal("a malformed write rule validated")
	}
}
