//go:build !linux

package main

import "runtime"

// kernel names the OS; syscall.Uname exists on Linux only.
func kernel() string { return runtime.GOOS }
