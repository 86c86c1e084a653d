//go:build linux

package e2e

import "syscall"

// dieWithParent has the kernel kill moto when the test binary dies without
// cleaning up (a -timeout panic, a signal). TestMain locks its OS thread,
// because the signal follows the thread that started the process.
func dieWithParent(a *syscall.SysProcAttr) { a.Pdeathsig = syscall.SIGKILL }
