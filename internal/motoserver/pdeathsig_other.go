//go:build unix && !linux

package motoserver

import "syscall"

// dieWithParent has no portable equivalent outside Linux; callers stop moto
// on a normal exit.
func dieWithParent(*syscall.SysProcAttr) {}
