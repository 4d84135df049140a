package gateway

import (
	"log/slog"

	"github.com/potsgate/potsgate/media/faxrelay"
	"github.com/potsgate/potsgate/media/t38"
)

// defaultRelayFunc is the T.38 relay calls use: media/faxrelay's
// gateway.
func defaultRelayFunc() newRelayFunc { return newFaxRelay }

func newFaxRelay(cfg relayConfig, send func(*t38.IFP), log *slog.Logger) (faxRelay, error) {
	g, err := faxrelay.New(faxrelay.Config{MaxRate: cfg.MaxRate, ECM: cfg.ECM, Log: log}, sendFunc(send))
	if err != nil {
		return nil, err
	}
	return relayAdapter{g}, nil
}

// sendFunc is a faxrelay.Sender.
type sendFunc func(*t38.IFP)

func (f sendFunc) SendIFP(p *t38.IFP) { f(p) }

// relayAdapter gives faxrelay.Gateway the gateway's faxRelay shape.
type relayAdapter struct{ *faxrelay.Gateway }

func (r relayAdapter) Stats() relayStats {
	s := r.Gateway.Stats()
	return relayStats{Ended: s.Ended, Pages: s.Pages, Rate: s.Rate, ECM: s.ECM, Underflows: s.Underflows}
}
