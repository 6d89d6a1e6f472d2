//go:build js

package lab

import (
	"syscall/js"
	"time"
)

// cpuTime is Node's process CPU time (process.cpuUsage, user + system,
// all of Node's threads: the WebAssembly thread and Node's own helpers).
func cpuTime() (time.Duration, bool) {
	p := js.Global().Get("process")
	if p.IsUndefined() {
		return 0, false
	}
	u := p.Call("cpuUsage")
	return time.Duration(u.Get("user").Float()+u.Get("system").Float()) * time.Microsecond, true
}
