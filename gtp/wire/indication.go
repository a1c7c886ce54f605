package wire

// MaxIndicationLen is the number of Indication octets kept; later octets of
// a longer IE are dropped on decode (TS 29.274 §8.12 grows the IE release
// by release, and receivers ignore what they do not know).
const MaxIndicationLen = 12

// Indication is the Indication IE (TS 29.274 §8.12): a string of one-bit
// flags, octet by octet. Len 0 is the zero value and stands for an absent
// IE.
type Indication struct {
	Octets [MaxIndicationLen]byte
	Len    uint8
}

// IndicationFlag names one bit of the Indication IE: the octet index (0 for
// octet 5) in the high byte and the bit mask in the low byte.
type IndicationFlag uint16

// Indication flags of octets 5 to 8 (TS 29.274 §8.12).
const (
	IndDAF   IndicationFlag = 0<<8 | 0x80 // Dual Address Bearer Flag
	IndDTF   IndicationFlag = 0<<8 | 0x40 // Direct Tunnel Flag
	IndHI    IndicationFlag = 0<<8 | 0x20 // Handover Indication
	IndDFI   IndicationFlag = 0<<8 | 0x10 // Direct Forwarding Indication
	IndOI    IndicationFlag = 0<<8 | 0x08 // Operation Indication
	IndISRSI IndicationFlag = 0<<8 | 0x04 // Idle mode Signalling Reduction Supported Indication
	IndISRAI IndicationFlag = 0<<8 | 0x02 // Idle mode Signalling Reduction Activation Indication
	IndSGWCI IndicationFlag = 0<<8 | 0x01 // SGW Change Indication

	IndSQCI  IndicationFlag = 1<<8 | 0x80 // Subscribed QoS Change Indication
	IndUIMSI IndicationFlag = 1<<8 | 0x40 // Unauthenticated IMSI
	IndCFSI  IndicationFlag = 1<<8 | 0x20 // Change F-TEID support Indication
	IndCRSI  IndicationFlag = 1<<8 | 0x10 // Change Reporting support Indication
	IndPS    IndicationFlag = 1<<8 | 0x08 // Piggybacking Supported
	IndPT    IndicationFlag = 1<<8 | 0x04 // S5/S8 Protocol Type (1 = PMIP)
	IndSI    IndicationFlag = 1<<8 | 0x02 // Scope Indication
	IndMSV   IndicationFlag = 1<<8 | 0x01 // MS Validated

	IndRetLoc IndicationFlag = 2<<8 | 0x80 // Retrieve Location Indication
	IndPBIC   IndicationFlag = 2<<8 | 0x40 // Propagate BBAI Information Change
	IndSRNI   IndicationFlag = 2<<8 | 0x20 // SGW Restoration Needed Indication
	IndS6AF   IndicationFlag = 2<<8 | 0x10 // Static IPv6 Address Flag
	IndS4AF   IndicationFlag = 2<<8 | 0x08 // Static IPv4 Address Flag
	IndMBMDT  IndicationFlag = 2<<8 | 0x04 // Management Based MDT allowed
	IndISRAU  IndicationFlag = 2<<8 | 0x02 // ISR is activated for the UE
	IndCCRSI  IndicationFlag = 2<<8 | 0x01 // CSG Change Reporting Support Indication

	IndCPRAI IndicationFlag = 3<<8 | 0x80 // Change of Presence Reporting Area information Indication
	IndARRL  IndicationFlag = 3<<8 | 0x40 // Abnormal Release of Radio Link
	IndPPOF  IndicationFlag = 3<<8 | 0x20 // PDN Pause Off Indication
	IndPPON  IndicationFlag = 3<<8 | 0x10 // PDN Pause On Indication / PDN Pause Enabled Indication
	IndPPSI  IndicationFlag = 3<<8 | 0x08 // PDN Pause Support Indication
	IndCSFBI IndicationFlag = 3<<8 | 0x04 // CSFB Indication
	IndCLII  IndicationFlag = 3<<8 | 0x02 // Change of Location Information Indication
	IndCPSR  IndicationFlag = 3<<8 | 0x01 // CS to PS SRVCC indication
)

// Has reports whether flag is set.
func (i *Indication) Has(f IndicationFlag) bool {
	o := int(f >> 8)
	return o < int(i.Len) && i.Octets[o]&byte(f) != 0
}

// Set sets flag, lengthening the IE to reach its octet if needed.
func (i *Indication) Set(f IndicationFlag) {
	o := int(f >> 8)
	if o >= MaxIndicationLen {
		return
	}
	if o >= int(i.Len) {
		i.Len = uint8(o + 1)
	}
	i.Octets[o] |= byte(f)
}

func (i *Indication) decode(v []byte) bool {
	if len(v) == 0 {
		return false
	}
	i.Len = uint8(copy(i.Octets[:], v))
	return true
}

func (i *Indication) check() string {
	if i.Len > MaxIndicationLen {
		return "longer than MaxIndicationLen"
	}
	for _, o := range i.Octets[i.Len:] {
		if o != 0 {
			return "flags set beyond Len"
		}
	}
	return ""
}

func (i *Indication) appendIE(b []byte, inst uint8) []byte {
	b = append(b, byte(IEIndication), 0, i.Len, inst)
	return append(b, i.Octets[:i.Len]...)
}
