package maximo

import "testing"

func TestWhereParser(t *testing.T) {
	rec := record{"assetnum": `P-1" or x`, "status": "INPRG", "wopriority": 2, "description": "Centrifugal pump"}
	cases := []struct {
		where string
		want  bool
	}{
		{`assetnum="P-1"" or x"`, true},
		{`assetnum="P-1"`, false},
		{`status="INPRG" and wopriority=2`, true},
		{`status="COMP" or wopriority=2`, true},
		{`status="COMP" or status="CLOSE" and wopriority=2`, false}, // and binds tighter
		{`(status="COMP" or status="INPRG") and wopriority=2`, true},
		{`status in ["COMP","INPRG"]`, true},
		{`status in ["COMP"]`, false},
		{`status!="COMP"`, true},
		{`description="%pump"`, true},
		{`description="centrifugal%"`, true},
		{`description="%pomp%"`, false},
		{`missing!="x"`, true},
		{`missing="x"`, false},
		{`STATUS="INPRG" AND wopriority=2.0`, true},
	}
	for _, c := range cases {
		e, err := parseWhere(c.where)
		if err != nil {
			t.Fatalf("%s: %v", c.where, err)
		}
		if got := e.Eval(rec); got != c.want {
			t.Errorf("%s = %v, want %v", c.where, got, c.want)
		}
	}
	for _, bad := range []string{
		`assetnum="P-1`, `assetnum="a` + "\n" + `"`, `assetnum=`, `assetnum "x"`, `(status="x"`, `status in "x"`,
		`status in ["a" "b"]`, `status="a" or`, `status="a" xor status="b"`, `assetnum=P-1`, `a=1 b=2`, "a=\"x\"\x01",
	} {
		if _, err := parseWhere(bad); err == nil {
			t.Errorf("%q parsed", bad)
		}
	}
}
