package wire

// BearerQoS is the Bearer Level Quality of Service IE (TS 29.274 §8.15).
// Bit rates are in kbit/s, 40 bits each.
//
//	octet 5      spare | PCI | PL (4 bits) | spare | PVI
//	octet 6      QCI
//	octets 7-11  MBR uplink
//	octets 12-16 MBR downlink
//	octets 17-21 GBR uplink
//	octets 22-26 GBR downlink
//
// PCI, PL and PVI are the allocation and retention priority with the
// meaning of TS 29.212 §5.3.45–47: PCI set means the bearer may not
// pre-empt others (Pre-emption-Capability DISABLED), PVI set means it may
// not be pre-empted (Pre-emption-Vulnerability DISABLED), and PL 1 is the
// highest priority.
type BearerQoS struct {
	PCI           bool
	PriorityLevel uint8 // 0–15
	PVI           bool
	QCI           uint8
	MBRUplink     uint64
	MBRDownlink   uint64
	GBRUplink     uint64
	GBRDownlink   uint64
}

const max40 = 1<<40 - 1

func (q *BearerQoS) decode(v []byte) bool {
	if len(v) < 22 {
		return false
	}
	q.PCI = v[0]&0x40 != 0
	q.PriorityLevel = v[0] >> 2 & 0x0f
	q.PVI = v[0]&0x01 != 0
	q.QCI = v[1]
	q.MBRUplink = be40(v[2:])
	q.MBRDownlink = be40(v[7:])
	q.GBRUplink = be40(v[12:])
	q.GBRDownlink = be40(v[17:])
	return true
}

// check returns the reason q cannot be encoded, or "".
func (q *BearerQoS) check() string {
	switch {
	case q.PriorityLevel > 15:
		return "priority level exceeds 4 bits"
	case q.MBRUplink > max40, q.MBRDownlink > max40, q.GBRUplink > max40, q.GBRDownlink > max40:
		return "bit rate exceeds 40 bits"
	}
	return ""
}

func (q *BearerQoS) appendIE(b []byte, inst uint8) []byte {
	arp := q.PriorityLevel << 2
	if q.PCI {
		arp |= 0x40
	}
	if q.PVI {
		arp |= 0x01
	}
	b = append(b, byte(IEBearerQoS), 0, 22, inst, arp, q.QCI)
	for _, r := range [4]uint64{q.MBRUplink, q.MBRDownlink, q.GBRUplink, q.GBRDownlink} {
		b = append(b, byte(r>>32), byte(r>>24), byte(r>>16), byte(r>>8), byte(r))
	}
	return b
}

// AMBR is the Aggregate Maximum Bit Rate IE (TS 29.274 §8.7), the APN-AMBR
// of a PDN connection, in kbit/s:
//
//	octets 5-8   APN-AMBR for uplink
//	octets 9-12  APN-AMBR for downlink
type AMBR struct {
	Uplink   uint32
	Downlink uint32
}

func (a *AMBR) decode(v []byte) bool {
	if len(v) < 8 {
		return false
	}
	a.Uplink, a.Downlink = be32(v), be32(v[4:])
	return true
}

func (a *AMBR) appendIE(b []byte, inst uint8) []byte {
	u, d := a.Uplink, a.Downlink
	return append(b, byte(IEAMBR), 0, 8, inst,
		byte(u>>24), byte(u>>16), byte(u>>8), byte(u),
		byte(d>>24), byte(d>>16), byte(d>>8), byte(d))
}
