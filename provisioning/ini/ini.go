package ini

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// Pos is a position in an ini file; lines and columns count from 1.
type Pos struct {
	File string
	Line int
	Col  int
}

func (p Pos) String() string {
	name := p.File
	if name == "" {
		name = "<ini>"
	}
	return fmt.Sprintf("%s:%d:%d", name, p.Line, p.Col)
}

// Value is one item of a parameter value or table cell.
type Value struct {
	Text string
	// Quote is the quote character the value was written with: '\'', '"', or
	// 0 for a bare value.
	Quote byte
}

// IsDefault reports whether the value is the `$$` placeholder for the
// column's default.
func (v Value) IsDefault() bool { return v.Quote == 0 && v.Text == "$$" }

// IsHidden reports whether the value is `*`, which exports write in place of
// a secret.
func (v Value) IsHidden() bool { return v.Text == "*" }

func (v Value) String() string {
	if v.Quote == 0 {
		return v.Text
	}
	q := string(v.Quote)
	return q + v.Text + q
}

// Param is one `Name = Value[, Value...]` line.
type Param struct {
	Name   string
	Values []Value
	Pos    Pos
}

// Table is a table block: its FORMAT line and its rows.
type Table struct {
	Name string
	// IndexName is the name of the index column as FORMAT gave it.
	IndexName string
	// Columns are the column names in FORMAT order, as written (usually
	// prefixed with the table name, "PREFIX_DestAddress").
	Columns []string
	Rows    []Row
	Pos     Pos
}

// Row is one `Table Index = v1, v2;` line.
type Row struct {
	Index  int
	Values []Value
	Pos    Pos
}

// File is a parsed ini file.
type File struct {
	Params []Param
	Tables []*Table
}

// Lookup returns the last parameter named name (case-insensitive).
func (f *File) Lookup(name string) (Param, bool) {
	for i := len(f.Params) - 1; i >= 0; i-- {
		if strings.EqualFold(f.Params[i].Name, name) {
			return f.Params[i], true
		}
	}
	return Param{}, false
}

// Table returns the table named name (case-insensitive), or nil.
func (f *File) Table(name string) *Table {
	for _, t := range f.Tables {
		if strings.EqualFold(t.Name, name) {
			return t
		}
	}
	return nil
}

// SyntaxError is one bad line.
type SyntaxError struct {
	Pos Pos
	Msg string
	// Err is the underlying error, when there is one (ErrLineTooLong).
	Err error
}

func (e *SyntaxError) Error() string { return e.Pos.String() + ": " + e.Msg }

func (e *SyntaxError) Unwrap() error { return e.Err }

// ErrorList is every syntax error of a file, in line order.
type ErrorList []*SyntaxError

func (l ErrorList) Error() string {
	var b strings.Builder
	for i, e := range l {
		if i > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(e.Error())
	}
	return b.String()
}

// Unwrap lets errors.As find the individual SyntaxErrors.
func (l ErrorList) Unwrap() []error {
	out := make([]error, len(l))
	for i, e := range l {
		out[i] = e
	}
	return out
}

// MaxLineLength bounds one line, so a hostile file cannot make the parser
// hold an unbounded token.
const MaxLineLength = 64 << 10

// ErrLineTooLong is reported for a line longer than MaxLineLength.
var ErrLineTooLong = errors.New("line too long")

// Parse reads an ini file. name is used in positions (typically the file
// name or URL). On syntax errors it returns the part of the file it could
// read together with an ErrorList naming every bad line.
func Parse(name string, r io.Reader) (*File, error) {
	p := parser{file: &File{}, name: name, tables: map[string]*Table{}}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 4096), MaxLineLength)
	line := 0
	for sc.Scan() {
		line++
		p.line(line, sc.Text())
	}
	if err := sc.Err(); err != nil {
		if errors.Is(err, bufio.ErrTooLong) {
			err = fmt.Errorf("%w (over %d bytes)", ErrLineTooLong, MaxLineLength)
		}
		p.errs = append(p.errs, &SyntaxError{Pos: Pos{p.name, line + 1, 1}, Msg: err.Error(), Err: err})
	}
	if len(p.errs) > 0 {
		return p.file, p.errs
	}
	return p.file, nil
}

// ParseBytes is Parse on a byte slice.
func ParseBytes(name string, b []byte) (*File, error) {
	return Parse(name, bytes.NewReader(b))
}

type parser struct {
	file   *File
	name   string
	tables map[string]*Table // lower-case name
	errs   ErrorList
}

func (p *parser) errorf(line, col int, format string, args ...any) {
	p.errs = append(p.errs, &SyntaxError{Pos: Pos{p.name, line, col}, Msg: fmt.Sprintf(format, args...)})
}

func (p *parser) line(n int, raw string) {
	raw = strings.TrimSuffix(raw, "\r")
	if n == 1 {
		raw = strings.TrimPrefix(raw, "\uFEFF") // a byte order mark some editors add
	}
	text := strings.TrimLeft(raw, " \t")
	col := len(raw) - len(text) + 1
	text = strings.TrimRight(text, " \t")
	switch {
	case text == "", text[0] == ';', text[0] == '#':
		return
	case text[0] == '[':
		p.section(n, col, text)
	case hasKeyword(text, "FORMAT"):
		p.format(n, col, text)
	default:
		p.assignment(n, col, text)
	}
}

// hasKeyword reports whether the line's first word is kw, so that "FORMAT=x"
// is a (bad) FORMAT line rather than a parameter named FORMAT.
func hasKeyword(text, kw string) bool {
	if len(text) < len(kw) || !strings.EqualFold(text[:len(kw)], kw) {
		return false
	}
	return len(text) == len(kw) || strings.IndexByte(" \t=", text[len(kw)]) >= 0
}

// section checks a `[ Name ]` or `[ \Name ]` header. Headers are decoration,
// but a malformed one is still an error: it usually means a broken file.
func (p *parser) section(n, col int, text string) {
	if !strings.HasSuffix(text, "]") {
		p.errorf(n, col, "section header %q has no closing ']'", text)
		return
	}
	name := trimBlank(text[1 : len(text)-1])
	name = strings.TrimPrefix(name, "\\")
	if name == "" {
		p.errorf(n, col, "empty section header")
	}
}

// format reads `FORMAT Table_Index = Table_Col1, Table_Col2;`.
func (p *parser) format(n, col int, text string) {
	rest := trimBlank(text[len("FORMAT"):])
	if strings.HasPrefix(rest, "=") {
		p.errorf(n, col, "FORMAT must name TableName_Index before '='")
		return
	}
	lhs, rhs, ok := strings.Cut(rest, "=")
	if !ok {
		p.errorf(n, col, "FORMAT line has no '='")
		return
	}
	indexName := trimBlank(lhs)
	table, ok := cutSuffixFold(indexName, "_Index")
	if !ok || !isName(table) {
		p.errorf(n, col+len("FORMAT "), "FORMAT must name TableName_Index, got %q", indexName)
		return
	}
	rhs = trimBlank(rhs)
	rhs = strings.TrimSuffix(rhs, ";")
	var cols []string
	seen := map[string]bool{}
	for c := range strings.SplitSeq(rhs, ",") {
		c = trimBlank(c)
		if !isName(c) {
			p.errorf(n, col, "table %s: bad column name %q in FORMAT", table, c)
			return
		}
		if seen[strings.ToLower(c)] {
			p.errorf(n, col, "table %s: column %s listed twice in FORMAT", table, c)
			return
		}
		seen[strings.ToLower(c)] = true
		cols = append(cols, c)
	}
	key := strings.ToLower(table)
	if prev, dup := p.tables[key]; dup {
		p.errorf(n, col, "table %s: second FORMAT line (first at line %d)", table, prev.Pos.Line)
		return
	}
	t := &Table{Name: table, IndexName: indexName, Columns: cols, Pos: Pos{p.name, n, col}}
	p.tables[key] = t
	p.file.Tables = append(p.file.Tables, t)
}

// assignment reads `Name = values` or a table row `Table Index = values;`.
func (p *parser) assignment(n, col int, text string) {
	lhs, rhs, ok := strings.Cut(text, "=")
	if !ok {
		p.errorf(n, col, "expected 'Name = Value', a comment, a section or a FORMAT line")
		return
	}
	valueCol := col + len(lhs) + 1
	lhs = trimBlank(lhs)
	name, index, isRow := strings.Cut(lhs, " ")
	if !isRow {
		name, index, isRow = strings.Cut(lhs, "\t")
	}
	if !isName(name) {
		p.errorf(n, col, "bad name %q", lhs)
		return
	}
	if isRow {
		p.row(n, col, valueCol, name, trimBlank(index), rhs)
		return
	}
	values, err := splitValues(rhs, false)
	if err != nil {
		p.errorf(n, valueCol+err.offset, "%s: %s", name, err.msg)
		return
	}
	p.file.Params = append(p.file.Params, Param{Name: name, Values: values, Pos: Pos{p.name, n, col}})
}

func (p *parser) row(n, col, valueCol int, table, index, rhs string) {
	t := p.tables[strings.ToLower(table)]
	if t == nil {
		p.errorf(n, col, "row of table %s before its FORMAT line", table)
		return
	}
	idx, err := strconv.Atoi(index)
	if err != nil || idx < 0 || idx > 1<<20 {
		p.errorf(n, col+len(table)+1, "table %s: bad row index %q", table, index)
		return
	}
	for _, r := range t.Rows {
		if r.Index == idx {
			p.errorf(n, col, "table %s: index %d appears twice (first at line %d)", table, idx, r.Pos.Line)
			return
		}
	}
	values, verr := splitValues(rhs, true)
	if verr != nil {
		p.errorf(n, valueCol+verr.offset, "table %s row %d: %s", table, idx, verr.msg)
		return
	}
	if len(values) != len(t.Columns) {
		p.errorf(n, valueCol, "table %s row %d: %d values for %d columns in FORMAT", table, idx, len(values), len(t.Columns))
		return
	}
	t.Rows = append(t.Rows, Row{Index: idx, Values: values, Pos: Pos{p.name, n, col}})
}

type valueError struct {
	offset int
	msg    string
}

// splitValues splits a comma-separated value list. Quoted items run to their
// closing quote; a table row ends at ';'. Bare items are trimmed.
func splitValues(s string, row bool) ([]Value, *valueError) {
	var out []Value
	i := 0
	for {
		for i < len(s) && (s[i] == ' ' || s[i] == '\t') {
			i++
		}
		start := i
		var v Value
		if i < len(s) && (s[i] == '\'' || s[i] == '"') {
			q := s[i]
			end := strings.IndexByte(s[i+1:], q)
			if end < 0 {
				return nil, &valueError{start, fmt.Sprintf("unterminated %c-quoted string", q)}
			}
			v = Value{Text: s[i+1 : i+1+end], Quote: q}
			i += end + 2
			for i < len(s) && (s[i] == ' ' || s[i] == '\t') {
				i++
			}
			if i < len(s) && s[i] != ',' && !(row && s[i] == ';') {
				return nil, &valueError{i, fmt.Sprintf("unexpected %q after quoted string", s[i])}
			}
		} else {
			stop := ","
			if row {
				stop = ",;"
			}
			end := strings.IndexAny(s[i:], stop)
			if end < 0 {
				end = len(s) - i
			}
			v = Value{Text: strings.TrimRight(s[i:i+end], " \t")}
			if strings.ContainsAny(v.Text, "'\"") {
				return nil, &valueError{start, fmt.Sprintf("stray quote in value %q", v.Text)}
			}
			i += end
		}
		out = append(out, v)
		if i >= len(s) {
			if row {
				return nil, &valueError{len(s), "row does not end with ';'"}
			}
			return out, nil
		}
		if s[i] == ';' { // end of a row; anything after is a comment
			return out, nil
		}
		i++ // the comma
	}
}

func isName(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '.' || c == '-') {
			return false
		}
	}
	return true
}

func cutSuffixFold(s, suffix string) (string, bool) {
	if len(s) < len(suffix) || !strings.EqualFold(s[len(s)-len(suffix):], suffix) {
		return s, false
	}
	return s[:len(s)-len(suffix)], true
}

// trimBlank trims the blanks the format allows around names and values:
// spaces and tabs only. strings.TrimSpace would also eat \f or \v, making
// "FORMAT\f=" a parameter on reading and a FORMAT line once written back.
func trimBlank(s string) string { return strings.Trim(s, " \t") }
