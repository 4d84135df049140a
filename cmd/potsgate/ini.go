package main

import (
	"fmt"
	"io"
)

func iniCommand(args []string, stdout, stderr io.Writer) int {
	fmt.Fprintln(stderr, "potsgate ini: not built yet")
	return 2
}
