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
