package snmp

import (
	"context"

	"github.com/gosnmp/gosnmp"
)

// buildFunc marshals a response PDU with the given varbinds and error.
type buildFunc func(vars []gosnmp.SnmpPDU, status gosnmp.SNMPError, index uint8) ([]byte, error)

// maxBulkVarbinds caps a GETBULK response before the size limit applies.
const maxBulkVarbinds = 2048

// respond runs a GET, GETNEXT, GETBULK or SET and marshals the response
// within maxSize. deny, when not NoError, is the error a SET gets because
// the requester may not write.
func (a *Agent) respond(ctx context.Context, req *gosnmp.SnmpPacket, deny gosnmp.SNMPError, maxSize int, build buildFunc) []byte {
	v := &view{a: a, now: a.now()}
	var (
		vars   []gosnmp.SnmpPDU
		status gosnmp.SNMPError
		index  int
	)
	switch req.PDUType {
	case gosnmp.GetRequest:
		vars = a.get(v, req.Variables)
	case gosnmp.GetNextRequest:
		vars = a.getNext(v, req.Variables)
	case gosnmp.GetBulkRequest:
		vars = a.getBulk(v, req.Variables, int(req.NonRepeaters), int(req.MaxRepetitions), maxSize)
	case gosnmp.SetRequest:
		if deny != gosnmp.NoError {
			vars, status, index = req.Variables, deny, 1
		} else {
			vars = req.Variables
			status, index = a.set(ctx, v, req.Variables)
		}
	default:
		return nil
	}
	if index > 255 {
		index = 255 // gosnmp's error-index is one byte
	}
	out, err := build(vars, status, uint8(index))
	if err != nil {
		// A varbind echoed from the request that gosnmp cannot encode
		// back: answer genErr without varbinds.
		out, err = build(nil, gosnmp.GenErr, 0)
		if err != nil {
			return nil
		}
	}
	if len(out) <= maxSize {
		return out
	}
	if req.PDUType == gosnmp.GetBulkRequest {
		// Keep a prefix of varbinds that fits (RFC 3416 4.2.3), sized in
		// proportion to the last attempt: two or three marshals, not a
		// search over the list.
		n, size := len(vars), len(out)
		for n > 0 && size > maxSize {
			n = min(n-1, n*maxSize/size)
			if n <= 0 {
				break
			}
			b, err := build(vars[:n], gosnmp.NoError, 0)
			if err != nil {
				break
			}
			out, size = b, len(b)
		}
		if n > 0 && size <= maxSize {
			return out
		}
	}
	out, err = build(nil, gosnmp.TooBig, 0)
	if err != nil || len(out) > maxSize {
		a.stats.silentDrops.Add(1)
		return nil
	}
	return out
}

func nameOnly(name string, t gosnmp.Asn1BER) gosnmp.SnmpPDU {
	return gosnmp.SnmpPDU{Name: name, Type: t}
}

func (a *Agent) get(v *view, req []gosnmp.SnmpPDU) []gosnmp.SnmpPDU {
	out := make([]gosnmp.SnmpPDU, len(req))
	for i, r := range req {
		o := parseOID(r.Name)
		obj, suffix := a.mib.find(o)
		if obj == nil {
			out[i] = nameOnly(r.Name, gosnmp.NoSuchObject)
			continue
		}
		val, ok := obj.value(v, suffix)
		if !ok {
			out[i] = nameOnly(r.Name, gosnmp.NoSuchInstance)
			continue
		}
		out[i] = gosnmp.SnmpPDU{Name: r.Name, Type: obj.syntax, Value: val}
	}
	return out
}

func (a *Agent) getNext(v *view, req []gosnmp.SnmpPDU) []gosnmp.SnmpPDU {
	out := make([]gosnmp.SnmpPDU, len(req))
	for i, r := range req {
		if pdu, ok := a.mib.next(v, parseOID(r.Name)); ok {
			out[i] = pdu
		} else {
			out[i] = nameOnly(r.Name, gosnmp.EndOfMibView)
		}
	}
	return out
}

func (a *Agent) getBulk(v *view, req []gosnmp.SnmpPDU, nonRep, maxRep, maxSize int) []gosnmp.SnmpPDU {
	nonRep = max(0, min(nonRep, len(req)))
	limit := min(maxBulkVarbinds, maxSize/8) // a varbind takes at least 8 bytes
	out := a.getNext(v, req[:nonRep])
	if len(out) > limit {
		return out[:limit]
	}
	rep := req[nonRep:]
	if len(rep) == 0 || maxRep <= 0 {
		return out
	}
	last := make([]oid, len(rep))
	ended := make([]bool, len(rep))
	for i, r := range rep {
		last[i] = parseOID(r.Name)
	}
	for range maxRep {
		all := true
		for i := range rep {
			if len(out) >= limit {
				return out
			}
			if ended[i] {
				out = append(out, nameOnly(last[i].String(), gosnmp.EndOfMibView))
				continue
			}
			pdu, ok := a.mib.next(v, last[i])
			if !ok {
				ended[i] = true
				out = append(out, nameOnly(last[i].String(), gosnmp.EndOfMibView))
				continue
			}
			all = false
			last[i] = parseOID(pdu.Name)
			out = append(out, pdu)
		}
		if all {
			break
		}
	}
	return out
}

// set validates every varbind, then commits them in order (RFC 3416
// 4.2.5, without undo: a failed commit reports commitFailed).
func (a *Agent) set(ctx context.Context, v *view, req []gosnmp.SnmpPDU) (gosnmp.SNMPError, int) {
	commits := make([]func(context.Context) error, len(req))
	for i, r := range req {
		obj, suffix := a.mib.find(parseOID(r.Name))
		if obj == nil {
			return gosnmp.NotWritable, i + 1
		}
		if _, ok := obj.value(v, suffix); !ok {
			return gosnmp.NoCreation, i + 1
		}
		if obj.set == nil {
			return gosnmp.NotWritable, i + 1
		}
		c, status := obj.set(v, r)
		if status != gosnmp.NoError {
			return status, i + 1
		}
		commits[i] = c
	}
	ctx, cancel := context.WithTimeout(ctx, actionTimeout)
	defer cancel()
	for i, c := range commits {
		if err := c(ctx); err != nil {
			a.log.Warn("snmp set failed", "oid", req[i].Name, "err", err)
			return gosnmp.CommitFailed, i + 1
		}
	}
	return gosnmp.NoError, 0
}
