// Command snmpagent runs the potsgate SNMP agent over a fake 4-port device,
// to try the MIB with net-snmp tools:
//
//	go run ./examples/snmpagent -port 1161 -traps 127.0.0.1:1162
//	snmpwalk -v2c -c public -M ../shared/mibs:snmp/mib -m +POTSGATE-MIB 127.0.0.1:1161 .1.3.6.1.4.1.99999
//	snmpget -v3 -l authPriv -u gwuser -a SHA -A authpass123 -x AES -X privpass123 127.0.0.1:1161 sysName.0
//	snmpset -v2c -c private -M ../shared/mibs:snmp/mib -m +POTSGATE-MIB 127.0.0.1:1161 pgActionStartUpdate.0 i 2
//
// A SET of pgActionStartUpdate simulates an update cycle that reports a
// download result (a pgDownloadResult trap) a second later; -alarms raises
// and clears a proxy-lost alarm every 10 s.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"strconv"
	"sync"
	"syscall"
	"time"

	"github.com/potsgate/potsgate/snmp"
	"github.com/potsgate/potsgate/snmp/snmptest"
)

func main() {
	port := flag.Int("port", 1161, "UDP port")
	bind := flag.String("bind", "127.0.0.1", "bind address")
	traps := flag.String("traps", "", "trap manager host:port (v2c, community trapuser)")
	trapsV3 := flag.String("traps-v3", "", "trap manager host:port for v3 traps as gwuser")
	state := flag.String("state", "", "engine state file (keeps snmpEngineBoots)")
	keepAlive := flag.Duration("keepalive", 0, "keep-alive trap interval (0 = off)")
	alarms := flag.Bool("alarms", false, "raise and clear a proxy-lost alarm every 10 s")
	flag.Parse()

	log := slog.New(slog.NewTextHandler(os.Stderr, nil))
	cfg := snmp.Config{
		BindAddress: *bind, SNMPPort: *port, StateFile: *state, KeepAliveInterval: *keepAlive,
		EngineID: "8001869f04706f74736761746574657374",
		SysName:  "potsgate-demo", SysContact: "noc@example.net", SysLocation: "lab",
		SNMPUsers: []snmp.User{
			{Name: "gwuser", AuthKey: "authpass123", PrivKey: "privpass123", Access: snmp.AccessReadWrite},
			{Name: "gwuser256", Auth: snmp.AuthSHA256, AuthKey: "authpass123", PrivKey: "privpass123"},
		},
	}
	for _, m := range []struct{ addr, user string }{{*traps, ""}, {*trapsV3, "gwuser"}} {
		if m.addr == "" {
			continue
		}
		host, p, err := net.SplitHostPort(m.addr)
		if err != nil {
			fmt.Fprintln(os.Stderr, "snmpagent:", err)
			os.Exit(2)
		}
		n, _ := strconv.Atoi(p)
		cfg.SNMPManagers = append(cfg.SNMPManagers, snmp.Manager{IP: host, TrapPort: n, TrapUser: m.user})
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	dev := snmptest.New()
	var agent *snmp.Agent
	var wg sync.WaitGroup
	defer wg.Wait()
	dev.OnAction = func(_ context.Context, action string) error {
		log.Info("device action", "action", action)
		if action == "StartUpdate" {
			wg.Add(1)
			go func() {
				defer wg.Done()
				select {
				case <-ctx.Done():
				case <-time.After(time.Second):
					url := dev.AutoUpdateURL(snmp.IniFileURL)
					_ = agent.DownloadResult(snmp.DownloadResult{URL: url, OK: true, Reason: "applied " + url})
				}
			}()
		}
		return nil
	}
	agent, err := snmp.New(cfg, dev, snmp.WithLogger(log))
	if err != nil {
		fmt.Fprintln(os.Stderr, "snmpagent:", err)
		os.Exit(2)
	}
	if *alarms {
		wg.Add(1)
		go func() {
			defer wg.Done()
			t := time.NewTicker(10 * time.Second)
			defer t.Stop()
			al := snmp.Alarm{ID: 100, Type: snmp.AlarmProxyLost, Severity: snmp.SeverityCritical, Source: "Proxy 127.0.0.1:5070", Text: "proxy lost"}
			raised := false
			for {
				select {
				case <-ctx.Done():
					return
				case <-t.C:
					if raised {
						_ = agent.AlarmCleared(al)
					} else {
						_ = agent.AlarmRaised(al)
					}
					raised = !raised
				}
			}
		}()
	}
	fmt.Printf("engine ID %x, boots %d\n", agent.EngineID(), agent.EngineBoots())
	if err := agent.Serve(ctx); err != nil && !errors.Is(err, snmp.ErrClosed) {
		fmt.Fprintln(os.Stderr, "snmpagent:", err)
		os.Exit(1)
	}
}
