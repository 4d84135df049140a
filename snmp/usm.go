package snmp

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/binary"
	"hash"

	"github.com/gosnmp/gosnmp"
)

// timeWindow is the USM time window in seconds (RFC 3414 3.2.7).
const timeWindow = 150

// handleV3 runs the USM checks of RFC 3414 3.2 on a message the probe
// decoder parsed up to its security parameters, then decodes (and
// decrypts) it with the user's keys and answers it.
func (a *Agent) handleV3(ctx context.Context, msg []byte, probe *gosnmp.SnmpPacket, probeErr error) []byte {
	usm, ok := probe.SecurityParameters.(*gosnmp.UsmSecurityParameters)
	if !ok || usm == nil {
		a.stats.inASNParseErrs.Add(1)
		return nil
	}
	if probe.SecurityModel != gosnmp.UserSecurityModel {
		a.stats.unknownSecurityModels.Add(1)
		return nil
	}
	level := probe.MsgFlags & gosnmp.AuthPriv
	reportable := probe.MsgFlags&gosnmp.Reportable != 0
	if level == gosnmp.SnmpV3MsgFlags(2) || probe.MsgMaxSize < minMaxMsgSize {
		// privacy without authentication, or a manager that cannot
		// receive the minimum message size (RFC 3412 7.2 step 3).
		a.stats.invalidMsgs.Add(1)
		return nil
	}
	if probeErr != nil && (level == gosnmp.NoAuthNoPriv || usm.AuthenticationParameters == "") {
		// The probe stops at the MAC of an authenticated message; any
		// other failure is a malformed message.
		a.stats.inASNParseErrs.Add(1)
		return nil
	}
	if usm.AuthoritativeEngineID != a.engineID {
		// Also engine ID discovery: empty engine ID and user name.
		n := a.stats.usmUnknownEngineIDs.Add(1)
		return a.report(probe, usm.UserName, oidUsmUnknownEngine, n, nil, reportable)
	}
	user, ok := a.users[usm.UserName]
	if !ok {
		n := a.stats.usmUnknownUserNames.Add(1)
		return a.report(probe, usm.UserName, oidUsmUnknownUser, n, nil, reportable)
	}
	if level != user.level {
		// A level the user lacks the keys for, or a weaker level than the
		// one configured for the user.
		n := a.stats.usmUnsupportedSecLevels.Add(1)
		return a.report(probe, usm.UserName, oidUsmUnsupportedSec, n, nil, reportable)
	}
	if level&gosnmp.AuthNoPriv != 0 {
		if !user.verify(msg, usm.AuthenticationParameters) {
			n := a.stats.usmWrongDigests.Add(1)
			a.authFailure()
			return a.report(probe, usm.UserName, oidUsmWrongDigest, n, nil, reportable)
		}
		now := a.engineTime(a.now())
		diff := int64(usm.AuthoritativeEngineTime) - int64(now)
		if a.boots >= 1<<31-1 || usm.AuthoritativeEngineBoots != a.boots || diff > timeWindow || diff < -timeWindow {
			n := a.stats.usmNotInTimeWindows.Add(1)
			// Sent authenticated, so the manager can trust our clock.
			return a.report(probe, usm.UserName, oidUsmNotInTime, n, user, reportable)
		}
	}
	dec := &gosnmp.GoSNMP{
		Version:       gosnmp.Version3,
		SecurityModel: gosnmp.UserSecurityModel,
		MsgFlags:      level,
		SecurityParameters: &gosnmp.UsmSecurityParameters{
			UserName:               user.Name,
			AuthoritativeEngineID:  a.engineID,
			AuthenticationProtocol: user.Auth.gosnmp(),
			PrivacyProtocol:        user.Priv.gosnmp(),
			SecretKey:              user.authKey,
			PrivacyKey:             user.privKey,
		},
	}
	if user.level == gosnmp.NoAuthNoPriv {
		dec.SecurityParameters.(*gosnmp.UsmSecurityParameters).AuthenticationProtocol = gosnmp.NoAuth
		dec.SecurityParameters.(*gosnmp.UsmSecurityParameters).PrivacyProtocol = gosnmp.NoPriv
	}
	req, err := dec.SnmpDecodePacket(clone(msg))
	if err != nil {
		if level == gosnmp.AuthPriv {
			n := a.stats.usmDecryptionErrors.Add(1)
			return a.report(probe, usm.UserName, oidUsmDecryptErr, n, nil, reportable)
		}
		a.stats.inASNParseErrs.Add(1)
		return nil
	}
	if req.ContextEngineID != "" && req.ContextEngineID != a.engineID {
		a.stats.unknownPDUHandlers.Add(1)
		return nil
	}
	if !isRequest(req.PDUType) {
		a.stats.unknownPDUHandlers.Add(1)
		return nil
	}
	deny := gosnmp.AuthorizationError
	if user.Access == AccessReadWrite {
		deny = gosnmp.NoError
	}
	maxSize := min(a.cfg.MaxMessageSize, int(min(req.MsgMaxSize, maxMaxMsgSize)))
	build := func(vars []gosnmp.SnmpPDU, status gosnmp.SNMPError, index uint8) ([]byte, error) {
		resp := a.v3Packet(user, level, req.MsgID)
		resp.ContextName = req.ContextName
		resp.PDUType = gosnmp.GetResponse
		resp.RequestID = req.RequestID
		resp.Error, resp.ErrorIndex, resp.Variables = status, index, vars
		return resp.MarshalMsg()
	}
	return a.respond(ctx, req, deny, maxSize, build)
}

// v3Packet returns a message from our (authoritative) engine for user at
// level, ready for its PDU. A nil user gives noAuthNoPriv.
func (a *Agent) v3Packet(user *usmUser, level gosnmp.SnmpV3MsgFlags, msgID uint32) *gosnmp.SnmpPacket {
	sp := &gosnmp.UsmSecurityParameters{
		AuthoritativeEngineID:    a.engineID,
		AuthoritativeEngineBoots: a.boots,
		AuthoritativeEngineTime:  a.engineTime(a.now()),
		AuthenticationProtocol:   gosnmp.NoAuth,
		PrivacyProtocol:          gosnmp.NoPriv,
	}
	if user != nil {
		sp.UserName = user.Name
		if level&gosnmp.AuthNoPriv != 0 {
			sp.AuthenticationProtocol = user.Auth.gosnmp()
			sp.SecretKey = user.authKey
		}
		if level&gosnmp.AuthPriv == gosnmp.AuthPriv {
			sp.PrivacyProtocol = user.Priv.gosnmp()
			sp.PrivacyKey = user.privKey
			sp.PrivacyParameters = a.nextSalt(user.Priv)
		}
	}
	return &gosnmp.SnmpPacket{
		Version:            gosnmp.Version3,
		MsgFlags:           level,
		SecurityModel:      gosnmp.UserSecurityModel,
		SecurityParameters: sp,
		MsgID:              msgID,
		MsgMaxSize:         uint32(a.cfg.MaxMessageSize),
		ContextEngineID:    a.engineID,
	}
}

// nextSalt returns fresh msgPrivacyParameters: a 64-bit counter seeded at
// random for AES (RFC 3826 3.1.2.1); boots and a 32-bit counter for DES.
func (a *Agent) nextSalt(p PrivProtocol) []byte {
	n := a.salt.Add(1)
	out := make([]byte, 8)
	if p == PrivDES {
		binary.BigEndian.PutUint32(out, a.boots)
		binary.BigEndian.PutUint32(out[4:], uint32(n))
		return out
	}
	binary.BigEndian.PutUint64(out, n)
	return out
}

// report answers a request that failed a USM check with a Report PDU
// carrying the counter (RFC 3412 7.1 step 3). With user it is sent
// authNoPriv (notInTimeWindow); otherwise noAuthNoPriv.
func (a *Agent) report(probe *gosnmp.SnmpPacket, userName string, counter oid, value uint32, user *usmUser, reportable bool) []byte {
	if !reportable {
		return nil
	}
	level := gosnmp.NoAuthNoPriv
	if user != nil {
		level = gosnmp.AuthNoPriv
	}
	p := a.v3Packet(user, level, probe.MsgID)
	if user == nil {
		p.SecurityParameters.(*gosnmp.UsmSecurityParameters).UserName = userName
	}
	p.PDUType = gosnmp.Report
	p.RequestID = probe.RequestID // 0 unless the PDU was in clear
	p.Variables = []gosnmp.SnmpPDU{{Name: counter.String(), Type: gosnmp.Counter32, Value: value}}
	out, err := p.MarshalMsg()
	if err != nil || len(out) > a.cfg.MaxMessageSize {
		return nil
	}
	return out
}

// verify checks msgAuthenticationParameters: the HMAC over the whole
// message with that field zeroed (RFC 3414 6.3.2, RFC 7860 4.2.2).
// gosnmp's SnmpDecodePacket does not check it. The field is found as its
// TLV (04 len mac): a wrong match can only make a genuine message fail,
// never make a forged one pass, since the HMAC still has to match.
func (u *usmUser) verify(msg []byte, mac string) bool {
	n := u.Auth.macLen()
	if n == 0 || len(mac) != n {
		return false
	}
	tlv := make([]byte, 0, 2+n)
	tlv = append(tlv, 0x04, byte(n))
	tlv = append(tlv, mac...)
	i := bytes.Index(msg, tlv)
	if i < 0 {
		return false
	}
	zeroed := clone(msg)
	clear(zeroed[i+2 : i+2+n])
	var h func() hash.Hash
	switch u.Auth {
	case AuthSHA:
		h = sha1.New
	case AuthSHA256:
		h = sha256.New
	case AuthMD5:
		h = md5.New
	default:
		return false
	}
	m := hmac.New(h, u.authKey)
	m.Write(zeroed)
	return hmac.Equal(m.Sum(nil)[:n], []byte(mac))
}
