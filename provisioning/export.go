package provisioning

import (
	"fmt"
	"slices"

	"github.com/potsgate/potsgate/provisioning/ini"
)

// Export returns the parameters and tables of c that differ from their
// defaults, secrets replaced by `*`. Write it with ini.Write.
func (c Config) Export() *ini.File { return c.export(true) }

// ExportWithSecrets is Export with the secrets in clear, for the device's
// own saved configuration (a file only it reads, mode 0600); never show it.
func (c Config) ExportWithSecrets() *ini.File { return c.export(false) }

func (c Config) export(mask bool) *ini.File {
	f := &ini.File{}
	if c.reg == nil {
		return f
	}
	defaults := c.reg.Defaults()
	for _, p := range c.reg.order {
		if p.Action {
			continue
		}
		v, _ := c.Values(p.Name)
		d, _ := defaults.Values(p.Name)
		if slices.Equal(v, d) {
			continue
		}
		if p.Indexed {
			for i, item := range v {
				if item != "" {
					f.Params = append(f.Params, ini.Param{Name: fmt.Sprintf("%s_%d", p.Name, i),
						Values: []ini.Value{exportValue(p.Kind, mask && p.Secret, item, '\'')}})
				}
			}
			if len(v) == 0 { // emptied: the whole-list form says so
				f.Params = append(f.Params, ini.Param{Name: p.Name, Values: []ini.Value{{Quote: '\''}}})
			}
			continue
		}
		fp := ini.Param{Name: p.Name}
		for _, item := range v {
			fp.Values = append(fp.Values, exportValue(p.Kind, mask && p.Secret, item, '\''))
		}
		if len(v) == 0 {
			fp.Values = []ini.Value{{Quote: '\''}}
		}
		f.Params = append(f.Params, fp)
	}
	for _, t := range c.reg.torder {
		rows := c.tables[lower(t.Name)]
		if len(rows) == 0 {
			continue
		}
		ft := &ini.Table{Name: t.Name, IndexName: t.Name + "_Index"}
		for _, col := range t.Columns {
			ft.Columns = append(ft.Columns, t.Name+"_"+col.Name)
		}
		for _, r := range rows {
			fr := ini.Row{Index: r.Index}
			for j, col := range t.Columns {
				fr.Values = append(fr.Values, exportValue(col.Kind, mask && col.Secret, r.values[j], '"'))
			}
			ft.Rows = append(ft.Rows, fr)
		}
		f.Tables = append(f.Tables, ft)
	}
	return f
}

func exportValue(k Kind, secret bool, text string, quote byte) ini.Value {
	if secret {
		return ini.Value{Text: "*", Quote: quote}
	}
	switch k {
	case KindInt, KindBool, KindEnum:
		return ini.Value{Text: text}
	}
	return ini.Value{Text: text, Quote: quote}
}
