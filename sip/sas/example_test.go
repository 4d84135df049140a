package sas_test

import (
	"fmt"
	"time"

	"github.com/potsgate/potsgate/sip/sas"
)

func ExampleStep() {
	cfg := sas.Config{EnableSAS: true, SASProxySet: []string{"127.0.0.1:5060"}, KeepAliveFailures: 1}
	var m sas.Machine
	m, _ = sas.Step(m, sas.EvProbeFail, time.Unix(0, 0), cfg)
	fmt.Println(m.State)
	m, _ = sas.Step(m, sas.EvProbeOK, time.Unix(1, 0), cfg)
	fmt.Println(m.State)
	// Output:
	// emergency
	// normal
}
