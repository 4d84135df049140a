package snmp

import (
	"context"
	"slices"
	"sort"
	"time"
	"unicode/utf8"

	"github.com/gosnmp/gosnmp"
)

// EnterpriseOID is the placeholder private enterprise arc of POTSGATE-MIB.
// A vendor substitutes its IANA-registered number here and in
// mib/POTSGATE-MIB.txt (see the package documentation).
const EnterpriseOID = ".1.3.6.1.4.1.99999"

// Well-known OIDs.
var (
	oidSystem          = mustOID(".1.3.6.1.2.1.1")
	oidSysUpTime0      = mustOID(".1.3.6.1.2.1.1.3.0")
	oidSNMP            = mustOID(".1.3.6.1.2.1.11")
	oidSnmpTrapOID0    = mustOID(".1.3.6.1.6.3.1.1.4.1.0")
	oidColdStart       = mustOID(".1.3.6.1.6.3.1.1.5.1")
	oidAuthFailure     = mustOID(".1.3.6.1.6.3.1.1.5.5")
	oidMPDStats        = mustOID(".1.3.6.1.6.3.11.2.1")
	oidSnmpEngine      = mustOID(".1.3.6.1.6.3.10.2.1")
	oidUsmStats        = mustOID(".1.3.6.1.6.3.15.1.1")
	oidEnterprise      = mustOID(EnterpriseOID)
	oidProduct         = oidEnterprise.child(1, 1) // sysObjectID
	oidPotsgateMIB     = oidEnterprise.child(2)
	oidNotifications   = oidPotsgateMIB.child(0)
	oidObjects         = oidPotsgateMIB.child(1)
	oidIdentity        = oidObjects.child(1)
	oidPorts           = oidObjects.child(2)
	oidPortEntry       = oidPorts.child(2, 1)
	oidCallCounters    = oidObjects.child(3)
	oidActiveAlarmEnt  = oidObjects.child(4, 1, 1)
	oidAlarmHistoryEnt = oidObjects.child(4, 2, 1)
	oidAutoUpdate      = oidObjects.child(5)
	oidActions         = oidObjects.child(6)

	oidTrapAlarmRaised   = oidNotifications.child(1)
	oidTrapAlarmCleared  = oidNotifications.child(2)
	oidTrapDownload      = oidNotifications.child(3)
	oidTrapKeepAlive     = oidNotifications.child(4)
	oidUsmUnsupportedSec = oidUsmStats.child(1, 0)
	oidUsmNotInTime      = oidUsmStats.child(2, 0)
	oidUsmUnknownUser    = oidUsmStats.child(3, 0)
	oidUsmUnknownEngine  = oidUsmStats.child(4, 0)
	oidUsmWrongDigest    = oidUsmStats.child(5, 0)
	oidUsmDecryptErr     = oidUsmStats.child(6, 0)
)

// Action object values (pgAction*).
const (
	actionIdle      = 1
	actionStart     = 2 // pgActionStartUpdate, pgActionRestart, pgActionUnlock
	actionLockGrace = 2 // pgActionLock graceful
	actionLockNow   = 3 // pgActionLock immediate
)

// view is one request's snapshot of the device: each part is read at most
// once per request, so a walk sees consistent tables.
type view struct {
	a   *Agent
	now time.Time

	haveIdent bool
	ident     Identity
	havePorts bool
	ports     []PortStatus
	haveCnt   bool
	cnt       Counters
	haveAlarm bool
	active    []Alarm
	history   []Alarm
}

func (v *view) identity() *Identity {
	if !v.haveIdent {
		v.ident, v.haveIdent = v.a.dev.Identity(), true
	}
	return &v.ident
}

func (v *view) portList() []PortStatus {
	if !v.havePorts {
		p := slices.Clone(v.a.dev.Ports())
		sort.SliceStable(p, func(i, j int) bool { return p[i].Index < p[j].Index })
		v.ports, v.havePorts = p, true
	}
	return v.ports
}

func (v *view) counters() *Counters {
	if !v.haveCnt {
		v.cnt, v.haveCnt = v.a.dev.Counters(), true
	}
	return &v.cnt
}

func (v *view) alarms() (active, history []Alarm) {
	if !v.haveAlarm {
		a, h := v.a.dev.Alarms()
		a, h = slices.Clone(a), slices.Clone(h)
		byID := func(x, y Alarm) int {
			switch {
			case x.ID < y.ID:
				return -1
			case x.ID > y.ID:
				return 1
			}
			return 0
		}
		slices.SortStableFunc(a, byID)
		slices.SortStableFunc(h, byID)
		v.active, v.history, v.haveAlarm = a, h, true
	}
	return v.active, v.history
}

func (v *view) port(row uint32) (*PortStatus, bool) {
	ps := v.portList()
	i := sort.Search(len(ps), func(i int) bool { return uint32(ps[i].Index) >= row })
	if i < len(ps) && uint32(ps[i].Index) == row {
		return &ps[i], true
	}
	return nil, false
}

func findAlarm(list []Alarm, row uint32) (*Alarm, bool) {
	i := sort.Search(len(list), func(i int) bool { return list[i].ID >= row })
	if i < len(list) && list[i].ID == row {
		return &list[i], true
	}
	return nil, false
}

// setFunc validates a SET value and returns the commit to run once every
// varbind of the request has been validated.
type setFunc func(v *view, pdu gosnmp.SnmpPDU) (commit func(ctx context.Context) error, status gosnmp.SNMPError)

// object is a scalar (rows == nil, instance .0) or a table column
// (instances are the row indices).
type object struct {
	oid    oid
	syntax gosnmp.Asn1BER
	rows   func(v *view) []uint32
	get    func(v *view, row uint32) (any, bool)
	set    setFunc
}

// mib is the agent's object registry, sorted by OID.
type mib []object

func (m mib) find(o oid) (*object, oid) {
	i := m.start(o)
	if i < len(m) && o.hasPrefix(m[i].oid) {
		return &m[i], o[len(m[i].oid):]
	}
	return nil, nil
}

// start returns the first object whose subtree is not entirely before o.
func (m mib) start(o oid) int {
	return sort.Search(len(m), func(i int) bool {
		return !(m[i].oid.cmp(o) < 0 && !o.hasPrefix(m[i].oid))
	})
}

// instances returns an object's instance suffixes in order.
func (obj *object) instances(v *view) []uint32 {
	if obj.rows == nil {
		return []uint32{0}
	}
	return obj.rows(v)
}

// value reads one instance; ok is false when it does not exist.
func (obj *object) value(v *view, suffix oid) (any, bool) {
	if len(suffix) != 1 {
		return nil, false
	}
	if obj.rows == nil {
		if suffix[0] != 0 {
			return nil, false
		}
		return obj.get(v, 0)
	}
	return obj.get(v, suffix[0])
}

// next returns the first instance after o in the MIB, or ok=false at the
// end of the MIB view.
func (m mib) next(v *view, o oid) (gosnmp.SnmpPDU, bool) {
	for i := m.start(o); i < len(m); i++ {
		obj := &m[i]
		var after oid
		if o.hasPrefix(obj.oid) {
			after = o[len(obj.oid):]
		}
		for _, r := range obj.instances(v) {
			if len(after) > 0 && r <= after[0] {
				continue
			}
			val, ok := obj.get(v, r)
			if !ok {
				continue
			}
			return gosnmp.SnmpPDU{Name: obj.oid.child(r).String(), Type: obj.syntax, Value: val}, true
		}
	}
	return gosnmp.SnmpPDU{}, false
}

// ticks converts a time to TimeTicks since the agent started.
func (a *Agent) ticks(t time.Time) uint32 {
	d := t.Sub(a.start)
	if d < 0 {
		return 0
	}
	return uint32(d / (10 * time.Millisecond))
}

func scalar(o oid, syntax gosnmp.Asn1BER, get func(v *view) any) object {
	return object{oid: o, syntax: syntax, get: func(v *view, _ uint32) (any, bool) { return get(v), true }}
}

func counter32(o oid, c interface{ Load() uint32 }) object {
	return scalar(o, gosnmp.Counter32, func(*view) any { return c.Load() })
}

func truncate255(s string) string {
	if len(s) <= 255 {
		return s
	}
	s = s[:255]
	for !utf8.ValidString(s) {
		s = s[:len(s)-1]
	}
	return s
}

// setString accepts an OCTET STRING of at most maxLen bytes.
func setString(maxLen int, apply func(ctx context.Context, s string) error) setFunc {
	return func(_ *view, pdu gosnmp.SnmpPDU) (func(context.Context) error, gosnmp.SNMPError) {
		if pdu.Type != gosnmp.OctetString {
			return nil, gosnmp.WrongType
		}
		b, ok := pdu.Value.([]byte)
		if !ok {
			return nil, gosnmp.WrongType
		}
		if len(b) > maxLen {
			return nil, gosnmp.WrongLength
		}
		s := string(b)
		return func(ctx context.Context) error { return apply(ctx, s) }, gosnmp.NoError
	}
}

// setEnum accepts an INTEGER among the allowed values.
func setEnum(allowed []int, apply func(ctx context.Context, v int) error) setFunc {
	return func(_ *view, pdu gosnmp.SnmpPDU) (func(context.Context) error, gosnmp.SNMPError) {
		if pdu.Type != gosnmp.Integer {
			return nil, gosnmp.WrongType
		}
		n, ok := pdu.Value.(int)
		if !ok {
			return nil, gosnmp.WrongType
		}
		if !slices.Contains(allowed, n) {
			return nil, gosnmp.WrongValue
		}
		return func(ctx context.Context) error { return apply(ctx, n) }, gosnmp.NoError
	}
}

func portColumn(col uint32, syntax gosnmp.Asn1BER, get func(p *PortStatus) any) object {
	return object{
		oid: oidPortEntry.child(col), syntax: syntax,
		rows: func(v *view) []uint32 {
			ps := v.portList()
			out := make([]uint32, 0, len(ps))
			for _, p := range ps {
				if p.Index > 0 && (len(out) == 0 || uint32(p.Index) > out[len(out)-1]) {
					out = append(out, uint32(p.Index))
				}
			}
			return out
		},
		get: func(v *view, row uint32) (any, bool) {
			p, ok := v.port(row)
			if !ok {
				return nil, false
			}
			return get(p), true
		},
	}
}

func alarmColumns(entry oid, history bool) []object {
	list := func(v *view) []Alarm {
		a, h := v.alarms()
		if history {
			return h
		}
		return a
	}
	col := func(c uint32, syntax gosnmp.Asn1BER, get func(v *view, al *Alarm) any) object {
		return object{
			oid: entry.child(c), syntax: syntax,
			rows: func(v *view) []uint32 {
				l := list(v)
				out := make([]uint32, 0, len(l))
				for _, al := range l {
					if al.ID > 0 && (len(out) == 0 || al.ID > out[len(out)-1]) {
						out = append(out, al.ID)
					}
				}
				return out
			},
			get: func(v *view, row uint32) (any, bool) {
				al, ok := findAlarm(list(v), row)
				if !ok {
					return nil, false
				}
				return get(v, al), true
			},
		}
	}
	return []object{
		col(2, gosnmp.Integer, func(_ *view, al *Alarm) any { return int(al.Type) }),
		col(3, gosnmp.Integer, func(_ *view, al *Alarm) any { return int(al.Severity) }),
		col(4, gosnmp.OctetString, func(_ *view, al *Alarm) any { return truncate255(al.Source) }),
		col(5, gosnmp.OctetString, func(_ *view, al *Alarm) any { return truncate255(al.Text) }),
		col(6, gosnmp.TimeTicks, func(v *view, al *Alarm) any { return v.a.ticks(al.Time) }),
	}
}

// buildMIB registers every object the agent serves.
func (a *Agent) buildMIB() mib {
	sysStr := func(i int) func(*view) any {
		return func(*view) any { return a.sysString(i) }
	}
	sysSet := func(i int) setFunc {
		return setString(255, func(_ context.Context, s string) error { return a.setSysString(i, s) })
	}
	m := mib{
		scalar(oidSystem.child(1), gosnmp.OctetString, func(v *view) any { return truncate255(a.sysDescr(v.identity())) }),
		scalar(oidSystem.child(2), gosnmp.ObjectIdentifier, func(*view) any { return oidProduct.String() }),
		scalar(oidSystem.child(3), gosnmp.TimeTicks, func(v *view) any { return a.ticks(v.now) }),
		{oid: oidSystem.child(4), syntax: gosnmp.OctetString, get: func(v *view, _ uint32) (any, bool) { return sysStr(sysContact)(v), true }, set: sysSet(sysContact)},
		{oid: oidSystem.child(5), syntax: gosnmp.OctetString, get: func(v *view, _ uint32) (any, bool) { return sysStr(sysName)(v), true }, set: sysSet(sysName)},
		{oid: oidSystem.child(6), syntax: gosnmp.OctetString, get: func(v *view, _ uint32) (any, bool) { return sysStr(sysLocation)(v), true }, set: sysSet(sysLocation)},
		scalar(oidSystem.child(7), gosnmp.Integer, func(*view) any { return 72 }),

		counter32(oidSNMP.child(1), &a.stats.inPkts),
		counter32(oidSNMP.child(3), &a.stats.inBadVersions),
		counter32(oidSNMP.child(4), &a.stats.inBadCommunityNames),
		counter32(oidSNMP.child(5), &a.stats.inBadCommunityUses),
		counter32(oidSNMP.child(6), &a.stats.inASNParseErrs),
		{oid: oidSNMP.child(30), syntax: gosnmp.Integer,
			get: func(*view, uint32) (any, bool) {
				if a.authTraps.Load() {
					return 1, true
				}
				return 2, true
			},
			set: setEnum([]int{1, 2}, func(_ context.Context, n int) error { a.authTraps.Store(n == 1); return nil })},
		counter32(oidSNMP.child(31), &a.stats.silentDrops),
		counter32(oidSNMP.child(32), &a.stats.proxyDrops),

		scalar(oidSnmpEngine.child(1), gosnmp.OctetString, func(*view) any { return []byte(a.engineID) }),
		scalar(oidSnmpEngine.child(2), gosnmp.Integer, func(*view) any { return int(a.boots) }),
		scalar(oidSnmpEngine.child(3), gosnmp.Integer, func(v *view) any { return int(a.engineTime(v.now)) }),
		scalar(oidSnmpEngine.child(4), gosnmp.Integer, func(*view) any { return a.cfg.MaxMessageSize }),

		counter32(oidMPDStats.child(1), &a.stats.unknownSecurityModels),
		counter32(oidMPDStats.child(2), &a.stats.invalidMsgs),
		counter32(oidMPDStats.child(3), &a.stats.unknownPDUHandlers),

		counter32(oidUsmStats.child(1), &a.stats.usmUnsupportedSecLevels),
		counter32(oidUsmStats.child(2), &a.stats.usmNotInTimeWindows),
		counter32(oidUsmStats.child(3), &a.stats.usmUnknownUserNames),
		counter32(oidUsmStats.child(4), &a.stats.usmUnknownEngineIDs),
		counter32(oidUsmStats.child(5), &a.stats.usmWrongDigests),
		counter32(oidUsmStats.child(6), &a.stats.usmDecryptionErrors),

		// POTSGATE-MIB pgIdentity
		scalar(oidIdentity.child(1), gosnmp.OctetString, func(v *view) any { return truncate255(v.identity().Product) }),
		scalar(oidIdentity.child(2), gosnmp.OctetString, func(v *view) any { return truncate255(v.identity().SerialNumber) }),
		scalar(oidIdentity.child(3), gosnmp.OctetString, func(v *view) any { return truncate255(v.identity().HardwareVersion) }),
		scalar(oidIdentity.child(4), gosnmp.OctetString, func(v *view) any { return truncate255(v.identity().SoftwareVersion) }),
		scalar(oidIdentity.child(5), gosnmp.OctetString, func(v *view) any { return truncate255(v.identity().ConfigVersion) }),

		// pgPorts
		scalar(oidPorts.child(1), gosnmp.Integer, func(v *view) any { return len(v.portList()) }),
		portColumn(2, gosnmp.Integer, func(p *PortStatus) any { return int(p.Type) }),
		portColumn(3, gosnmp.Integer, func(p *PortStatus) any { return int(p.Hook) }),
		portColumn(4, gosnmp.Integer, func(p *PortStatus) any { return int(p.Call) }),
		portColumn(5, gosnmp.Integer, func(p *PortStatus) any { return int(p.Reg) }),
		portColumn(6, gosnmp.Integer, func(p *PortStatus) any { return int(p.Admin) }),
		portColumn(7, gosnmp.OctetString, func(p *PortStatus) any { return truncate255(p.PhoneNumber) }),
		portColumn(8, gosnmp.Integer, func(p *PortStatus) any { return int(max(p.Echo, EchoOff)) }),
		portColumn(9, gosnmp.Integer, func(p *PortStatus) any { return p.EchoERL }),
		portColumn(10, gosnmp.Integer, func(p *PortStatus) any { return p.EchoERLE }),

		// pgCallCounters
		scalar(oidCallCounters.child(1), gosnmp.Counter64, func(v *view) any { return v.counters().Attempted }),
		scalar(oidCallCounters.child(2), gosnmp.Counter64, func(v *view) any { return v.counters().Established }),
		scalar(oidCallCounters.child(3), gosnmp.Counter64, func(v *view) any { return v.counters().Busy }),
		scalar(oidCallCounters.child(4), gosnmp.Counter64, func(v *view) any { return v.counters().NoAnswer }),
		scalar(oidCallCounters.child(5), gosnmp.Counter64, func(v *view) any { return v.counters().NoRoute }),
		scalar(oidCallCounters.child(6), gosnmp.Counter64, func(v *view) any { return v.counters().Failed }),
	}
	m = append(m, alarmColumns(oidActiveAlarmEnt, false)...)
	m = append(m, alarmColumns(oidAlarmHistoryEnt, true)...)

	// pgAutoUpdate
	for _, p := range []URLParam{IniFileURL, CmpFileURL, PrtFileURL, CptFileURL} {
		m = append(m, object{
			oid: oidAutoUpdate.child(uint32(p)), syntax: gosnmp.OctetString,
			get: func(*view, uint32) (any, bool) { return truncate255(a.dev.AutoUpdateURL(p)), true },
			set: setString(255, func(_ context.Context, s string) error { return a.dev.SetAutoUpdateURL(p, s) }),
		})
	}
	m = append(m,
		scalar(oidAutoUpdate.child(5), gosnmp.Integer, func(*view) any { r, ok := a.lastDownload(); return downloadStatus(r, ok) }),
		scalar(oidAutoUpdate.child(6), gosnmp.OctetString, func(*view) any { r, _ := a.lastDownload(); return truncate255(r.Reason) }),
		scalar(oidAutoUpdate.child(7), gosnmp.OctetString, func(*view) any { r, _ := a.lastDownload(); return truncate255(r.URL) }),
	)

	// pgActions: read back as idle(1); a SET runs the action.
	idle := func(*view, uint32) (any, bool) { return actionIdle, true }
	m = append(m,
		object{oid: oidActions.child(1), syntax: gosnmp.Integer, get: idle,
			set: setEnum([]int{actionIdle, actionStart}, func(ctx context.Context, n int) error {
				if n != actionStart {
					return nil
				}
				return a.dev.StartUpdate(ctx)
			})},
		object{oid: oidActions.child(2), syntax: gosnmp.Integer, get: idle,
			set: setEnum([]int{actionIdle, actionStart}, func(ctx context.Context, n int) error {
				if n != actionStart {
					return nil
				}
				return a.dev.Restart(ctx)
			})},
		object{oid: oidActions.child(3), syntax: gosnmp.Integer, get: idle,
			set: setEnum([]int{actionIdle, actionLockGrace, actionLockNow}, func(ctx context.Context, n int) error {
				if n == actionIdle {
					return nil
				}
				return a.dev.Lock(ctx, n == actionLockGrace)
			})},
		object{oid: oidActions.child(4), syntax: gosnmp.Integer, get: idle,
			set: setEnum([]int{actionIdle, actionStart}, func(ctx context.Context, n int) error {
				if n != actionStart {
					return nil
				}
				return a.dev.Unlock(ctx)
			})},
	)

	// Scalars are registered by their object OID; the sort keeps the
	// registry in MIB order whatever the order above.
	// (TestMIBOrder checks that no object's OID prefixes another's.)
	slices.SortFunc(m, func(x, y object) int { return x.oid.cmp(y.oid) })
	return m
}

func downloadStatus(r DownloadResult, ok bool) int {
	switch {
	case !ok:
		return 1 // none
	case r.OK:
		return 2 // success
	}
	return 3 // failure
}
