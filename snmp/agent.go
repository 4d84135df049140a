package snmp

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/binary"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gosnmp/gosnmp"
)

// ErrServing is returned by Serve when the agent is already serving.
var ErrServing = errors.New("snmp: agent already serving")

// actionTimeout bounds a device action run by a SET.
const actionTimeout = 5 * time.Second

// Option injects a collaborator into New.
type Option func(*options)

type options struct {
	log  *slog.Logger
	now  func() time.Time
	conn net.PacketConn
}

// WithLogger sets the logger (nil discards).
func WithLogger(l *slog.Logger) Option { return func(o *options) { o.log = l } }

// WithClock sets the clock used for sysUpTime, snmpEngineTime and the
// time window (default time.Now).
func WithClock(now func() time.Time) Option { return func(o *options) { o.now = now } }

// WithPacketConn makes Serve use conn instead of listening on
// Config.BindAddress:SNMPPort. The agent does not close an injected conn.
func WithPacketConn(conn net.PacketConn) Option { return func(o *options) { o.conn = conn } }

// stats are the agent's protocol counters (SNMPv2-MIB snmp group,
// SNMP-MPD-MIB and SNMP-USER-BASED-SM-MIB usmStats).
type stats struct {
	inPkts, inBadVersions, inBadCommunityNames, inBadCommunityUses, inASNParseErrs atomic.Uint32
	silentDrops, proxyDrops, untrustedDrops                                        atomic.Uint32
	unknownSecurityModels, invalidMsgs, unknownPDUHandlers                         atomic.Uint32
	usmUnsupportedSecLevels, usmNotInTimeWindows, usmUnknownUserNames              atomic.Uint32
	usmUnknownEngineIDs, usmWrongDigests, usmDecryptionErrors                      atomic.Uint32
	trapsSent, trapErrors                                                          atomic.Uint32
}

// Stats is a snapshot of the agent's counters, for status pages.
type Stats struct {
	InPackets, BadVersions, BadCommunityNames, BadCommunityUses, ParseErrors uint32
	UntrustedDrops, SilentDrops                                              uint32
	UnknownEngineIDs, UnknownUserNames, UnsupportedSecLevels                 uint32
	WrongDigests, NotInTimeWindows, DecryptionErrors                         uint32
	TrapsSent, TrapErrors                                                    uint32
}

// usmUser is a configured v3 user with keys localized to our engine ID.
type usmUser struct {
	User
	level   gosnmp.SnmpV3MsgFlags // NoAuthNoPriv, AuthNoPriv or AuthPriv
	authKey []byte
	privKey []byte
}

type trapDest struct {
	addr *net.UDPAddr
	user *usmUser // nil: v2c
}

const (
	sysContact = iota
	sysName
	sysLocation
)

// Agent is an SNMP agent serving the device's objects over UDP and sending
// its traps. Create it with New, run it with Serve, stop it with Close or
// by cancelling Serve's context.
type Agent struct {
	cfg      Config
	dev      Device
	log      *slog.Logger
	now      func() time.Time
	injected net.PacketConn
	trusted  []netip.Prefix
	users    map[string]*usmUser
	managers []trapDest
	engineID string // raw bytes
	boots    uint32
	start    time.Time
	mib      mib

	stats     stats
	authTraps atomic.Bool
	salt      atomic.Uint64
	trapID    atomic.Uint32

	mu           sync.Mutex
	sys          [3]string
	download     DownloadResult
	haveDownload bool
	lastAuthTrap time.Time

	serveMu sync.Mutex
	conn    net.PacketConn // while serving
	cancel  context.CancelFunc
	done    chan struct{} // closed when Serve returns
	closed  bool
}

// New checks cfg, loads or creates the engine state (incrementing
// snmpEngineBoots in Config.StateFile) and returns an agent ready to Serve.
func New(cfg Config, dev Device, opts ...Option) (*Agent, error) {
	if dev == nil {
		return nil, fmt.Errorf("%w: nil device", ErrInvalidConfig)
	}
	o := options{now: time.Now}
	for _, opt := range opts {
		opt(&o)
	}
	if o.log == nil {
		o.log = slog.New(slog.DiscardHandler)
	}
	if o.now == nil {
		o.now = time.Now
	}
	cfg = cfg.withDefaults()
	if cfg.MaxMessageSize < minMaxMsgSize || cfg.MaxMessageSize > maxMaxMsgSize {
		return nil, fmt.Errorf("%w: MaxMessageSize %d outside %d..%d", ErrInvalidConfig, cfg.MaxMessageSize, minMaxMsgSize, maxMaxMsgSize)
	}
	if cfg.SNMPPort < 0 || cfg.SNMPPort > 65535 {
		return nil, fmt.Errorf("%w: SNMPPort %d", ErrInvalidConfig, cfg.SNMPPort)
	}
	for _, c := range []string{cfg.SNMPReadOnlyCommunityString, cfg.SNMPReadWriteCommunityString, cfg.SNMPTrapCommunityString} {
		if len(c) > 255 {
			return nil, fmt.Errorf("%w: community longer than 255 bytes", ErrInvalidConfig)
		}
	}
	trusted, err := parseTrusted(cfg.SNMPTrustedMgr)
	if err != nil {
		return nil, err
	}
	var configured []byte
	if cfg.EngineID != "" {
		if configured, err = parseEngineID(cfg.EngineID); err != nil {
			return nil, err
		}
	}
	engineID, boots, err := loadState(cfg.StateFile, configured)
	if err != nil {
		return nil, err
	}
	a := &Agent{
		cfg: cfg, dev: dev, log: o.log, now: o.now, injected: o.conn,
		trusted: trusted, users: map[string]*usmUser{},
		engineID: string(engineID), boots: boots, start: o.now(),
		sys: [3]string{cfg.SysContact, cfg.SysName, cfg.SysLocation},
	}
	a.authTraps.Store(!cfg.DisableAuthenticationTraps)
	var seed [8]byte
	_, _ = rand.Read(seed[:])
	a.salt.Store(binary.BigEndian.Uint64(seed[:]))
	a.trapID.Store(binary.BigEndian.Uint32(seed[:4]) & 0x7fffffff)
	for _, u := range cfg.SNMPUsers {
		uu, err := localizeUser(u, a.engineID)
		if err != nil {
			return nil, err
		}
		if _, dup := a.users[u.Name]; dup {
			return nil, fmt.Errorf("%w: duplicate SNMPv3 user %q", ErrInvalidConfig, u.Name)
		}
		a.users[u.Name] = uu
	}
	for i, m := range cfg.SNMPManagers {
		if m.IP == "" || m.IP == "0.0.0.0" {
			continue
		}
		ip, err := netip.ParseAddr(m.IP)
		if err != nil {
			return nil, fmt.Errorf("%w: SNMPManagerTableIP_%d %q: %v", ErrInvalidConfig, i, m.IP, err)
		}
		port := m.TrapPort
		if port == 0 {
			port = defaultTrapPort
		}
		if port < 0 || port > 65535 {
			return nil, fmt.Errorf("%w: SNMPManagerTrapPort_%d %d", ErrInvalidConfig, i, port)
		}
		d := trapDest{addr: net.UDPAddrFromAddrPort(netip.AddrPortFrom(ip.Unmap(), uint16(port)))}
		if m.TrapUser != "" {
			u, ok := a.users[m.TrapUser]
			if !ok {
				return nil, fmt.Errorf("%w: SNMPManagerTrapUser_%d %q is not an SNMPv3 user", ErrInvalidConfig, i, m.TrapUser)
			}
			d.user = u
		}
		a.managers = append(a.managers, d)
	}
	a.mib = a.buildMIB()
	return a, nil
}

func localizeUser(u User, engineID string) (*usmUser, error) {
	if u.Name == "" || len(u.Name) > 32 {
		return nil, fmt.Errorf("%w: SNMPv3 user name %q must be 1..32 bytes", ErrInvalidConfig, u.Name)
	}
	if u.Auth < AuthSHA || u.Auth > AuthNone || u.Priv < PrivAES || u.Priv > PrivNone || u.Access < AccessReadOnly || u.Access > AccessReadWrite {
		return nil, fmt.Errorf("%w: SNMPv3 user %q: unknown protocol or access", ErrInvalidConfig, u.Name)
	}
	uu := &usmUser{User: u, level: gosnmp.NoAuthNoPriv}
	if u.Auth == AuthNone {
		if u.Priv != PrivNone {
			return nil, fmt.Errorf("%w: SNMPv3 user %q: privacy needs authentication", ErrInvalidConfig, u.Name)
		}
		return uu, nil
	}
	if len(u.AuthKey) < 8 {
		return nil, fmt.Errorf("%w: SNMPv3 user %q: auth key shorter than 8 characters", ErrInvalidConfig, u.Name)
	}
	uu.level = gosnmp.AuthNoPriv
	if u.Priv != PrivNone {
		if len(u.PrivKey) < 8 {
			return nil, fmt.Errorf("%w: SNMPv3 user %q: privacy key shorter than 8 characters", ErrInvalidConfig, u.Name)
		}
		uu.level = gosnmp.AuthPriv
	}
	sp := &gosnmp.UsmSecurityParameters{
		UserName:                 u.Name,
		AuthoritativeEngineID:    engineID,
		AuthenticationProtocol:   u.Auth.gosnmp(),
		AuthenticationPassphrase: u.AuthKey,
		PrivacyProtocol:          u.Priv.gosnmp(),
		PrivacyPassphrase:        u.PrivKey,
	}
	if err := sp.InitSecurityKeys(); err != nil {
		return nil, fmt.Errorf("%w: SNMPv3 user %q: %v", ErrInvalidConfig, u.Name, err)
	}
	uu.authKey, uu.privKey = sp.SecretKey, sp.PrivacyKey
	return uu, nil
}

// EngineID returns the agent's snmpEngineID.
func (a *Agent) EngineID() []byte { return []byte(a.engineID) }

// EngineBoots returns snmpEngineBoots for this run.
func (a *Agent) EngineBoots() uint32 { return a.boots }

func (a *Agent) engineTime(now time.Time) uint32 {
	d := now.Sub(a.start)
	if d < 0 {
		return 0
	}
	return uint32(min(d/time.Second, 1<<31-1))
}

// Stats returns a snapshot of the protocol counters.
func (a *Agent) Stats() Stats {
	s := &a.stats
	return Stats{
		InPackets: s.inPkts.Load(), BadVersions: s.inBadVersions.Load(),
		BadCommunityNames: s.inBadCommunityNames.Load(), BadCommunityUses: s.inBadCommunityUses.Load(),
		ParseErrors: s.inASNParseErrs.Load(), UntrustedDrops: s.untrustedDrops.Load(), SilentDrops: s.silentDrops.Load(),
		UnknownEngineIDs: s.usmUnknownEngineIDs.Load(), UnknownUserNames: s.usmUnknownUserNames.Load(),
		UnsupportedSecLevels: s.usmUnsupportedSecLevels.Load(), WrongDigests: s.usmWrongDigests.Load(),
		NotInTimeWindows: s.usmNotInTimeWindows.Load(), DecryptionErrors: s.usmDecryptionErrors.Load(),
		TrapsSent: s.trapsSent.Load(), TrapErrors: s.trapErrors.Load(),
	}
}

func (a *Agent) sysString(i int) string {
	a.mu.Lock()
	defer a.mu.Unlock()
	return truncate255(a.sys[i])
}

// SystemSetter is implemented by devices that persist sysContact, sysName
// and sysLocation when a manager sets them. field is "sysContact",
// "sysName" or "sysLocation".
type SystemSetter interface {
	SetSystem(field, value string) error
}

func (a *Agent) setSysString(i int, v string) error {
	if s, ok := a.dev.(SystemSetter); ok {
		name := [...]string{"sysContact", "sysName", "sysLocation"}[i]
		if err := s.SetSystem(name, v); err != nil {
			return err
		}
	}
	a.mu.Lock()
	a.sys[i] = v
	a.mu.Unlock()
	return nil
}

func (a *Agent) sysDescr(id *Identity) string {
	s := "potsgate " + id.SoftwareVersion + " analog telephone adapter (FXS/FXO to SIP)"
	if id.Product != "" && id.Product != "potsgate" {
		s += ", " + id.Product
	}
	if id.HardwareVersion != "" {
		s += ", hardware " + id.HardwareVersion
	}
	return s
}

func (a *Agent) lastDownload() (DownloadResult, bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.download, a.haveDownload
}

// Addr returns the local address while serving, else nil.
func (a *Agent) Addr() net.Addr {
	a.serveMu.Lock()
	defer a.serveMu.Unlock()
	if a.conn == nil {
		return nil
	}
	return a.conn.LocalAddr()
}

// Serve answers requests until ctx is cancelled or Close is called. It
// sends coldStart to the trap managers once the socket is ready and, with
// KeepAliveInterval, pgKeepAlive periodically. It returns ErrDisabled when
// DisableSNMP is set, nil after ctx is cancelled, ErrClosed after Close.
func (a *Agent) Serve(ctx context.Context) error {
	if a.cfg.DisableSNMP {
		return ErrDisabled
	}
	a.serveMu.Lock()
	if a.closed {
		a.serveMu.Unlock()
		return ErrClosed
	}
	if a.done != nil {
		a.serveMu.Unlock()
		return ErrServing
	}
	conn := a.injected
	owned := false
	if conn == nil {
		var err error
		addr := net.JoinHostPort(a.cfg.BindAddress, strconv.Itoa(a.cfg.SNMPPort))
		conn, err = net.ListenPacket("udp", addr)
		if err != nil {
			a.serveMu.Unlock()
			return fmt.Errorf("snmp: listen %s: %w", addr, err)
		}
		owned = true
	}
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	a.conn, a.cancel, a.done = conn, cancel, done
	a.serveMu.Unlock()

	var wg sync.WaitGroup
	defer func() {
		cancel()
		wg.Wait()
		if owned {
			_ = conn.Close()
		}
		a.serveMu.Lock()
		a.conn = nil
		a.serveMu.Unlock()
		close(done)
	}()
	// Wake the read loop when ctx ends.
	wg.Add(1)
	go func() {
		defer wg.Done()
		<-ctx.Done()
		_ = conn.SetReadDeadline(time.Unix(1, 0))
	}()
	if a.cfg.KeepAliveInterval > 0 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			t := time.NewTicker(a.cfg.KeepAliveInterval)
			defer t.Stop()
			for {
				select {
				case <-ctx.Done():
					return
				case <-t.C:
					_ = a.sendKeepAlive()
				}
			}
		}()
	}
	a.log.Info("snmp agent serving", "addr", conn.LocalAddr().String(), "engineBoots", a.boots)
	if err := a.sendTrap(oidColdStart, nil); err != nil {
		a.log.Warn("snmp coldStart trap", "err", err)
	}

	buf := make([]byte, maxMaxMsgSize+1)
	for {
		n, from, err := conn.ReadFrom(buf)
		if ctx.Err() != nil {
			a.serveMu.Lock()
			closed := a.closed
			a.serveMu.Unlock()
			if closed {
				return ErrClosed
			}
			return nil
		}
		if err != nil {
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				continue
			}
			return fmt.Errorf("snmp: read: %w", err)
		}
		if resp := a.handle(ctx, from, buf[:n]); resp != nil {
			if _, err := conn.WriteTo(resp, from); err != nil {
				a.stats.silentDrops.Add(1)
			}
		}
	}
}

// Close stops Serve and waits for it to return. It is idempotent.
func (a *Agent) Close() error {
	a.serveMu.Lock()
	a.closed = true
	cancel, done := a.cancel, a.done
	a.serveMu.Unlock()
	if cancel != nil {
		cancel()
		<-done
	}
	return nil
}

func addrOf(from net.Addr) (netip.Addr, bool) {
	switch f := from.(type) {
	case *net.UDPAddr:
		ap := f.AddrPort()
		return ap.Addr().Unmap(), true
	case nil:
		return netip.Addr{}, false
	}
	ap, err := netip.ParseAddrPort(from.String())
	if err != nil {
		return netip.Addr{}, false
	}
	return ap.Addr().Unmap(), true
}

func (a *Agent) isTrusted(from net.Addr) bool {
	if len(a.trusted) == 0 {
		return true
	}
	ip, ok := addrOf(from)
	if !ok {
		return false
	}
	for _, p := range a.trusted {
		if p.Contains(ip) {
			return true
		}
	}
	return false
}

// handle processes one datagram and returns the response to send, if any.
// It never blocks on the network (traps are written without waiting).
func (a *Agent) handle(ctx context.Context, from net.Addr, msg []byte) []byte {
	a.stats.inPkts.Add(1)
	if !a.isTrusted(from) {
		a.stats.untrustedDrops.Add(1)
		return nil
	}
	if len(msg) > a.cfg.MaxMessageSize {
		a.stats.inASNParseErrs.Add(1)
		return nil
	}
	// First pass: gosnmp parses the header with no credentials. A v3
	// authenticated message stops at its MAC (no key), having filled the
	// USM fields we need to pick the user and check the MAC ourselves.
	probe := &gosnmp.GoSNMP{Version: gosnmp.Version2c}
	p, err := probe.SnmpDecodePacket(clone(msg))
	if p == nil {
		a.stats.inASNParseErrs.Add(1)
		return nil
	}
	switch p.Version {
	case gosnmp.Version2c:
		if err != nil {
			a.stats.inASNParseErrs.Add(1)
			return nil
		}
		return a.handleV2c(ctx, p)
	case gosnmp.Version3:
		return a.handleV3(ctx, msg, p, err)
	case gosnmp.Version1:
		if err != nil {
			a.stats.inASNParseErrs.Add(1)
			return nil
		}
	}
	a.stats.inBadVersions.Add(1)
	return nil
}

func clone(b []byte) []byte { return append([]byte(nil), b...) }

func (a *Agent) handleV2c(ctx context.Context, req *gosnmp.SnmpPacket) []byte {
	c := []byte(req.Community)
	write := false
	switch {
	case subtle.ConstantTimeCompare(c, []byte(a.cfg.SNMPReadWriteCommunityString)) == 1:
		write = true
	case subtle.ConstantTimeCompare(c, []byte(a.cfg.SNMPReadOnlyCommunityString)) == 1:
	default:
		a.stats.inBadCommunityNames.Add(1)
		a.authFailure()
		return nil
	}
	if !isRequest(req.PDUType) {
		a.stats.silentDrops.Add(1)
		return nil
	}
	if req.PDUType == gosnmp.SetRequest && !write {
		a.stats.inBadCommunityUses.Add(1)
	}
	build := func(vars []gosnmp.SnmpPDU, status gosnmp.SNMPError, index uint8) ([]byte, error) {
		resp := &gosnmp.SnmpPacket{
			Version: gosnmp.Version2c, Community: req.Community, PDUType: gosnmp.GetResponse,
			RequestID: req.RequestID, Error: status, ErrorIndex: index, Variables: vars,
		}
		return resp.MarshalMsg()
	}
	deny := gosnmp.NoAccess
	if write {
		deny = gosnmp.NoError
	}
	return a.respond(ctx, req, deny, a.cfg.MaxMessageSize, build)
}

func isRequest(t gosnmp.PDUType) bool {
	switch t {
	case gosnmp.GetRequest, gosnmp.GetNextRequest, gosnmp.GetBulkRequest, gosnmp.SetRequest:
		return true
	}
	return false
}
