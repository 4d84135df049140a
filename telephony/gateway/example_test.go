package gateway_test

import (
	"fmt"

	"github.com/potsgate/potsgate/telephony/gateway"
)

func ExampleNewRegistry() {
	reg, err := gateway.NewRegistry()
	if err != nil {
		panic(err)
	}
	res, err := reg.ApplyText(reg.Defaults(), "gw.ini", []byte("AutoUpdateFrequency = 60\nNoSuchThing = 1\n"))
	if err != nil {
		panic(err)
	}
	fmt.Println(res.Config.Int("AutoUpdateFrequency"))
	for _, w := range res.Warnings {
		fmt.Println(w)
	}
	// Output:
	// 60
	// gw.ini:2:1: unknown parameter NoSuchThing ignored
}

func ExampleFXSConfig() {
	reg, _ := gateway.NewRegistry()
	res, err := reg.ApplyText(reg.Defaults(), "gw.ini", []byte(`DigitMapping = '1xx|9xxxxxxxT'
[ TargetOfChannel ]
FORMAT TargetOfChannel_Index = TargetOfChannel_Destination, TargetOfChannel_Type, TargetOfChannel_Port, TargetOfChannel_HotLineToneDuration;
TargetOfChannel 0 = "911", 2, 3, 5;
[ \TargetOfChannel ]
`))
	if err != nil {
		panic(err)
	}
	for port := 1; port <= 3; port += 2 {
		lc, _ := gateway.FXSConfig(res.Config, port)
		fmt.Printf("port %d: map %q, hotline %q after %v\n", port, lc.DigitMap, lc.Hotline, lc.HotlineDelay)
	}
	// Output:
	// port 1: map "1xx|9xxxxxxxT", hotline "" after 0s
	// port 3: map "1xx|9xxxxxxxT", hotline "911" after 5s
}
