package main

import (
	"fmt"
	"io"
)

func gatewayCommand(args []string, stdout, stderr io.Writer) int {
	fmt.Fprintln(stderr, "potsgate: the gateway runner is not built yet")
	return 2
}
