package gateway

import "fmt"

// portFailed takes a port whose hardware failed out of service: its line
// has stopped (a hardware port's Exchange failed), calls to it are
// refused with 503 and the port-failed alarm is raised. Only a new
// gateway (a restart) opens the port again.
func (g *Gateway) portFailed(p *port, err error) {
	if p.failed.Swap(true) {
		return
	}
	g.log.Error("port out of service: its hardware failed", "port", p.index, "number", p.number, "error", err)
	g.alarms.set(AlarmPortFailed, fmt.Sprintf("port %d", p.index), err.Error(), true)
	p.Hangup() // a call in progress ends (BYE)
}
