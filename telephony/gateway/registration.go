package gateway

import (
	"context"
	"sync"
	"time"

	"github.com/potsgate/potsgate/provisioning"
	"github.com/potsgate/potsgate/sip"
)

// Registration parameters (spec section 4).
const (
	ParamIsRegisterNeeded        = "IsRegisterNeeded"
	ParamRegistrarIP             = "RegistrarIP"
	ParamRegistrationTime        = "RegistrationTime"
	ParamRegistrationTimeDivider = "RegistrationTimeDivider"
	ParamRegistrationRetryTime   = "RegistrationRetryTime"
	ParamAuthenticationMode      = "AuthenticationMode"
	ParamUserName                = "UserName"
	ParamPassword                = "Password"
	TableAuthentication          = "Authentication"
)

// AuthenticationMode values.
const (
	PerEndpoint = 0 // each port registers its own number
	PerGateway  = 1 // one registration for the gateway
)

// RegistrationParams are the registration parameters.
func RegistrationParams() []provisioning.Param {
	return []provisioning.Param{
		{Name: ParamIsRegisterNeeded, Kind: provisioning.KindBool, Default: "0", Description: "register to RegistrarIP"},
		{Name: ParamRegistrarIP, Kind: provisioning.KindHostPort, Description: "registrar (host:port)"},
		{Name: ParamRegistrationTime, Kind: provisioning.KindInt, Min: 10, Max: 2000000, Default: "180", Description: "seconds asked for in REGISTER"},
		{Name: ParamRegistrationTimeDivider, Kind: provisioning.KindInt, Min: 50, Max: 90, Default: "50", Description: "re-register after this percentage of the granted time"},
		{Name: ParamRegistrationRetryTime, Kind: provisioning.KindInt, Min: 10, Max: 3600, Default: "30", Description: "seconds before retrying a failed registration"},
		{Name: ParamAuthenticationMode, Kind: provisioning.KindEnum, Default: "0",
			Enum: []provisioning.EnumValue{{Value: PerEndpoint, Name: "per endpoint"}, {Value: PerGateway, Name: "per gateway"}}},
		{Name: ParamUserName, Kind: provisioning.KindString, MaxLen: 64, Description: "gateway user name (per-gateway registration, digest)"},
		{Name: ParamPassword, Kind: provisioning.KindString, MaxLen: 64, Secret: true, Description: "gateway digest password"},
	}
}

// RegistrationTables are the per-port credentials.
func RegistrationTables() []provisioning.TableDef {
	return []provisioning.TableDef{{
		Name: TableAuthentication, MaxRows: 24,
		Columns: []provisioning.Column{
			{Name: "UserId", Kind: provisioning.KindString, MaxLen: 64},
			{Name: "UserPassword", Kind: provisioning.KindString, MaxLen: 64, Secret: true},
			{Name: "Port", Kind: provisioning.KindInt, Min: 1, Max: 24, Default: "1"},
		},
	}}
}

// registrations lists what to register: one for the gateway, or one per
// numbered port with its credentials from the Authentication table.
func registrations(c provisioning.Config, numbers []string) []sip.Registration {
	if !c.Bool(ParamIsRegisterNeeded) || c.String(ParamRegistrarIP) == "" {
		return nil
	}
	base := sip.Registration{
		Registrar: registrarTarget(c), // transport_params.go
		Expires:   time.Duration(c.Int(ParamRegistrationTime)) * time.Second,
		Divider:   int(c.Int(ParamRegistrationTimeDivider)),
		Retry:     time.Duration(c.Int(ParamRegistrationRetryTime)) * time.Second,
		User:      c.String(ParamUserName),
		Password:  c.String(ParamPassword),
	}
	if c.Int(ParamAuthenticationMode) == PerGateway {
		return []sip.Registration{base}
	}
	creds := map[int]provisioning.Row{}
	for _, r := range c.Table(TableAuthentication) {
		creds[int(r.Int("Port"))] = r
	}
	var out []sip.Registration
	for i, n := range numbers {
		if n == "" {
			continue
		}
		r := base
		r.User, r.AuthUser = n, ""
		if row, ok := creds[i+1]; ok {
			if id := row.String("UserId"); id != "" {
				r.AuthUser = id
			}
			r.Password = row.String("UserPassword")
		}
		out = append(out, r)
	}
	return out
}

// registrar keeps the configured registrations alive and remembers their
// state for Status and for out of service (oos.go).
type registrar struct {
	mu     sync.Mutex
	states map[string]sip.RegState
	// oosMu orders what applyOOS tells the lines; told is what each
	// port's line last heard, by port index.
	oosMu sync.Mutex
	told  map[int]oosState
}

func (g *Gateway) runRegistrations(ctx context.Context, regs []sip.Registration) {
	for _, r := range regs {
		g.regWG.Add(1)
		go func() {
			defer g.regWG.Done()
			_ = g.ua.Register(ctx, r, func(s sip.RegState, _ time.Duration, err error) {
				g.reg.mu.Lock()
				g.reg.states[r.User] = s
				g.reg.mu.Unlock()
				source := "registration " + r.User
				switch {
				case err != nil:
					g.log.Warn("registration failed", "user", r.User, "error", err)
					g.alarms.set(AlarmRegistrationFailed, source, err.Error(), true)
				case s == sip.Registered:
					g.log.Info("registration", "user", r.User, "state", s.String())
					g.alarms.set(AlarmRegistrationFailed, source, "", false)
				}
				// Every attempt, not only a change: a retry also catches
				// up with a changed OOSOnRegistrationFail.
				g.applyOOS()
			})
		}()
	}
}

func (g *Gateway) registrationState(user string) string {
	g.reg.mu.Lock()
	defer g.reg.mu.Unlock()
	s, ok := g.reg.states[user]
	if !ok {
		return ""
	}
	return s.String()
}

// credentials answer a digest challenge to a call placed from user: the
// ones its registration uses (per endpoint), or the gateway's (per
// gateway).
func (g *Gateway) credentials(user string) (authUser, password string) {
	for _, r := range g.regs {
		if r.User == user || len(g.regs) == 1 && g.opts.Config.Int(ParamAuthenticationMode) == PerGateway {
			authUser = r.AuthUser
			if authUser == "" {
				authUser = r.User
			}
			return authUser, r.Password
		}
	}
	return "", ""
}
