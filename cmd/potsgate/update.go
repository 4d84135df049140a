package main

import (
	"fmt"
	"io"
)

func updateCommand(args []string, stdout, stderr io.Writer) int {
	fmt.Fprintln(stderr, "potsgate update: not built yet")
	return 2
}
