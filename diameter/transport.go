package diameter

import (
	"fmt"
	"net"
	"time"

	"github.com/ishidawataru/sctp"
)

// Transports. Diameter runs over TCP or SCTP (RFC 6733 §2.1); SCTP is used
// where the kernel offers it, one stream per association (no multi-homing
// or stream multiplexing).
const (
	// NetworkTCP is Diameter over TCP, the default.
	NetworkTCP = "tcp"
	// NetworkSCTP is Diameter over SCTP.
	NetworkSCTP = "sctp"
)

// listen opens a listener on network ("" is TCP).
func listen(network, addr string) (net.Listener, error) {
	switch network {
	case "", NetworkTCP:
		return net.Listen("tcp", addr)
	case NetworkSCTP:
		la, err := sctp.ResolveSCTPAddr("sctp", addr)
		if err != nil {
			return nil, err
		}
		return sctp.ListenSCTP("sctp", la)
	}
	return nil, fmt.Errorf("want network tcp or sctp, got %q", network)
}

// dial connects on network ("" is TCP).
func dial(network, addr string, timeout time.Duration) (net.Conn, error) {
	switch network {
	case "", NetworkTCP:
		nc, err := net.DialTimeout("tcp", addr, timeout)
		if err == nil {
			_ = nc.(*net.TCPConn).SetNoDelay(true)
		}
		return nc, err
	case NetworkSCTP:
		ra, err := sctp.ResolveSCTPAddr("sctp", addr)
		if err != nil {
			return nil, err
		}
		return sctp.DialSCTP("sctp", nil, ra)
	}
	return nil, fmt.Errorf("want network tcp or sctp, got %q", network)
}
