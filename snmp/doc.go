// Package snmp is the gateway's SNMP agent: MIB-II system group, the
// snmpEngine group and POTSGATE-MIB, over SNMPv2c and SNMPv3 (USM), plus
// the gateway's traps.
//
// Packets are encoded and decoded by github.com/gosnmp/gosnmp (SnmpPacket
// MarshalMsg and GoSNMP.SnmpDecodePacket); this package has no BER code of
// its own. It adds what gosnmp lacks for an agent: the object registry and
// GET/GETNEXT/GETBULK/SET processing, community and trusted-manager checks,
// the authoritative side of USM and trap sending.
//
// # Running an agent
//
// New takes a Config (the device's SNMP parameters: DisableSNMP, SNMPPort,
// SNMPReadOnlyCommunityString, SNMPReadWriteCommunityString,
// SNMPTrustedMgr_x, SNMPUsers, SNMPManagerTableIP_x/SNMPManagerTrapPort_x)
// and a Device, the small interface through which the agent reads the
// running gateway and asks it to act. Serve(ctx) answers requests on
// Config.BindAddress:SNMPPort (loopback by default) or on a PacketConn
// injected with WithPacketConn; Close stops it and waits.
//
// # Security
//
// SNMPv1 is not served (such requests count in snmpInBadVersions).
// SNMPv2c requests must carry the read-only or read-write community and,
// when SNMPTrustedMgr is set, come from a listed address or prefix;
// anything else is dropped without an answer (a wrong community also sends
// authenticationFailure, at most once a second). SNMPv3 users default to
// authPriv with SHA-1 and AES-128; SHA-256 (RFC 7860), MD5, DES and lower
// levels are used only when configured for a user, and a request below the
// user's level gets an unsupportedSecLevel report.
//
// gosnmp's SnmpDecodePacket decrypts SNMPv3 messages but does not check
// their HMAC, so the agent checks it itself, before decrypting: the HMAC
// over the whole message with msgAuthenticationParameters zeroed, then
// snmpEngineBoots and the 150 s time window. Failures are answered with
// the RFC 3414 Report PDUs (unknownEngineID, which is also engine
// discovery, unknownUserName, unsupportedSecLevel, wrongDigest,
// notInTimeWindow, decryptionError) and counted in usmStats. Engine boots
// are kept in Config.StateFile and incremented by each New.
//
// Datagrams longer than MaxMessageSize (484..65507, default 1472) are
// dropped; responses are kept within MaxMessageSize and the request's
// msgMaxSize (GETBULK is cut short, other requests get tooBig). Per-packet
// paths only count (Stats, and the snmp, MPD and usmStats groups); they do
// not log.
//
// # MIB and enterprise number
//
// The module is in mib/POTSGATE-MIB.txt, under the placeholder enterprise
// arc 1.3.6.1.4.1.99999 (EnterpriseOID). A vendor substitutes its
// IANA-registered Private Enterprise Number by replacing 99999 in the MIB
// file (the potsgate OBJECT IDENTIFIER), in EnterpriseOID and in the
// generated engine ID prefix (0x80000000 + number, see newEngineID).
// Check the MIB with
//
//	SMIPATH=../shared/mibs:snmp/mib smilint -l 3 POTSGATE-MIB
//
// which must print nothing, and load it in net-snmp with
// -M <base mibs>:snmp/mib -m +POTSGATE-MIB.
//
// # Traps
//
// Serve sends coldStart when it starts. AlarmRaised, AlarmCleared and
// DownloadResult send pgAlarmRaised, pgAlarmCleared and pgDownloadResult;
// KeepAliveInterval sends pgKeepAlive. Each manager gets SNMPv2-Trap PDUs,
// as v2c with SNMPTrapCommunityString or, when the manager names a
// TrapUser, as SNMPv3 from this (authoritative) engine: a v3 receiver
// must know the agent's engine ID (EngineID).
package snmp
