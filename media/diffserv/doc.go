// Package diffserv marks a socket's packets with a DiffServ code point
// (RFC 2474): the six high bits of the IPv4 TOS octet and of the IPv6
// traffic class. Networks that honour them queue voice (EF, 46) ahead of
// signalling (CS5, 40) ahead of data.
//
// # Use
//
// [Mark] takes any socket that is a syscall.Conn (*net.UDPConn,
// *net.TCPConn, *net.TCPListener, ...) and sets IP_TOS, and IPV6_TCLASS on
// an IPv6 socket, through syscall.RawConn.Control: once, where the socket
// is created, never per packet. The gateway marks its SIP socket
// (PremiumServiceClassControlDiffServ) and each RTP/RTCP pair
// (PremiumServiceClassMediaDiffServ). On a system without these options
// Mark returns [ErrNotSupported] and the socket is left as it was.
//
// It lives in media, the lowest layer both sip and media/rtpsession may
// import, and uses only the standard library.
package diffserv
