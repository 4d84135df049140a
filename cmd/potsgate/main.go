// Command potsgate is the reference analog-to-SIP gateway.
//
// With no arguments it runs an embedded default: simulated FXS ports, SIP on
// loopback, nothing to install. Sub-commands:
//
//	potsgate [-config FILE] [-hal sim|dahdi] run the gateway (-hal dahdi: on a
//	                                         DAHDI card, see docs/hardware.md)
//	potsgate ini check FILE...               validate ini files
//	potsgate update -config FILE -state DIR  run one Automatic Update cycle
package main

import (
	"io"
	"os"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// run dispatches on the first argument and returns the exit code.
func run(args []string, stdout, stderr io.Writer) int {
	if len(args) > 0 {
		switch args[0] {
		case "ini":
			return iniCommand(args[1:], stdout, stderr)
		case "update":
			return updateCommand(args[1:], stdout, stderr)
		}
	}
	return gatewayCommand(args, stdout, stderr)
}
