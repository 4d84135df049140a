package provisioning

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/potsgate/potsgate/provisioning/ini"
)

// Names of parameters the apply logic itself acts on.
const (
	ParamSetDefaultOnIniFileProcess = "SetDefaultOnIniFileProcess"
	ParamResetNow                   = "ResetNow"
	ParamINIFileVersion             = "INIFileVersion"
)

// Problem is one invalid line of a file.
type Problem struct {
	Pos  ini.Pos
	Name string
	Err  error
}

func (p Problem) Error() string { return fmt.Sprintf("%s: %s: %v", p.Pos, p.Name, p.Err) }

// ApplyError lists every invalid line of a file that was rejected as a
// whole.
type ApplyError struct {
	Problems []Problem
}

func (e *ApplyError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "configuration rejected, %d invalid line(s):", len(e.Problems))
	for _, p := range e.Problems {
		b.WriteString("\n  ")
		b.WriteString(p.Error())
	}
	return b.String()
}

// Warning is something in a file that was ignored, such as an unknown
// parameter name.
type Warning struct {
	Pos ini.Pos
	Msg string
}

func (w Warning) String() string { return w.Pos.String() + ": " + w.Msg }

// ApplyResult is a file applied to a running configuration.
type ApplyResult struct {
	Config   Config
	Warnings []Warning
	// ResetNow is set when the file asked for a restart after processing.
	ResetNow bool
	// Changed lists the parameters and tables whose value changed;
	// RestartRequired the subset that take effect only after a restart.
	Changed         []string
	RestartRequired []string
}

// Apply validates f against the registry and returns the configuration it
// yields on top of current, or an *ApplyError listing every bad line. current
// is not modified in either case. A syntax error list from ini.Parse may be
// passed as parseErr so that one ApplyError reports both kinds of problem.
func (r *Registry) Apply(current Config, f *ini.File, opts ...ApplyOption) (ApplyResult, error) {
	a := applier{reg: r, current: current}
	for _, o := range opts {
		o(&a)
	}
	if current.reg == nil {
		a.current = r.Defaults()
	}
	return a.run(f)
}

// ApplyText parses and applies an ini file in one step, reporting syntax and
// value errors together.
func (r *Registry) ApplyText(current Config, name string, text []byte, opts ...ApplyOption) (ApplyResult, error) {
	f, err := ini.ParseBytes(name, text)
	var syntax ini.ErrorList
	if err != nil && !errors.As(err, &syntax) {
		return ApplyResult{}, err
	}
	res, aerr := r.Apply(current, f, opts...)
	if len(syntax) == 0 {
		return res, aerr
	}
	all := &ApplyError{}
	for _, s := range syntax {
		all.Problems = append(all.Problems, Problem{Pos: s.Pos, Name: "syntax", Err: errors.New(s.Msg)})
	}
	var ae *ApplyError
	if errors.As(aerr, &ae) {
		all.Problems = append(all.Problems, ae.Problems...)
	}
	slices.SortStableFunc(all.Problems, func(x, y Problem) int { return x.Pos.Line - y.Pos.Line })
	return ApplyResult{}, all
}

// ApplyOption changes how a file is applied.
type ApplyOption func(*applier)

// KeepUnlisted applies a file as an overlay: parameters and tables it does
// not mention keep their current values whatever SetDefaultOnIniFileProcess
// says. Automatic Update applies the template ini (IniFileTemplateUrl) this
// way, on top of the main ini.
func KeepUnlisted() ApplyOption { return func(a *applier) { a.overlay = true } }

type applier struct {
	overlay  bool
	reg      *Registry
	current  Config
	problems []Problem
	warnings []Warning
}

func (a *applier) problem(pos ini.Pos, name string, err error) {
	a.problems = append(a.problems, Problem{Pos: pos, Name: name, Err: err})
}

func (a *applier) run(f *ini.File) (ApplyResult, error) {
	resetDefaults := a.current.Bool(ParamSetDefaultOnIniFileProcess)
	if p, ok := f.Lookup(ParamSetDefaultOnIniFileProcess); ok && len(p.Values) == 1 {
		resetDefaults = strings.TrimSpace(p.Values[0].Text) != "0"
	}
	if a.overlay {
		resetDefaults = false
	}
	next := Config{reg: a.reg, values: map[string][]string{}, tables: map[string][]Row{}}
	if !resetDefaults {
		for k, v := range a.current.values {
			next.values[k] = v
		}
		for k, v := range a.current.tables {
			next.tables[k] = v
		}
	} else {
		for k, v := range a.current.values {
			if a.reg.params[k].KeepOnReset {
				next.values[k] = v
			}
		}
	}
	var res ApplyResult
	seen := map[string]ini.Pos{}
	for _, fp := range f.Params {
		key := strings.ToLower(fp.Name)
		def := a.reg.params[key]
		if def == nil {
			if base, index, ok := a.reg.indexed(fp.Name); ok {
				a.element(fp, base, index, seen, next)
				continue
			}
			if a.reg.tables[key] != nil {
				a.problem(fp.Pos, fp.Name, errors.New("is a table: use a FORMAT line and rows"))
				continue
			}
			a.warnings = append(a.warnings, Warning{fp.Pos, fmt.Sprintf("unknown parameter %s ignored", fp.Name)})
			continue
		}
		if prev, dup := seen[key]; dup {
			a.warnings = append(a.warnings, Warning{fp.Pos, fmt.Sprintf("%s also set at line %d; the last value wins", def.Name, prev.Line)})
		}
		seen[key] = fp.Pos
		items := make([]string, len(fp.Values))
		hidden := false
		for i, v := range fp.Values {
			items[i] = v.Text
			hidden = hidden || (v.IsHidden() && def.Secret)
		}
		if hidden {
			// An export's mask: keep the running secret.
			if v, ok := a.current.values[key]; ok {
				next.values[key] = v
			} else {
				delete(next.values, key)
			}
			continue
		}
		norm, err := normalizeValues(def, items)
		if err != nil {
			a.problem(fp.Pos, def.Name, err)
			continue
		}
		if def.Action {
			if key == strings.ToLower(ParamResetNow) && norm[0] == "1" {
				res.ResetNow = true
			}
			continue
		}
		if def.Indexed {
			norm = trimEmptyTail(norm)
		}
		next.values[key] = norm
	}
	for _, ft := range f.Tables {
		a.table(ft, next)
	}
	if len(a.problems) > 0 {
		return ApplyResult{}, &ApplyError{Problems: a.problems}
	}
	res.Config = next
	res.Warnings = a.warnings
	res.Changed = next.Changed(a.current)
	res.RestartRequired = next.RestartRequired(a.current)
	return res, nil
}

// element applies Name_index = value of an Indexed list parameter.
func (a *applier) element(fp ini.Param, def *Param, index int, seen map[string]ini.Pos, next Config) {
	name := fmt.Sprintf("%s_%d", def.Name, index)
	key := strings.ToLower(name)
	if prev, dup := seen[key]; dup {
		a.warnings = append(a.warnings, Warning{fp.Pos, fmt.Sprintf("%s also set at line %d; the last value wins", name, prev.Line)})
	}
	seen[key] = fp.Pos
	if index > maxIndex {
		a.problem(fp.Pos, name, fmt.Errorf("index %d out of range 0-%d", index, maxIndex))
		return
	}
	if len(fp.Values) != 1 {
		a.problem(fp.Pos, name, fmt.Errorf("expects one value, got %d", len(fp.Values)))
		return
	}
	item := fp.Values[0].Text
	if err := def.checkLen(item); err != nil {
		a.problem(fp.Pos, name, err)
		return
	}
	items, _ := next.Values(def.Name)
	items = slices.Clone(items)
	for len(items) <= index {
		items = append(items, "")
	}
	items[index] = item
	next.values[strings.ToLower(def.Name)] = trimEmptyTail(items)
}

// trimEmptyTail drops empty trailing items, so that clearing the last
// element of an indexed list gives the list it was before that element.
func trimEmptyTail(items []string) []string {
	for len(items) > 0 && items[len(items)-1] == "" {
		items = items[:len(items)-1]
	}
	return items
}

func (a *applier) table(ft *ini.Table, next Config) {
	key := strings.ToLower(ft.Name)
	def := a.reg.tables[key]
	if def == nil {
		if a.reg.params[key] != nil {
			a.problem(ft.Pos, ft.Name, errors.New("is a parameter, not a table"))
			return
		}
		a.warnings = append(a.warnings, Warning{ft.Pos, fmt.Sprintf("unknown table %s ignored", ft.Name)})
		return
	}
	// Map FORMAT columns to definition columns.
	colIdx := make([]int, len(ft.Columns))
	bad := false
	for i, name := range ft.Columns {
		short := name
		if len(name) > len(def.Name)+1 && strings.EqualFold(name[:len(def.Name)+1], def.Name+"_") {
			short = name[len(def.Name)+1:]
		}
		colIdx[i] = -1
		for j, c := range def.Columns {
			if strings.EqualFold(c.Name, short) {
				colIdx[i] = j
			}
		}
		if colIdx[i] < 0 {
			a.problem(ft.Pos, def.Name, fmt.Errorf("unknown column %s", name))
			bad = true
		}
	}
	if bad {
		return
	}
	currentRows := a.current.tables[key]
	rows := make([]Row, 0, len(ft.Rows))
	for _, fr := range ft.Rows {
		if fr.Index >= def.MaxRows {
			a.problem(fr.Pos, def.Name, fmt.Errorf("row index %d out of range [0, %d]", fr.Index, def.MaxRows-1))
			continue
		}
		row := Row{Index: fr.Index, def: def, values: make([]string, len(def.Columns))}
		for j, c := range def.Columns {
			row.values[j], _ = columnDefault(c)
		}
		for i, v := range fr.Values {
			c := def.Columns[colIdx[i]]
			switch {
			case v.IsDefault():
				continue
			case v.IsHidden() && c.Secret:
				row.values[colIdx[i]] = currentCell(currentRows, fr.Index, colIdx[i], row.values[colIdx[i]])
				continue
			}
			p := c.param()
			var (
				norm string
				err  error
			)
			if c.Kind == KindList {
				norm, err = v.Text, p.checkLen(v.Text)
			} else if v.Text == "" && emptyOK(c.Kind) {
				norm = ""
			} else {
				norm, err = p.normalize(v.Text)
			}
			if err != nil {
				a.problem(fr.Pos, def.Name+" "+fmt.Sprint(fr.Index), fmt.Errorf("column %s: %w", c.Name, err))
				continue
			}
			row.values[colIdx[i]] = norm
		}
		rows = append(rows, row)
	}
	slices.SortFunc(rows, func(x, y Row) int { return x.Index - y.Index })
	next.tables[key] = rows
}

func currentCell(rows []Row, index, col int, fallback string) string {
	for _, r := range rows {
		if r.Index == index {
			return r.values[col]
		}
	}
	return fallback
}
