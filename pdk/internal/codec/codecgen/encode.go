package codecgen

import (
	"bytes"
	"fmt"
	"reflect"
	"strconv"
)

// encodeFunc writes append<T>, which encodes a *T as encoding/json does.
func (g *generator) encodeFunc(w *bytes.Buffer, t reflect.Type) {
	fmt.Fprintf(w, "\nfunc append%s(b []byte, v *%s) ([]byte, error) {\n\tvar err error\n\tb = append(b, '{')\n\tn := len(b)\n", funcSuffix(t), g.typeName(t))
	for _, f := range fields(t) {
		expr := "v." + f.goName
		cond := "true"
		if f.omitEmpty {
			cond = nonEmpty(expr, f.typ)
		}
		key := strconv.Quote(strconv.Quote(f.jsonName) + ":")
		if cond != "true" {
			fmt.Fprintf(w, "\tif %s {\n", cond)
		}
		fmt.Fprintf(w, "\tb = Member(b, n, %s)\n", key)
		g.encValue(w, expr, f.typ, 0)
		if cond != "true" {
			w.WriteString("\t}\n")
		}
	}
	w.WriteString("\t_, _ = err, n\n\treturn append(b, '}'), nil\n}\n")
}

// nonEmpty is the negation of encoding/json's isEmptyValue for omitempty.
func nonEmpty(expr string, t reflect.Type) string {
	switch t.Kind() {
	case reflect.String, reflect.Slice, reflect.Map, reflect.Array:
		return "len(" + expr + ") != 0"
	case reflect.Bool:
		return expr
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64,
		reflect.Float32, reflect.Float64:
		return expr + " != 0"
	case reflect.Pointer, reflect.Interface:
		return expr + " != nil"
	}
	return "true" // structs are never empty
}

// encValue writes statements appending the value of expr (of type t) to b.
func (g *generator) encValue(w *bytes.Buffer, expr string, t reflect.Type, depth int) {
	check := "; err != nil {\n\t\treturn b, err\n\t}\n"
	switch {
	case t == timeType:
		fmt.Fprintf(w, "\tif b, err = AppendTime(b, %s)%s", expr, check)
		return
	case t == anyType:
		fmt.Fprintf(w, "\tif b, err = AppendAny(b, %s)%s", expr, check)
		return
	}
	switch t.Kind() {
	case reflect.String:
		fmt.Fprintf(w, "\tb = AppendString(b, string(%s))\n", expr)
	case reflect.Bool:
		fmt.Fprintf(w, "\tb = AppendBool(b, bool(%s))\n", expr)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		fmt.Fprintf(w, "\tb = strconv.AppendInt(b, int64(%s), 10)\n", expr)
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		fmt.Fprintf(w, "\tb = strconv.AppendUint(b, uint64(%s), 10)\n", expr)
	case reflect.Float32, reflect.Float64:
		fmt.Fprintf(w, "\tif b, err = AppendFloat(b, float64(%s), %d)%s", expr, t.Bits(), check)
	case reflect.Struct:
		g.needEnc(t)
		fmt.Fprintf(w, "\tif b, err = append%s(b, &%s)%s", funcSuffix(t), expr, check)
	case reflect.Pointer:
		if t.Elem().Kind() != reflect.Struct || t.Elem() == timeType {
			fmt.Fprintf(w, "\tif %s == nil {\n\t\tb = append(b, \"null\"...)\n\t} else {\n", expr)
			g.encValue(w, "(*"+expr+")", t.Elem(), depth+1)
			w.WriteString("\t}\n")
			return
		}
		g.needEnc(t.Elem())
		fmt.Fprintf(w, "\tif %s == nil {\n\t\tb = append(b, \"null\"...)\n\t} else if b, err = append%s(b, %s)%s", expr, funcSuffix(t.Elem()), expr, check)
	case reflect.Map:
		switch t {
		case reflect.TypeOf(map[string]any{}):
			fmt.Fprintf(w, "\tif b, err = AppendAnyMap(b, %s)%s", expr, check)
		case reflect.TypeOf(map[string]string{}):
			fmt.Fprintf(w, "\tb = AppendStringMap(b, %s)\n", expr)
		default:
			panic(fmt.Sprintf("codecgen: cannot encode %v", t))
		}
	case reflect.Slice:
		if t.Elem().Kind() == reflect.Uint8 {
			fmt.Fprintf(w, "\tif %s == nil {\n\t\tb = append(b, \"null\"...)\n\t} else {\n\t\tb = append(b, '\"')\n\t\tb = base64.StdEncoding.AppendEncode(b, %s)\n\t\tb = append(b, '\"')\n\t}\n", expr, expr)
			return
		}
		i := fmt.Sprintf("i%d", depth)
		fmt.Fprintf(w, "\tif %s == nil {\n\t\tb = append(b, \"null\"...)\n\t} else {\n\t\tb = append(b, '[')\n\t\tfor %s := range %s {\n\t\t\tif %s > 0 {\n\t\t\t\tb = append(b, ',')\n\t\t\t}\n", expr, i, expr, i)
		g.encValue(w, expr+"["+i+"]", t.Elem(), depth+1)
		w.WriteString("\t\t}\n\t\tb = append(b, ']')\n\t}\n")
	default:
		panic(fmt.Sprintf("codecgen: cannot encode %v", t))
	}
}
