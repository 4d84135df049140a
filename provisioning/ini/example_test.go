package ini_test

import (
	"fmt"
	"os"
	"strings"

	"github.com/potsgate/potsgate/provisioning/ini"
)

func Example() {
	f, err := ini.Parse("gw.ini", strings.NewReader(`
RegistrationTime = 1800
EmergencyNumbers = '911', '112'
[ PREFIX ]
FORMAT PREFIX_Index = PREFIX_DestinationPrefix, PREFIX_DestAddress;
PREFIX 0 = "10", "10.0.0.1";
[ \PREFIX ]
`))
	if err != nil {
		fmt.Println(err)
		return
	}
	p, _ := f.Lookup("registrationtime")
	fmt.Println(p.Name, "=", p.Values[0].Text, "at", p.Pos)
	_ = ini.Write(os.Stdout, f)
	// Output:
	// RegistrationTime = 1800 at gw.ini:2:1
	// RegistrationTime = 1800
	// EmergencyNumbers = '911', '112'
	//
	// [ PREFIX ]
	// FORMAT PREFIX_Index = PREFIX_DestinationPrefix, PREFIX_DestAddress;
	// PREFIX 0 = "10", "10.0.0.1";
	// [ \PREFIX ]
}
