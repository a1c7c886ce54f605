//go:build !linux

package diameter

import "net"

// wrapRaw returns nc: raw socket calls are used on Linux only (see
// rawconn_linux.go).
func wrapRaw(nc net.Conn) net.Conn { return nc }
