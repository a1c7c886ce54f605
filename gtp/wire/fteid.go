package wire

import "net/netip"

// FTEID is a fully qualified tunnel endpoint identifier (TS 29.274 §8.22):
// where a peer wants to receive GTP-C or GTP-U traffic for a session.
//
//	octet 5     V4 | V6 | interface type (6 bits)
//	octets 6-9  TEID / GRE key
//	then        IPv4 address (4 octets), when V4
//	then        IPv6 address (16 octets), when V6
//
// At least one address must be present, so the zero value (no address)
// stands for an absent IE.
type FTEID struct {
	Interface InterfaceType
	TEID      uint32
	IPv4      netip.Addr // zero Addr when absent; must be an IPv4 address
	IPv6      netip.Addr // zero Addr when absent; must be an IPv6 address
}

// IsZero reports whether f has no address, that is whether it is absent.
func (f *FTEID) IsZero() bool { return !f.IPv4.IsValid() && !f.IPv6.IsValid() }

func (f *FTEID) decode(v []byte) bool {
	if len(v) < 5 {
		return false
	}
	fl := v[0]
	f.Interface = InterfaceType(fl & 0x3f)
	f.TEID = be32(v[1:5])
	v = v[5:]
	if fl&0xc0 == 0 {
		return false
	}
	if fl&0x80 != 0 {
		if len(v) < 4 {
			return false
		}
		f.IPv4 = netip.AddrFrom4([4]byte(v[:4]))
		v = v[4:]
	}
	if fl&0x40 != 0 {
		if len(v) < 16 {
			return false
		}
		f.IPv6 = netip.AddrFrom16([16]byte(v[:16]))
	}
	return true
}

// check returns the reason f cannot be encoded, or "".
func (f *FTEID) check() string {
	switch {
	case f.Interface > maxInterfaceType:
		return "interface type exceeds 6 bits"
	case f.IsZero():
		return "neither IPv4 nor IPv6 address"
	case f.IPv4.IsValid() && !f.IPv4.Is4():
		return "IPv4 field holds a non-IPv4 address"
	case f.IPv6.IsValid() && (!f.IPv6.Is6() || f.IPv6.Zone() != ""):
		return "IPv6 field holds a non-IPv6 address or a zone"
	}
	return ""
}

func (f *FTEID) appendIE(b []byte, inst uint8) []byte {
	n := 5
	fl := byte(f.Interface)
	if f.IPv4.IsValid() {
		n += 4
		fl |= 0x80
	}
	if f.IPv6.IsValid() {
		n += 16
		fl |= 0x40
	}
	b = append(b, byte(IEFTEID), 0, byte(n), inst, fl,
		byte(f.TEID>>24), byte(f.TEID>>16), byte(f.TEID>>8), byte(f.TEID))
	if f.IPv4.IsValid() {
		a := f.IPv4.As4()
		b = append(b, a[:]...)
	}
	if f.IPv6.IsValid() {
		a := f.IPv6.As16()
		b = append(b, a[:]...)
	}
	return b
}
