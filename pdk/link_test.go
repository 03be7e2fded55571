package pdk

import "testing"

func TestResolveLink(t *testing.T) {
	const base = "https://maximo.plant.example.com/maximo/"
	for _, c := range []struct {
		link, want string
		rebased    bool
	}{
		// relative hrefs (Maximo relativeuri=1) resolve against the webapp root.
		{"oslc/os/mxapiasset?pageno=2&lean=1", "https://maximo.plant.example.com/maximo/oslc/os/mxapiasset?pageno=2&lean=1", false},
		{"/maximo/oslc/os/mxwo/_QkVERk9SRC8xMDAw", "https://maximo.plant.example.com/maximo/oslc/os/mxwo/_QkVERk9SRC8xMDAw", false},
		// same origin: as is.
		{"https://maximo.plant.example.com/maximo/oslc/os/mxasset?pageno=3", "https://maximo.plant.example.com/maximo/oslc/os/mxasset?pageno=3", false},
		// another host (IBM's default webappurl, a WebSphere node behind a load balancer): re-based.
		{"http://localhost/maximo/oslc/os/mxapiasset?pageno=2&oslc.select=assetnum%2Clocation&lean=1", "https://maximo.plant.example.com/maximo/oslc/os/mxapiasset?pageno=2&oslc.select=assetnum%2Clocation&lean=1", true},
		{"http://mxapp01.corp.internal:9080/maximo/oslc/os/mxapiasset?pageno=2", "https://maximo.plant.example.com/maximo/oslc/os/mxapiasset?pageno=2", true},
		// same host, other port or scheme: re-based too.
		{"https://maximo.plant.example.com:9443/maximo/x", "https://maximo.plant.example.com/maximo/x", true},
		{"http://maximo.plant.example.com/maximo/x", "https://maximo.plant.example.com/maximo/x", true},
		{"//evil.example/maximo/x?y=1", "https://maximo.plant.example.com/maximo/x?y=1", true},
	} {
		got, rebased, err := ResolveLink(base, c.link)
		if err != nil || got != c.want || rebased != c.rebased {
			t.Errorf("ResolveLink(%q) = %q, %v, %v; want %q, %v", c.link, got, rebased, err, c.want, c.rebased)
		}
		if Origin(got) != "https://maximo.plant.example.com" {
			t.Errorf("ResolveLink(%q) left the origin: %q", c.link, got)
		}
	}
	for _, bad := range []string{"", "ftp://x/y", "http://u:p@localhost/maximo", "javascript:alert(1)", "http://[::1"} {
		if got, _, err := ResolveLink(base, bad); err == nil {
			t.Errorf("ResolveLink(%q) = %q, want an error", bad, got)
		}
	}
	if _, _, err := ResolveLink("oslc/x", "y"); err == nil {
		t.Error("a relative base was accepted")
	}
}

func TestScalar(t *testing.T) {
	for v, want := range map[any]string{" CM ": "CM", 7.0: "7", 7.5: "7.5", true: "true", nil: ""} {
		if got := Scalar(v); got != want {
			t.Errorf("Scalar(%#v) = %q, want %q", v, got, want)
		}
	}
	if Scalar(map[string]any{}) != "" || Scalar([]any{"x"}) != "" {
		t.Error("composites read as scalars")
	}
}
