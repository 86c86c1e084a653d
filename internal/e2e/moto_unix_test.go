//go:build unix && !linux

package e2e

import "syscall"

// dieWithParent has no portable equivalent outside Linux; TestMain's cleanup
// stops moto on a normal exit.
func dieWithParent(*syscall.SysProcAttr) {}
