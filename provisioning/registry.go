package provisioning

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// ErrUnknownParameter is returned for a name the registry does not hold.
var ErrUnknownParameter = errors.New("unknown parameter")

// Registry is the set of parameters and tables a gateway understands.
// Register everything before the registry is used; after that it is
// read-only and safe for concurrent use.
type Registry struct {
	params map[string]*Param // by lower-case name
	order  []*Param
	tables map[string]*TableDef
	torder []*TableDef
}

// NewRegistry returns an empty registry.
func NewRegistry() *Registry {
	return &Registry{params: map[string]*Param{}, tables: map[string]*TableDef{}}
}

// Register adds parameters. A duplicate name, or a default that its own
// definition rejects, is an error and nothing is added.
func (r *Registry) Register(params ...Param) error {
	seen := map[string]bool{}
	for i := range params {
		p := params[i]
		key := strings.ToLower(p.Name)
		if p.Name == "" {
			return errors.New("register: parameter with no name")
		}
		if r.params[key] != nil || r.tables[key] != nil || seen[key] {
			return fmt.Errorf("register %s: name already registered", p.Name)
		}
		seen[key] = true
		if p.Indexed && p.Kind != KindList {
			return fmt.Errorf("register %s: only a list can be indexed", p.Name)
		}
		if _, err := normalizeValues(&p, splitDefault(p)); err != nil {
			return fmt.Errorf("register %s: default %q: %w", p.Name, p.Default, err)
		}
	}
	for i := range params {
		p := params[i]
		r.params[strings.ToLower(p.Name)] = &p
		r.order = append(r.order, &p)
	}
	return nil
}

// RegisterTable adds table definitions.
func (r *Registry) RegisterTable(tables ...TableDef) error {
	for _, t := range tables {
		key := strings.ToLower(t.Name)
		if t.Name == "" || len(t.Columns) == 0 {
			return fmt.Errorf("register table %q: needs a name and columns", t.Name)
		}
		if r.params[key] != nil || r.tables[key] != nil {
			return fmt.Errorf("register table %s: name already registered", t.Name)
		}
		cols := map[string]bool{}
		for _, c := range t.Columns {
			ck := strings.ToLower(c.Name)
			if cols[ck] {
				return fmt.Errorf("register table %s: column %s twice", t.Name, c.Name)
			}
			cols[ck] = true
			if _, err := columnDefault(c); err != nil {
				return fmt.Errorf("register table %s column %s: default %q: %w", t.Name, c.Name, c.Default, err)
			}
		}
	}
	for _, t := range tables {
		t := t
		if t.MaxRows == 0 {
			t.MaxRows = 256
		}
		r.tables[strings.ToLower(t.Name)] = &t
		r.torder = append(r.torder, &t)
	}
	return nil
}

// columnDefault returns a column's canonical default; numeric columns with
// no default given default to 0.
func columnDefault(c Column) (string, error) {
	p := c.param()
	if c.Default == "" && !emptyOK(c.Kind) {
		p.Default = "0"
	}
	if c.Kind == KindList {
		return p.Default, p.checkLen(p.Default)
	}
	return p.normalize(p.Default)
}

func emptyOK(k Kind) bool {
	return k == KindString || k == KindIP || k == KindHostPort || k == KindTimeOfDay || k == KindList
}

// maxIndex bounds the x of Name_x: the device has at most a few dozen of
// any indexed parameter, and a huge index must not allocate a huge list.
const maxIndex = 63

// indexed resolves Name_x, x a decimal index, to its Indexed parameter.
func (r *Registry) indexed(name string) (p *Param, index int, ok bool) {
	i := strings.LastIndexByte(name, '_')
	if i <= 0 || i == len(name)-1 {
		return nil, 0, false
	}
	p = r.params[strings.ToLower(name[:i])]
	if p == nil || !p.Indexed {
		return nil, 0, false
	}
	digits := name[i+1:]
	if len(digits) > 9 || strings.Trim(digits, "0123456789") != "" {
		return nil, 0, false
	}
	index, _ = strconv.Atoi(digits)
	return p, index, true
}

// Param returns the definition of a parameter.
func (r *Registry) Param(name string) (Param, bool) {
	p := r.params[strings.ToLower(name)]
	if p == nil {
		return Param{}, false
	}
	return *p, true
}

// Table returns the definition of a table.
func (r *Registry) Table(name string) (TableDef, bool) {
	t := r.tables[strings.ToLower(name)]
	if t == nil {
		return TableDef{}, false
	}
	return *t, true
}

// Params returns every registered parameter in registration order.
func (r *Registry) Params() []Param {
	out := make([]Param, len(r.order))
	for i, p := range r.order {
		out[i] = *p
	}
	return out
}

// Defaults returns the configuration in which every parameter has its
// default and every table is empty.
func (r *Registry) Defaults() Config {
	return Config{reg: r, values: map[string][]string{}, tables: map[string][]Row{}}
}

func splitDefault(p Param) []string {
	if p.Kind == KindList {
		if p.Default == "" {
			return nil
		}
		items := strings.Split(p.Default, ",")
		for i := range items {
			items[i] = strings.TrimSpace(items[i])
		}
		return items
	}
	return []string{p.Default}
}

// normalizeValues checks the items of one parameter value.
func normalizeValues(p *Param, items []string) ([]string, error) {
	if p.Kind == KindList {
		out := make([]string, len(items))
		for i, it := range items {
			if err := p.checkLen(it); err != nil {
				return nil, fmt.Errorf("item %d: %w", i+1, err)
			}
			out[i] = it
		}
		return out, nil
	}
	if len(items) != 1 {
		return nil, fmt.Errorf("expects one value, got %d", len(items))
	}
	if items[0] == "" && !emptyOK(p.Kind) {
		return nil, errors.New("empty value")
	}
	v, err := p.normalize(items[0])
	if err != nil {
		return nil, err
	}
	return []string{v}, nil
}
