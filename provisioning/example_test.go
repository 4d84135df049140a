package provisioning_test

import (
	"fmt"

	"github.com/potsgate/potsgate/provisioning"
)

func ExampleRegistry_ApplyText() {
	reg := provisioning.NewRegistry()
	_ = reg.Register(provisioning.AutoUpdateParams()...)
	_ = reg.Register(provisioning.Param{Name: "RegistrationTime", Kind: provisioning.KindInt, Min: 10, Max: 2000000, Default: "3600"})

	running := reg.Defaults()
	res, err := reg.ApplyText(running, "gw.ini", []byte("RegistrationTime = 1800\nAutoUpdateFrequency = 60\n"))
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(res.Config.Int("RegistrationTime"), res.Config.Int("autoupdatefrequency"), res.Changed)

	_, err = reg.ApplyText(res.Config, "bad.ini", []byte("RegistrationTime = 1\n"))
	fmt.Println(err)
	// Output:
	// 1800 60 [AutoUpdateFrequency RegistrationTime]
	// configuration rejected, 1 invalid line(s):
	//   bad.ini:1:1: RegistrationTime: 1 is out of range [10, 2000000]
}
