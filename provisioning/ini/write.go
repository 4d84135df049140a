package ini

import (
	"bufio"
	"fmt"
	"io"
	"strings"
)

// Write writes f in ini syntax with LF line ends: parameters first, then
// each table in its own block. Values keep the quoting they were parsed with;
// a bare value that would not read back as itself is quoted.
func Write(w io.Writer, f *File) error {
	bw := bufio.NewWriter(w)
	for _, p := range f.Params {
		fmt.Fprintf(bw, "%s = %s\n", p.Name, joinValues(p.Values, '\''))
	}
	for _, t := range f.Tables {
		if len(f.Params) > 0 || t != f.Tables[0] {
			bw.WriteString("\n")
		}
		fmt.Fprintf(bw, "[ %s ]\n", t.Name)
		fmt.Fprintf(bw, "FORMAT %s = %s;\n", t.IndexName, strings.Join(t.Columns, ", "))
		for _, r := range t.Rows {
			fmt.Fprintf(bw, "%s %d = %s;\n", t.Name, r.Index, joinValues(r.Values, '"'))
		}
		fmt.Fprintf(bw, "[ \\%s ]\n", t.Name)
	}
	return bw.Flush()
}

func joinValues(vs []Value, preferred byte) string {
	var b strings.Builder
	for i, v := range vs {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(quote(v, preferred))
	}
	return b.String()
}

// quote renders v so that Parse reads back the same Text.
func quote(v Value, preferred byte) string {
	if v.Quote == 0 && bareSafe(v.Text) {
		return v.Text
	}
	q := v.Quote
	if q == 0 {
		q = preferred
	}
	if strings.IndexByte(v.Text, q) >= 0 {
		q = '\'' + '"' - q // the other quote
	}
	return string(q) + v.Text + string(q)
}

// bareSafe reports whether text reads back unchanged as a bare value.
func bareSafe(text string) bool {
	if text == "" || strings.ContainsAny(text, ",;'\"\r\n") {
		return false
	}
	return strings.TrimSpace(text) == text
}
