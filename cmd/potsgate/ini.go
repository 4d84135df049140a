package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/potsgate/potsgate/provisioning"
	"github.com/potsgate/potsgate/telephony/gateway"
)

// iniCommand: `potsgate ini check FILE...` validates files the way the
// gateway would apply them. Exit 0 when all are valid, 1 with every bad line
// otherwise, 2 on usage errors.
func iniCommand(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] != "check" {
		fmt.Fprintln(stderr, "usage: potsgate ini check FILE...")
		return 2
	}
	fs := flag.NewFlagSet("potsgate ini check", flag.ContinueOnError)
	fs.SetOutput(stderr)
	quiet := fs.Bool("q", false, "print errors only, not warnings")
	if err := fs.Parse(args[1:]); err != nil {
		return 2
	}
	if fs.NArg() == 0 {
		fmt.Fprintln(stderr, "usage: potsgate ini check [-q] FILE...")
		return 2
	}
	reg, err := gateway.NewRegistry()
	if err != nil {
		fmt.Fprintln(stderr, "potsgate:", err)
		return 2
	}
	code := 0
	for _, name := range fs.Args() {
		text, err := os.ReadFile(name)
		if err != nil {
			fmt.Fprintln(stderr, err)
			code = 1
			continue
		}
		res, err := reg.ApplyText(reg.Defaults(), name, text)
		var ae *provisioning.ApplyError
		switch {
		case errors.As(err, &ae):
			for _, p := range ae.Problems {
				fmt.Fprintln(stdout, p.Error())
			}
			code = 1
			continue
		case err != nil:
			fmt.Fprintf(stdout, "%s: %v\n", name, err)
			code = 1
			continue
		}
		if !*quiet {
			for _, w := range res.Warnings {
				fmt.Fprintf(stdout, "%s (warning)\n", w)
			}
		}
	}
	return code
}
