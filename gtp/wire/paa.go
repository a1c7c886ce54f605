package wire

import "net/netip"

// PAA is the PDN Address Allocation IE (TS 29.274 §8.14): the address the
// gateway gives the device, or, in a Create Session Request, the address
// the device asks for (0.0.0.0 / :: for "any").
//
//	octet 5  spare (5 bits) | PDN type (3 bits)
//	IPv4     IPv4 address (4)
//	IPv6     prefix length (1) | IPv6 address (16)
//	IPv4v6   prefix length (1) | IPv6 address (16) | IPv4 address (4)
//	Non-IP, Ethernet: nothing more
//
// Type 0 is the zero value and stands for an absent IE.
type PAA struct {
	Type          PDNType
	IPv4          netip.Addr // set for IPv4 and IPv4v6
	IPv6          netip.Addr // set for IPv6 and IPv4v6
	IPv6PrefixLen uint8
}

// PAAIPv4 returns the allocation of one IPv4 address.
func PAAIPv4(a netip.Addr) PAA { return PAA{Type: PDNTypeIPv4, IPv4: a} }

func (p *PAA) decode(v []byte) bool {
	if len(v) < 1 {
		return false
	}
	t := PDNType(v[0] & 0x07)
	v = v[1:]
	switch t {
	case PDNTypeIPv4:
		if len(v) < 4 {
			return false
		}
		p.IPv4 = netip.AddrFrom4([4]byte(v[:4]))
	case PDNTypeIPv6:
		if len(v) < 17 || v[0] > 128 {
			return false
		}
		p.IPv6PrefixLen = v[0]
		p.IPv6 = netip.AddrFrom16([16]byte(v[1:17]))
	case PDNTypeIPv4v6:
		if len(v) < 21 || v[0] > 128 {
			return false
		}
		p.IPv6PrefixLen = v[0]
		p.IPv6 = netip.AddrFrom16([16]byte(v[1:17]))
		p.IPv4 = netip.AddrFrom4([4]byte(v[17:21]))
	case PDNTypeNonIP, PDNTypeEthernet:
	default:
		return false
	}
	p.Type = t
	return true
}

// check returns the reason p cannot be encoded, or "".
func (p *PAA) check() string {
	v4ok := p.IPv4.IsValid() && p.IPv4.Is4()
	v6ok := p.IPv6.IsValid() && p.IPv6.Is6() && p.IPv6.Zone() == "" && p.IPv6PrefixLen <= 128
	switch p.Type {
	case PDNTypeIPv4:
		if !v4ok || p.IPv6.IsValid() || p.IPv6PrefixLen != 0 {
			return "PDN type IPv4 needs exactly an IPv4 address"
		}
	case PDNTypeIPv6:
		if !v6ok || p.IPv4.IsValid() {
			return "PDN type IPv6 needs exactly an IPv6 address and a prefix length up to 128"
		}
	case PDNTypeIPv4v6:
		if !v4ok || !v6ok {
			return "PDN type IPv4v6 needs an IPv4 and an IPv6 address"
		}
	case PDNTypeNonIP, PDNTypeEthernet:
		if p.IPv4.IsValid() || p.IPv6.IsValid() || p.IPv6PrefixLen != 0 {
			return "PDN type Non-IP or Ethernet takes no address"
		}
	default:
		return "unknown PDN type"
	}
	return ""
}

func (p *PAA) appendIE(b []byte, inst uint8) []byte {
	switch p.Type {
	case PDNTypeIPv4:
		a := p.IPv4.As4()
		return append(b, byte(IEPAA), 0, 5, inst, byte(p.Type), a[0], a[1], a[2], a[3])
	case PDNTypeIPv6:
		a := p.IPv6.As16()
		b = append(b, byte(IEPAA), 0, 18, inst, byte(p.Type), p.IPv6PrefixLen)
		return append(b, a[:]...)
	case PDNTypeIPv4v6:
		a6, a4 := p.IPv6.As16(), p.IPv4.As4()
		b = append(b, byte(IEPAA), 0, 22, inst, byte(p.Type), p.IPv6PrefixLen)
		b = append(b, a6[:]...)
		return append(b, a4[:]...)
	}
	return append(b, byte(IEPAA), 0, 1, inst, byte(p.Type))
}
