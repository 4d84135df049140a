package gateway

import (
	"fmt"
	"slices"

	"github.com/potsgate/potsgate/provisioning"
	"github.com/potsgate/potsgate/telephony/routing"
)

// Routing and number manipulation tables (spec section 4).
const (
	TablePrefix          = "PREFIX"
	TablePstnPrefix      = "PstnPrefix"
	TableNumberMapTel2Ip = "NumberMapTel2Ip"
	TableNumberMapIp2Tel = "NumberMapIp2Tel"
)

func checkPrefix(s string) error { _, err := routing.ParsePrefix(s); return err }

func manipulationColumns() []provisioning.Column {
	return []provisioning.Column{
		{Name: "DestinationPrefix", Kind: provisioning.KindString, MaxLen: 50, Default: "*", Check: checkPrefix},
		{Name: "SourcePrefix", Kind: provisioning.KindString, MaxLen: 50, Default: "*", Check: checkPrefix},
		{Name: "RemoveFromLeft", Kind: provisioning.KindInt, Min: 0, Max: 255, Default: "0"},
		{Name: "RemoveFromRight", Kind: provisioning.KindInt, Min: 0, Max: 255, Default: "0"},
		{Name: "LeaveFromRight", Kind: provisioning.KindInt, Min: 0, Max: 255, Default: "0"},
		{Name: "Prefix2Add", Kind: provisioning.KindString, MaxLen: 50},
		{Name: "Suffix2Add", Kind: provisioning.KindString, MaxLen: 50},
	}
}

// RoutingTables are the routing and manipulation tables.
func RoutingTables() []provisioning.TableDef {
	return []provisioning.TableDef{
		{Name: TablePrefix, MaxRows: 50, Columns: []provisioning.Column{
			{Name: "DestinationPrefix", Kind: provisioning.KindString, MaxLen: 50, Default: "*", Check: checkPrefix},
			{Name: "DestAddress", Kind: provisioning.KindHostPort},
			{Name: "SourcePrefix", Kind: provisioning.KindString, MaxLen: 50, Default: "*", Check: checkPrefix},
		}},
		{Name: TablePstnPrefix, MaxRows: 24, Columns: []provisioning.Column{
			{Name: "DestPrefix", Kind: provisioning.KindString, MaxLen: 50, Default: "*", Check: checkPrefix},
			{Name: "TrunkGroupId", Kind: provisioning.KindInt, Min: 0, Max: 99, Default: "1"},
			{Name: "SourcePrefix", Kind: provisioning.KindString, MaxLen: 50, Default: "*", Check: checkPrefix},
		}},
		{Name: TableNumberMapTel2Ip, MaxRows: 64, Columns: manipulationColumns()},
		{Name: TableNumberMapIp2Tel, MaxRows: 64, Columns: manipulationColumns()},
	}
}

// plan is the routing of one configuration, compiled once.
type plan struct {
	tel2ip    []routing.Route
	ip2tel    []routing.PstnRoute
	mapTel2IP []routing.Manipulation
	mapIP2Tel []routing.Manipulation
	groups    map[int]huntGroup  // trunk group -> its ports (0-based, ascending) and selection mode
	forwards  map[int]forwarding // port (0-based) -> FwdInfo row
}

func prefix(s string) routing.Prefix {
	p, _ := routing.ParsePrefix(s) // validated when the configuration was applied
	return p
}

func manipulations(c provisioning.Config, table string) []routing.Manipulation {
	var out []routing.Manipulation
	for _, r := range c.Table(table) {
		out = append(out, routing.Manipulation{
			Destination: prefix(r.String("DestinationPrefix")), Source: prefix(r.String("SourcePrefix")),
			RemoveFromLeft: int(r.Int("RemoveFromLeft")), RemoveFromRight: int(r.Int("RemoveFromRight")),
			LeaveFromRight: int(r.Int("LeaveFromRight")), Prefix2Add: r.String("Prefix2Add"), Suffix2Add: r.String("Suffix2Add"),
		})
	}
	return out
}

func newPlan(c provisioning.Config, ports int) (*plan, error) {
	p := &plan{mapTel2IP: manipulations(c, TableNumberMapTel2Ip), mapIP2Tel: manipulations(c, TableNumberMapIp2Tel), groups: map[int]huntGroup{}, forwards: forwardings(c)}
	for _, r := range c.Table(TablePrefix) {
		if r.String("DestAddress") == "" {
			return nil, fmt.Errorf("%s row %d: no DestAddress", TablePrefix, r.Index)
		}
		p.tel2ip = append(p.tel2ip, routing.Route{Destination: prefix(r.String("DestinationPrefix")), Source: prefix(r.String("SourcePrefix")), Address: r.String("DestAddress")})
	}
	for _, r := range c.Table(TablePstnPrefix) {
		p.ip2tel = append(p.ip2tel, routing.PstnRoute{Destination: prefix(r.String("DestPrefix")), Source: prefix(r.String("SourcePrefix")), TrunkGroup: int(r.Int("TrunkGroupId"))})
	}
	mode := map[int]ChannelSelectMode{}
	for _, r := range c.Table(TableTrunkGroupSettings) {
		mode[int(r.Int("TrunkGroupId"))] = ChannelSelectMode(r.Int("ChannelSelectMode"))
	}
	for _, r := range c.Table(TableTrunkGroup) {
		id := int(r.Int("TrunkGroupNum"))
		hg := p.groups[id]
		if m, ok := mode[id]; ok {
			hg.mode = m
		} else {
			hg.mode = ChannelSelectMode(c.Int(ParamChannelSelectMode))
		}
		for i := int(r.Int("FirstBChannel")) - 1; i < int(r.Int("LastBChannel")) && i < ports; i++ {
			hg.ports = append(hg.ports, i)
		}
		slices.Sort(hg.ports)
		p.groups[id] = hg
	}
	return p, nil
}
