package main

import (
	"runtime"
	"strings"
	"syscall"
)

// kernel names the OS and kernel release the benchmark ran on.
func kernel() string {
	var u syscall.Utsname
	if err := syscall.Uname(&u); err != nil {
		return runtime.GOOS
	}
	var b strings.Builder
	for _, c := range u.Release {
		if c == 0 {
			break
		}
		b.WriteByte(byte(c))
	}
	return runtime.GOOS + " " + b.String()
}
