package provisioning

import (
	"slices"
	"strconv"
	"strings"
)

// Config is a validated configuration. It is immutable: Apply returns a new
// one, so a running component can keep reading the Config it was given while
// a new file is checked.
type Config struct {
	reg    *Registry
	values map[string][]string // lower-case name -> canonical items; absent = default
	tables map[string][]Row    // lower-case name -> rows sorted by index
}

// Row is one table row with its values in the table definition's column
// order.
type Row struct {
	Index  int
	def    *TableDef
	values []string
}

// Registry returns the registry the configuration was validated against.
func (c Config) Registry() *Registry { return c.reg }

// Values returns the canonical items of a parameter: its configured value or
// its default. ok is false for an unknown name.
func (c Config) Values(name string) (items []string, ok bool) {
	if c.reg == nil {
		return nil, false
	}
	key := strings.ToLower(name)
	p := c.reg.params[key]
	if p == nil {
		return nil, false
	}
	if v, set := c.values[key]; set {
		return v, true
	}
	d, _ := normalizeValues(p, splitDefault(*p))
	return d, true
}

// String returns a parameter's value as text ("" for an unknown name; lists
// joined with commas).
func (c Config) String(name string) string {
	v, _ := c.Values(name)
	return strings.Join(v, ",")
}

// Int returns an integer, boolean or enumeration parameter (0 for an unknown
// name or a non-numeric kind).
func (c Config) Int(name string) int64 {
	n, _ := strconv.ParseInt(c.String(name), 10, 64)
	return n
}

// Bool reports whether a boolean parameter is 1.
func (c Config) Bool(name string) bool { return c.Int(name) != 0 }

// List returns the items of a list parameter.
func (c Config) List(name string) []string {
	v, _ := c.Values(name)
	return slices.Clone(v)
}

// IsSet reports whether the parameter was given a value rather than left at
// its default.
func (c Config) IsSet(name string) bool {
	_, ok := c.values[strings.ToLower(name)]
	return ok
}

// Table returns the rows of a table, ordered by index.
func (c Config) Table(name string) []Row {
	return slices.Clone(c.tables[strings.ToLower(name)])
}

// String returns a column's value ("" for an unknown column).
func (r Row) String(column string) string {
	if i := r.column(column); i >= 0 {
		return r.values[i]
	}
	return ""
}

// Int returns a numeric column's value.
func (r Row) Int(column string) int64 {
	n, _ := strconv.ParseInt(r.String(column), 10, 64)
	return n
}

func (r Row) column(name string) int {
	if r.def == nil {
		return -1
	}
	for i, c := range r.def.Columns {
		if strings.EqualFold(c.Name, name) {
			return i
		}
	}
	return -1
}

// Changed returns the names of parameters and tables whose effective value
// differs between old and c, in registration order.
func (c Config) Changed(old Config) []string {
	var out []string
	if c.reg == nil {
		return nil
	}
	for _, p := range c.reg.order {
		if p.Action {
			continue
		}
		a, _ := c.Values(p.Name)
		b, _ := old.Values(p.Name)
		if !slices.Equal(a, b) {
			out = append(out, p.Name)
		}
	}
	for _, t := range c.reg.torder {
		if !rowsEqual(c.Table(t.Name), old.Table(t.Name)) {
			out = append(out, t.Name)
		}
	}
	return out
}

// RestartRequired returns the changed names, between old and c, that take
// effect only after a restart.
func (c Config) RestartRequired(old Config) []string {
	var out []string
	for _, name := range c.Changed(old) {
		if p, ok := c.reg.Param(name); ok && p.RestartRequired {
			out = append(out, p.Name)
		} else if t, ok := c.reg.Table(name); ok && t.RestartRequired {
			out = append(out, t.Name)
		}
	}
	return out
}

func rowsEqual(a, b []Row) bool {
	return slices.EqualFunc(a, b, func(x, y Row) bool {
		return x.Index == y.Index && slices.Equal(x.values, y.values)
	})
}

func lower(s string) string { return strings.ToLower(s) }
