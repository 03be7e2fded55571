package codecgen

import (
	"bytes"
	"fmt"
	"reflect"
	"strconv"
)

// decodeFunc writes decode<T>, which decodes into a *T as encoding/json
// does, and the list of its member names.
func (g *generator) decodeFunc(w *bytes.Buffer, t reflect.Type) {
	fs := fields(t)
	name := funcSuffix(t)
	fmt.Fprintf(w, "\nfunc decode%s(d *Decoder, v *%s) {\n\tif d.Null() {\n\t\treturn\n\t}\n", name, g.typeName(t))
	if len(fs) == 0 {
		w.WriteString("\td.Object(func([]byte) { d.Skip() })\n}\n")
		return
	}
	fmt.Fprintf(w, "\td.Object(func(k []byte) {\n\t\tswitch Field(k, fields%s) {\n", name)
	names := make([]string, len(fs))
	for i, f := range fs {
		names[i] = strconv.Quote(f.jsonName)
		fmt.Fprintf(w, "\t\tcase %d:\n", i)
		g.decValue(w, "v."+f.goName, f.typ, 0)
	}
	w.WriteString("\t\tdefault:\n\t\t\td.Skip()\n\t\t}\n\t})\n}\n")
	fmt.Fprintf(w, "\nvar fields%s = []string{", name)
	for i, n := range names {
		if i > 0 {
			w.WriteString(", ")
		}
		w.WriteString(n)
	}
	w.WriteString("}\n")
}

// goType is the Go expression of t.
func (g *generator) goType(t reflect.Type) string {
	switch {
	case t == anyType:
		return "any"
	case t.Name() != "" && t.PkgPath() != "":
		return g.typeName(t)
	case t.Name() != "":
		return t.Name()
	}
	switch t.Kind() {
	case reflect.Slice:
		return "[]" + g.goType(t.Elem())
	case reflect.Pointer:
		return "*" + g.goType(t.Elem())
	case reflect.Map:
		return "map[" + g.goType(t.Key()) + "]" + g.goType(t.Elem())
	}
	panic(fmt.Sprintf("codecgen: no name for %v", t))
}

// bits is the size argument for an integer or float kind: strconv.IntSize
// for int and uint, whose size depends on the platform.
func bits(t reflect.Type) string {
	if k := t.Kind(); k == reflect.Int || k == reflect.Uint {
		return "strconv.IntSize"
	}
	return strconv.Itoa(t.Bits())
}

// decValue writes statements decoding the next value into expr (of type
// t), with encoding/json's treatment of null.
func (g *generator) decValue(w *bytes.Buffer, expr string, t reflect.Type, depth int) {
	if t == anyType {
		fmt.Fprintf(w, "\t\t\t%s = d.Any()\n", expr)
		return
	}
	scalar := func(call string) {
		fmt.Fprintf(w, "\t\t\tif !d.Null() {\n\t\t\t\t%s = %s(%s)\n\t\t\t}\n", expr, g.goType(t), call)
	}
	switch t.Kind() {
	case reflect.String:
		scalar("d.String()")
	case reflect.Bool:
		scalar("d.Bool()")
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		scalar("d.Int(" + bits(t) + ")")
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		scalar("d.Uint(" + bits(t) + ")")
	case reflect.Float32, reflect.Float64:
		scalar("d.Float(" + bits(t) + ")")
	case reflect.Struct:
		g.needDec(t)
		fmt.Fprintf(w, "\t\t\tdecode%s(d, &%s)\n", funcSuffix(t), expr)
	case reflect.Pointer:
		if t.Elem().Kind() != reflect.Struct {
			p := fmt.Sprintf("p%d", depth)
			fmt.Fprintf(w, "\t\t\tif d.Null() {\n\t\t\t\t%s = nil\n\t\t\t} else {\n\t\t\t\t%s := %s\n\t\t\t\tif %s == nil {\n\t\t\t\t\t%s = new(%s)\n\t\t\t\t}\n",
				expr, p, expr, p, p, g.goType(t.Elem()))
			g.decValue(w, "(*"+p+")", t.Elem(), depth+1)
			fmt.Fprintf(w, "\t\t\t\t%s = %s\n\t\t\t}\n", expr, p)
			return
		}
		g.needDec(t.Elem())
		fmt.Fprintf(w, "\t\t\tif d.Null() {\n\t\t\t\t%s = nil\n\t\t\t} else {\n\t\t\t\tif %s == nil {\n\t\t\t\t\t%s = new(%s)\n\t\t\t\t}\n\t\t\t\tdecode%s(d, %s)\n\t\t\t}\n",
			expr, expr, expr, g.goType(t.Elem()), funcSuffix(t.Elem()), expr)
	case reflect.Map:
		if t.Key().Kind() != reflect.String || t.Key().Name() != "string" {
			panic(fmt.Sprintf("codecgen: cannot decode %v", t))
		}
		fmt.Fprintf(w, "\t\t\tif d.Null() {\n\t\t\t\t%s = nil\n\t\t\t} else {\n\t\t\t\tif %s == nil {\n\t\t\t\t\t%s = %s{}\n\t\t\t\t}\n\t\t\t\tm := %s\n\t\t\t\td.Object(func(k []byte) {\n\t\t\t\t\tkey := string(k)\n\t\t\t\t\tvar e %s\n",
			expr, expr, expr, g.goType(t), expr, g.goType(t.Elem()))
		g.decValue(w, "e", t.Elem(), depth+1)
		w.WriteString("\t\t\t\t\tm[key] = e\n\t\t\t\t})\n\t\t\t}\n")
	case reflect.Slice:
		if t.Elem().Kind() == reflect.Uint8 {
			fmt.Fprintf(w, "\t\t\tif d.Null() {\n\t\t\t\t%s = nil\n\t\t\t} else {\n\t\t\t\t%s = d.Bytes()\n\t\t\t}\n", expr, expr)
			return
		}
		s := fmt.Sprintf("s%d", depth)
		fmt.Fprintf(w, "\t\t\tif d.Null() {\n\t\t\t\t%s = nil\n\t\t\t} else {\n\t\t\t\t%s := %s[:0]\n\t\t\t\td.Array(func() {\n\t\t\t\t\tvar e %s\n",
			expr, s, expr, g.goType(t.Elem()))
		g.decValue(w, "e", t.Elem(), depth+1)
		fmt.Fprintf(w, "\t\t\t\t\t%s = append(%s, e)\n\t\t\t\t})\n\t\t\t\tif %s == nil {\n\t\t\t\t\t%s = %s{}\n\t\t\t\t}\n\t\t\t\t%s = %s\n\t\t\t}\n",
			s, s, s, s, g.goType(t), expr, s)
	default:
		panic(fmt.Sprintf("codecgen: cannot decode %v", t))
	}
}
