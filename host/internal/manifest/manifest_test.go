package manifest

import (
	"github.com/machina-go/machina/abi"
	"strings"
	"testing"
)

func TestParse(t *testing.T) {
	good := `name = "cmms-x"
version = "1.2.3"
abi = "1.0"
kind = "cmms"
[[http]]
origin = "https://*.example.com"
auth = ["basic", "header"]
purpose = "CMMS API"
reads = ["GET /api/assets/*"]
writes = ["POST /api/workorders"]
[kv]
quota_bytes = 4096
`
	m, err := Parse([]byte(good))
	if err != nil {
		t.Fatal(err)
	}
	if m.Name != "cmms-x" || len(m.HTTP) != 1 || m.KV.QuotaBytes != 4096 {
		t.Fatalf("got %+v", m)
	}
	for name, text := range map[string]string{
		"unknown key":    good + "\nhttp_everything = true\n",
		"abi v2":         strings.Replace(good, `abi = "1.0"`, `abi = "2.0"`, 1),
		"bad kind":       strings.Replace(good, `kind = "cmms"`, `kind = "erp"`, 1),
		"bad origin":     strings.Replace(good, "https://*.example.com", "ftp://x", 1),
		"path in origin": strings.Replace(good, "https://*.example.com", "https://x.com/api", 1),
		"bad auth":       strings.Replace(good, `"basic"`, `"kerberos"`, 1),
		"bad read":       strings.Replace(good, `"GET /api/assets/*"`, `"GET api/assets"`, 1),
		"dot segment":    strings.Replace(good, `"POST /api/workorders"`, `"POST /api/../x"`, 1),
		"no requests":    strings.Replace(strings.Replace(good, "reads = [\"GET /api/assets/*\"]\n", "", 1), "writes = [\"POST /api/workorders\"]\n", "", 1),
	} {
		if _, err := Parse([]byte(text)); err == nil {
			t.Errorf("%s: want error", name)
		}
	}
	_, err = Parse([]byte(strings.Replace(good, `abi = "1.0"`, `abi = "2.0"`, 1)))
	if !strings.Contains(err.Error(), "2.0") || !strings.Contains(err.Error(), abi.Version) {
		t.Errorf("abi error should name both versions: %v", err)
	}
}
