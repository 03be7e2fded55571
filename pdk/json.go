package pdk

import (
	"encoding/json"
	"strconv"
	"strings"
)

// Scalar renders a decoded JSON scalar as a trimmed string: strings
// trimmed, numbers in their shortest form (7, 7.5, not 7.000000), booleans
// as true/false; objects, arrays and null give "". Upstream APIs send the
// same attribute as a string in one payload and a number in another (OData
// v2 decimals, Maximo priorities); read codes with Scalar.
func Scalar(v any) string {
	switch x := v.(type) {
	case string:
		return strings.TrimSpace(x)
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	case json.Number:
		return x.String()
	case bool:
		return strconv.FormatBool(x)
	}
	return ""
}
