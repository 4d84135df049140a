package gateway

import (
	"fmt"
	"sync"

	"github.com/potsgate/potsgate/provisioning"
)

// Channel selection: which port of a trunk (hunt) group takes an IP-to-Tel
// call. The global ChannelSelectMode applies to every group without a
// TrunkGroupSettings row of its own.

// ChannelSelectMode is how an IP-to-Tel call picks its port, with the
// device's values.
type ChannelSelectMode int64

const (
	// ByDestNumber takes the port whose number is the called number; a
	// number no port of the group has is released.
	ByDestNumber ChannelSelectMode = 0
	// CyclicAscending takes the next idle port above the last one chosen,
	// wrapping to the lowest.
	CyclicAscending ChannelSelectMode = 1
	// Ascending takes the lowest idle port.
	Ascending ChannelSelectMode = 2
	// CyclicDescending takes the next idle port below the last one chosen,
	// wrapping to the highest.
	CyclicDescending ChannelSelectMode = 3
	// Descending takes the highest idle port.
	Descending ChannelSelectMode = 4
	// DestNumberCyclicAscending takes the called number's port; when no
	// port has that number, CyclicAscending. A busy numbered port is busy.
	DestNumberCyclicAscending ChannelSelectMode = 5
	// BySourceNumber takes the port whose number is the calling number.
	BySourceNumber ChannelSelectMode = 6
	// DestNumberAscending is DestNumberCyclicAscending with Ascending.
	DestNumberAscending ChannelSelectMode = 11
)

func (m ChannelSelectMode) String() string {
	switch m {
	case ByDestNumber:
		return "by dest phone number"
	case CyclicAscending:
		return "cyclic ascending"
	case Ascending:
		return "ascending"
	case CyclicDescending:
		return "cyclic descending"
	case Descending:
		return "descending"
	case DestNumberCyclicAscending:
		return "dest number + cyclic ascending"
	case BySourceNumber:
		return "by source phone number"
	case DestNumberAscending:
		return "dest number + ascending"
	}
	return fmt.Sprintf("ChannelSelectMode(%d)", int64(m))
}

// channelSelectEnum lists the modes an analog gateway has (the device's
// 7-10 select digital trunks, hunt-group ringing and ISDN tables).
func channelSelectEnum() []provisioning.EnumValue {
	var out []provisioning.EnumValue
	for _, m := range []ChannelSelectMode{ByDestNumber, CyclicAscending, Ascending, CyclicDescending, Descending, DestNumberCyclicAscending, BySourceNumber, DestNumberAscending} {
		out = append(out, provisioning.EnumValue{Value: int64(m), Name: m.String()})
	}
	return out
}

// ParamChannelSelectMode is the global channel selection mode.
const ParamChannelSelectMode = "ChannelSelectMode"

// TableTrunkGroupSettings sets a channel selection mode per trunk group.
const TableTrunkGroupSettings = "TrunkGroupSettings"

// HuntParams are the channel selection parameters.
func HuntParams() []provisioning.Param {
	return []provisioning.Param{{Name: ParamChannelSelectMode, Kind: provisioning.KindEnum, Default: "0", Enum: channelSelectEnum(),
		Description: "how an IP-to-Tel call picks a port of its trunk group (TrunkGroupSettings overrides per group)"}}
}

// HuntTables are the per-group settings.
func HuntTables() []provisioning.TableDef {
	return []provisioning.TableDef{{Name: TableTrunkGroupSettings, MaxRows: 24, Columns: []provisioning.Column{
		{Name: "TrunkGroupId", Kind: provisioning.KindInt, Min: 0, Max: 99, Default: "1"},
		{Name: "ChannelSelectMode", Kind: provisioning.KindEnum, Default: "0", Enum: channelSelectEnum()},
	}}}
}

// huntGroup is one trunk group's ports and how they are chosen.
type huntGroup struct {
	ports []int // port indexes, ascending
	mode  ChannelSelectMode
}

// hunter remembers, per trunk group, the port the cyclic modes chose last.
type hunter struct {
	mu   sync.Mutex
	last map[int]int // trunk group -> position in its ports
}

// candidate is what selection needs to know of a port.
type candidate interface {
	phoneNumber() string
	idle() bool
}

// pick returns the position in ports of the port that takes a call to
// called from caller, -1 when the mode finds none. busy reports a port
// found by number that is not idle, or no idle port among those the mode
// may take.
func (h *hunter) pick(group int, hg huntGroup, ports func(int) candidate, called, caller string) (pos int, busy bool) {
	byNumber := func(n string) int {
		for i, idx := range hg.ports {
			if ports(idx).phoneNumber() == n {
				return i
			}
		}
		return -1
	}
	switch hg.mode {
	case ByDestNumber, BySourceNumber:
		n := called
		if hg.mode == BySourceNumber {
			n = caller
		}
		i := byNumber(n)
		if i < 0 {
			return -1, false
		}
		return i, !ports(hg.ports[i]).idle()
	case DestNumberCyclicAscending, DestNumberAscending:
		if i := byNumber(called); i >= 0 {
			return i, !ports(hg.ports[i]).idle()
		}
	}
	n := len(hg.ports)
	if n == 0 {
		return -1, false
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.last == nil {
		h.last = map[int]int{}
	}
	last, seen := h.last[group]
	order := func(k int) int { return k } // ascending from the lowest
	switch hg.mode {
	case CyclicAscending, DestNumberCyclicAscending:
		start := 0
		if seen {
			start = last + 1
		}
		order = func(k int) int { return (start + k) % n }
	case CyclicDescending:
		start := n - 1
		if seen {
			start = last - 1 + n
		}
		order = func(k int) int { return (start - k + n) % n }
	case Descending:
		order = func(k int) int { return n - 1 - k }
	}
	for k := 0; k < n; k++ {
		i := order(k)
		if ports(hg.ports[i]).idle() {
			h.last[group] = i
			return i, false
		}
	}
	return -1, true
}
