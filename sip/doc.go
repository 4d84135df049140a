// Package sip is the gateway's SIP user agent, on github.com/emiago/sipgo:
// calls in and out with SDP offer/answer, BYE and CANCEL, answers to
// OPTIONS, and the check-sync NOTIFY that triggers a configuration update.
//
// # Calls
//
// An incoming INVITE becomes a [Call] handed to the [Handler]; the handler
// answers through the call (Ring, Answer, Reject) from any goroutine. An
// outgoing call starts with [UA.Dial]. Either way the call reports what
// happens to it (ringing, answered, re-INVITE, ended) on its Events
// channel. The package keeps its own dialog store, as sipgo's README
// advises; the negotiated media ([sdp.Choice]) is the caller's to run.
// [Config.DSCP] marks the SIP socket with a DiffServ code point
// (media/diffserv), once, when [Listen] binds it.
//
// # Media security
//
// [Config.MediaSecurity] is the SRTP policy ([sdp.Security]): off,
// preferable (our offers are RTP/AVP with a=crypto, a plain answer is
// plain RTP) or mandatory (RTP/SAVP; a plain offer is refused with 488
// and a Warning saying why, a plain answer ends the call with a BYE and
// code 488 on its end event). Keys go in the SDP only when the call's
// signalling is encrypted ([Call.Secure]: TLS) or
// [Config.SDESOverInsecureTransport] allows them in clear; otherwise a
// mandatory call is refused ([ErrInsecureSignalling], before any INVITE
// leaves) and a preferable one is plain. The negotiated keys travel in
// [sdp.Choice].SRTP; a re-INVITE bringing a new key gets a new one of
// ours ([Call.Rekey] starts one), and the media leg rekeys on the
// EventModified that follows.
//
// # Fax: T.38
//
// A call moves to T.38 (m=image udptl t38, sdp.T38) by a re-INVITE:
// ours with [Call.ReofferT38] (a refusal is a [StatusError] carrying the
// Warning), or the far end's, which a [Handler] that is a [T38Handler]
// takes (it gives the UDPTL port) and any other refuses with 488 and a
// Warning; bad T.38 attributes are refused the same way, and every
// refusal counts in [Stats].T38Refused. [Call.Reoffer] takes the call
// back to audio. While on T.38 our session refreshes offer the image line
// again, a far end's refresh of it keeps the session as it is, and a
// re-INVITE without SDP is answered with the session as it stands.
//
// # Transports
//
// The user agent listens on UDP always and on TCP and TLS when
// [Config.TCPListenAddr] and [Config.TLSListenAddr] are set;
// [Config.Transport] is what requests use when their target does not say
// (a target may: "host:port;transport=tls", see [ParseTarget]). Contact
// and Via name our listener for the transport; with [Config.EnableSIPS]
// TLS URIs are sips:. TCP and TLS connections are reused: requests to a
// target ride its open connection, and in-dialog requests of an incoming
// call go back on the connection it came on. [Config.CRLFKeepAlive] pings
// the flows we open (RFC 5626). [TLSSettings] builds the TLS configs: TLS
// 1.2 at least, peer chains always verified, names per [PeerNameCheck],
// client certificates when asked. A refused certificate fails the request
// with [ErrTLSPeer]; [Call.SignalingSecure] says whether a call's
// signalling is on TLS.
//
// # sipgo's package-level settings
//
// sipgo keeps a default logger, timers and parser settings as package
// globals. This package sets none of them: loggers go to sipgo per
// component (server, client), and the defaults of timers are RFC 3261's.
// If one ever has to be set, it is set in settings.go and nowhere else.
//
// # Remote control
//
// A NOTIFY with `Event: check-sync` is honoured only when
// Config.EnableRemoteReset is set and it comes from one of
// Config.TrustedHosts; anything else is refused with 403 and nothing
// happens.
package sip
