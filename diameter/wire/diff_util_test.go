package wire

import (
	"fmt"
	"reflect"
	"strings"
)

// diff lists the paths at which got and want differ, for readable
// failures on the large message structs.
func diff(got, want any) string {
	var out []string
	diffValue(&out, "", reflect.ValueOf(got), reflect.ValueOf(want))
	if len(out) == 0 {
		return "(no difference)"
	}
	return "\n\t" + strings.Join(out, "\n\t")
}

func diffValue(out *[]string, path string, a, b reflect.Value) {
	if len(*out) > 20 {
		return
	}
	switch a.Kind() {
	case reflect.Pointer:
		diffValue(out, path, a.Elem(), b.Elem())
	case reflect.Struct:
		for i := range a.NumField() {
			diffValue(out, path+"."+a.Type().Field(i).Name, a.Field(i), b.Field(i))
		}
	case reflect.Array:
		for i := range a.Len() {
			diffValue(out, fmt.Sprintf("%s[%d]", path, i), a.Index(i), b.Index(i))
		}
	default:
		if !reflect.DeepEqual(a.Interface(), b.Interface()) {
			*out = append(*out, fmt.Sprintf("%s: got %v, want %v", path, fmtValue(a), fmtValue(b)))
		}
	}
}

func fmtValue(v reflect.Value) string {
	if v.Kind() == reflect.Slice && v.Type().Elem().Kind() == reflect.Uint8 {
		if v.IsNil() {
			return "nil"
		}
		return fmt.Sprintf("%q", v.Bytes())
	}
	return fmt.Sprint(v.Interface())
}

// dump prints the non-zero fields of a message struct.
func dump(v any) string {
	var out []string
	dumpValue(&out, "", reflect.ValueOf(v))
	return "{" + strings.Join(out, " ") + "}"
}

func dumpValue(out *[]string, path string, v reflect.Value) {
	switch v.Kind() {
	case reflect.Pointer:
		dumpValue(out, path, v.Elem())
	case reflect.Struct:
		for i := range v.NumField() {
			dumpValue(out, path+"."+v.Type().Field(i).Name, v.Field(i))
		}
	case reflect.Array:
		for i := range v.Len() {
			dumpValue(out, fmt.Sprintf("%s[%d]", path, i), v.Index(i))
		}
	default:
		if !v.IsZero() {
			*out = append(*out, path+"="+fmtValue(v))
		}
	}
}
