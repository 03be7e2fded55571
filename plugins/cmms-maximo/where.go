package main

import (
	"strings"

	"github.com/machina-go/machina/abi"
)

// oslcString quotes v as an OSLC string literal for an exact match: a
// double quote is doubled (OSLC/SQL style), control characters are refused,
// and so is "%", which Maximo reads as a LIKE wildcard at either end of a
// value. The result can never close the literal early, so a hostile value
// like `P-1" or assetnum="*` stays one literal and cannot widen a query.
func oslcString(field, v string) (string, error) {
	if strings.TrimSpace(v) == "" {
		return "", abi.InvalidArgument("%s is empty", field)
	}
	for _, r := range v {
		if r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) {
			return "", abi.InvalidArgument("%s contains a control character", field)
		}
	}
	if strings.ContainsRune(v, '%') {
		return "", abi.InvalidArgument("%s contains %%, which Maximo treats as a wildcard", field)
	}
	return `"` + strings.ReplaceAll(v, `"`, `""`) + `"`, nil
}

// where builds an oslc.where clause joined with "and".
type where struct {
	parts []string
	err   error
}

// eq adds attr="value".
func (w *where) eq(attr, field, v string) *where {
	q, err := oslcString(field, v)
	if err != nil && w.err == nil {
		w.err = err
	}
	w.parts = append(w.parts, attr+"="+q)
	return w
}

// in adds attr in ["a","b"].
func (w *where) in(attr, field string, vs []string) *where {
	qs := make([]string, 0, len(vs))
	for _, v := range vs {
		q, err := oslcString(field, v)
		if err != nil && w.err == nil {
			w.err = err
		}
		qs = append(qs, q)
	}
	w.parts = append(w.parts, attr+" in ["+strings.Join(qs, ",")+"]")
	return w
}

// raw adds a clause built from constants only.
func (w *where) raw(clause string) *where {
	w.parts = append(w.parts, clause)
	return w
}

// String returns the clause.
func (w *where) String() string { return strings.Join(w.parts, " and ") }
