package wire

import (
	"encoding/binary"
	"net/netip"
)

// Capabilities is what a Diameter node announces in CER and CEA (RFC 6733
// §5.3). Decoded byte fields alias the input; the slices are reused by the
// next Decode into the same value, so keeping one CER or CEA per
// connection decodes without allocating once they have grown.
type Capabilities struct {
	OriginHost      []byte       // Origin-Host (264), required
	OriginRealm     []byte       // Origin-Realm (296), required
	HostIPAddresses []netip.Addr // Host-IP-Address (257), one or more; IPv4 or IPv6
	VendorID        uint32       // Vendor-Id (266), required; 0 for none
	ProductName     []byte       // Product-Name (269), required

	HasOriginStateID    bool
	HasFirmwareRevision bool
	OriginStateID       uint32 // Origin-State-Id (278), RFC 6733 §8.16
	FirmwareRevision    uint32 // Firmware-Revision (267)

	SupportedVendorIDs           []uint32                      // Supported-Vendor-Id (265)
	AuthApplicationIDs           []uint32                      // Auth-Application-Id (258)
	AcctApplicationIDs           []uint32                      // Acct-Application-Id (259)
	VendorSpecificApplicationIDs []VendorSpecificApplicationID // Vendor-Specific-Application-Id (260)
}

// VendorSpecificApplicationID is a Vendor-Specific-Application-Id AVP
// (RFC 6733 §6.11): a vendor and one authentication or accounting
// application. An application id of 0 means absent.
type VendorSpecificApplicationID struct {
	VendorID          uint32 // Vendor-Id (266)
	AuthApplicationID uint32 // Auth-Application-Id (258)
	AcctApplicationID uint32 // Acct-Application-Id (259)
}

// CER is a Capabilities-Exchange-Request (RFC 6733 §5.3.1), the first
// message on a connection. Append writes code 257, application 0 and the R
// flag; from Header it takes HopByHop, EndToEnd and the T flag.
type CER struct {
	Header Header
	Capabilities
}

// CEA is a Capabilities-Exchange-Answer (RFC 6733 §5.3.2).
type CEA struct {
	Header       Header
	ResultCode   ResultCode // Result-Code (268), required
	ErrorMessage []byte     // Error-Message (281)
	FailedAVP    []byte     // content of Failed-AVP (279)
	Capabilities
}

// DWR is a Device-Watchdog-Request (RFC 6733 §5.5.1).
type DWR struct {
	Header           Header
	OriginHost       []byte // Origin-Host (264), required
	OriginRealm      []byte // Origin-Realm (296), required
	HasOriginStateID bool
	OriginStateID    uint32 // Origin-State-Id (278)
}

// DWA is a Device-Watchdog-Answer (RFC 6733 §5.5.2).
type DWA struct {
	Header           Header
	ResultCode       ResultCode // Result-Code (268), required
	OriginHost       []byte     // Origin-Host (264), required
	OriginRealm      []byte     // Origin-Realm (296), required
	ErrorMessage     []byte     // Error-Message (281)
	FailedAVP        []byte     // content of Failed-AVP (279)
	HasOriginStateID bool
	OriginStateID    uint32 // Origin-State-Id (278)
}

// DPR is a Disconnect-Peer-Request (RFC 6733 §5.4.1).
type DPR struct {
	Header          Header
	OriginHost      []byte          // Origin-Host (264), required
	OriginRealm     []byte          // Origin-Realm (296), required
	DisconnectCause DisconnectCause // Disconnect-Cause (273), required
}

// DPA is a Disconnect-Peer-Answer (RFC 6733 §5.4.2).
type DPA struct {
	Header       Header
	ResultCode   ResultCode // Result-Code (268), required
	OriginHost   []byte     // Origin-Host (264), required
	OriginRealm  []byte     // Origin-Realm (296), required
	ErrorMessage []byte     // Error-Message (281)
	FailedAVP    []byte     // content of Failed-AVP (279)
}

// baseAnswerFlags returns the flags of a base protocol answer: no P
// (RFC 6733 §5.3.2, §5.4.2, §5.5.2), E for 3xxx or when hdr has it.
func baseAnswerFlags(rc ResultCode, hdr Header) CommandFlags {
	return answerFlags(rc, false) | hdr.Flags&FlagError
}

// Append appends c as a CER message to dst. The only error is
// [ErrMessageTooLong].
func (c *CER) Append(dst []byte) ([]byte, error) {
	dst, start := BeginMessage(dst, requestFlags(c.Header.Flags, false), CommandCapabilitiesExchange, AppCommon,
		c.Header.HopByHop, c.Header.EndToEnd)
	dst = c.Capabilities.appendHead(dst)
	dst = c.Capabilities.appendTail(dst)
	return EndMessage(dst, start)
}

// Append appends c as a CEA message to dst. The only error is
// [ErrMessageTooLong].
func (c *CEA) Append(dst []byte) ([]byte, error) {
	dst, start := BeginMessage(dst, baseAnswerFlags(c.ResultCode, c.Header), CommandCapabilitiesExchange, AppCommon,
		c.Header.HopByHop, c.Header.EndToEnd)
	dst = appendU32AVP(dst, AVPResultCode, flagM, 0, uint32(c.ResultCode))
	dst = c.Capabilities.appendHead(dst)
	dst = appendErrorAVPs(dst, c.ErrorMessage, c.FailedAVP)
	dst = c.Capabilities.appendTail(dst)
	return EndMessage(dst, start)
}

// appendHead appends Origin-Host to Origin-State-Id, in the order of RFC
// 6733 §5.3.1.
func (c *Capabilities) appendHead(dst []byte) []byte {
	dst = appendBytesAVP(dst, AVPOriginHost, flagM, 0, c.OriginHost)
	dst = appendBytesAVP(dst, AVPOriginRealm, flagM, 0, c.OriginRealm)
	for _, ip := range c.HostIPAddresses {
		dst = appendAddressAVP(dst, AVPHostIPAddress, ip)
	}
	dst = appendU32AVP(dst, AVPVendorID, flagM, 0, c.VendorID)
	dst = appendBytesAVP(dst, AVPProductName, 0, 0, c.ProductName)
	if c.HasOriginStateID {
		dst = appendU32AVP(dst, AVPOriginStateID, flagM, 0, c.OriginStateID)
	}
	return dst
}

// appendTail appends the application lists and Firmware-Revision.
func (c *Capabilities) appendTail(dst []byte) []byte {
	for _, v := range c.SupportedVendorIDs {
		dst = appendU32AVP(dst, AVPSupportedVendorID, flagM, 0, v)
	}
	for _, v := range c.AuthApplicationIDs {
		dst = appendU32AVP(dst, AVPAuthApplicationID, flagM, 0, v)
	}
	for _, v := range c.AcctApplicationIDs {
		dst = appendU32AVP(dst, AVPAcctApplicationID, flagM, 0, v)
	}
	for _, v := range c.VendorSpecificApplicationIDs {
		var g int
		dst, g = beginGroup(dst, AVPVendorSpecificApplicationID, flagM, 0)
		dst = appendU32AVP(dst, AVPVendorID, flagM, 0, v.VendorID)
		if v.AuthApplicationID != 0 {
			dst = appendU32AVP(dst, AVPAuthApplicationID, flagM, 0, v.AuthApplicationID)
		}
		if v.AcctApplicationID != 0 {
			dst = appendU32AVP(dst, AVPAcctApplicationID, flagM, 0, v.AcctApplicationID)
		}
		dst = endGroup(dst, g)
	}
	if c.HasFirmwareRevision {
		dst = appendU32AVP(dst, AVPFirmwareRevision, 0, 0, c.FirmwareRevision)
	}
	return dst
}

// appendAddressAVP appends an Address AVP (RFC 6733 §4.3.1): a 2-byte IANA
// address family (1 IPv4, 2 IPv6) and the address.
func appendAddressAVP(dst []byte, code uint32, ip netip.Addr) []byte {
	if ip.Is4() {
		a := ip.As4()
		dst = appendAVPHeader(dst, code, flagM, 0, 6)
		return append(dst, 0, 1, a[0], a[1], a[2], a[3], 0, 0)
	}
	a := ip.As16()
	dst = appendAVPHeader(dst, code, flagM, 0, 18)
	dst = append(dst, 0, 2)
	dst = append(dst, a[:]...)
	return append(dst, 0, 0)
}

func appendErrorAVPs(dst []byte, msg, failed []byte) []byte {
	if msg != nil {
		dst = appendBytesAVP(dst, AVPErrorMessage, 0, 0, msg)
	}
	if failed != nil {
		dst = appendBytesAVP(dst, AVPFailedAVP, flagM, 0, failed)
	}
	return dst
}

// reset clears c for decoding, keeping the capacity of its slices.
func (c *Capabilities) reset() {
	*c = Capabilities{
		HostIPAddresses:              c.HostIPAddresses[:0],
		SupportedVendorIDs:           c.SupportedVendorIDs[:0],
		AuthApplicationIDs:           c.AuthApplicationIDs[:0],
		AcctApplicationIDs:           c.AcctApplicationIDs[:0],
		VendorSpecificApplicationIDs: c.VendorSpecificApplicationIDs[:0],
	}
}

const (
	capOriginHost = 1 << iota
	capOriginRealm
	capVendorID
	capProductName
	capOriginStateID
	capFirmwareRevision
	capResultCode
	capErrorMessage
	capFailedAVP
	capDisconnectCause
	capHostIPAddress // not a duplicate check: set when one was seen
)

// decode reads the AVPs of a CER (answer false) or CEA (answer true) into
// c and, for a CEA, into rc, msg and failed. Unknown AVPs with the M bit
// are refused in a CER.
func (c *Capabilities) decode(body []byte, answer bool, rc *ResultCode, emsg, failed *[]byte) (uint32, *Error) {
	var seen uint32
	it := Iter{b: body}
	for it.Next() {
		a := &it.cur
		var bit uint32
		var e *Error
		switch {
		case a.Vendor != 0:
			if !answer && a.Mandatory() {
				e = unsupportedError(a)
			}
		case a.Code == AVPOriginHost:
			bit, c.OriginHost = capOriginHost, a.Data
		case a.Code == AVPOriginRealm:
			bit, c.OriginRealm = capOriginRealm, a.Data
		case a.Code == AVPHostIPAddress:
			var ip netip.Addr
			if ip, e = readAddress(a); e == nil {
				c.HostIPAddresses = append(c.HostIPAddresses, ip)
				seen |= capHostIPAddress
			}
		case a.Code == AVPVendorID:
			bit = capVendorID
			c.VendorID, e = readU32(a)
		case a.Code == AVPProductName:
			bit, c.ProductName = capProductName, a.Data
		case a.Code == AVPOriginStateID:
			bit, c.HasOriginStateID = capOriginStateID, true
			c.OriginStateID, e = readU32(a)
		case a.Code == AVPFirmwareRevision:
			bit, c.HasFirmwareRevision = capFirmwareRevision, true
			c.FirmwareRevision, e = readU32(a)
		case a.Code == AVPSupportedVendorID:
			var v uint32
			if v, e = readU32(a); e == nil {
				c.SupportedVendorIDs = append(c.SupportedVendorIDs, v)
			}
		case a.Code == AVPAuthApplicationID:
			var v uint32
			if v, e = readU32(a); e == nil {
				c.AuthApplicationIDs = append(c.AuthApplicationIDs, v)
			}
		case a.Code == AVPAcctApplicationID:
			var v uint32
			if v, e = readU32(a); e == nil {
				c.AcctApplicationIDs = append(c.AcctApplicationIDs, v)
			}
		case a.Code == AVPVendorSpecificApplicationID:
			var v VendorSpecificApplicationID
			if e = v.decode(a, !answer); e == nil {
				c.VendorSpecificApplicationIDs = append(c.VendorSpecificApplicationIDs, v)
			}
		case a.Code == AVPInbandSecurityID:
		case answer && a.Code == AVPResultCode:
			bit = capResultCode
			var v uint32
			v, e = readU32(a)
			*rc = ResultCode(v)
		case answer && a.Code == AVPErrorMessage:
			bit, *emsg = capErrorMessage, a.Data
		case answer && a.Code == AVPFailedAVP:
			bit, *failed = capFailedAVP, a.Data
		default:
			if !answer && a.Mandatory() {
				e = unsupportedError(a)
			}
		}
		if e == nil && seen&bit != 0 {
			e = duplicateError(a)
		}
		if e != nil {
			return seen, e
		}
		seen |= bit
	}
	if it.err != nil {
		return seen, it.err
	}
	return seen, nil
}

// readAddress reads an Address value (RFC 6733 §4.3.1) of family IPv4 or
// IPv6.
func readAddress(a *AVP) (netip.Addr, *Error) {
	d := a.Data
	if len(d) < 2 {
		return netip.Addr{}, lengthError(a, 6)
	}
	switch binary.BigEndian.Uint16(d) {
	case 1:
		if len(d) != 6 {
			return netip.Addr{}, lengthError(a, 6)
		}
		return netip.AddrFrom4([4]byte(d[2:6])), nil
	case 2:
		if len(d) != 18 {
			return netip.Addr{}, lengthError(a, 18)
		}
		return netip.AddrFrom16([16]byte(d[2:18])), nil
	}
	return netip.Addr{}, valueError(a, "address family "+utoa(uint32(binary.BigEndian.Uint16(d)))+", want 1 (IPv4) or 2 (IPv6)")
}

// decode reads the Vendor-Specific-Application-Id g (RFC 6733 §6.11).
func (v *VendorSpecificApplicationID) decode(g *AVP, strict bool) *Error {
	var hasVendor bool
	it := Iter{b: g.Data}
	for it.Next() {
		a := &it.cur
		var e *Error
		switch {
		case a.Vendor != 0:
			if strict && a.Mandatory() {
				e = unsupportedError(a)
			}
		case a.Code == AVPVendorID:
			if hasVendor {
				e = duplicateError(a)
				break
			}
			hasVendor = true
			v.VendorID, e = readU32(a)
		case a.Code == AVPAuthApplicationID:
			if v.AuthApplicationID != 0 {
				e = duplicateError(a)
				break
			}
			v.AuthApplicationID, e = readU32(a)
		case a.Code == AVPAcctApplicationID:
			if v.AcctApplicationID != 0 {
				e = duplicateError(a)
				break
			}
			v.AcctApplicationID, e = readU32(a)
		default:
			if strict && a.Mandatory() {
				e = unsupportedError(a)
			}
		}
		if e != nil {
			return e.within(g)
		}
	}
	if it.err != nil {
		return it.err.within(g)
	}
	if !hasVendor {
		return missingError(AVPVendorID, 0, 4).within(g)
	}
	return nil
}

// Decode decodes msg, exactly one CER, into c, aliasing msg. It requires
// Origin-Host, Origin-Realm, a Host-IP-Address, Vendor-Id and Product-Name
// and refuses unknown AVPs with the M bit (5001). Every failure is an
// *Error.
func (c *CER) Decode(msg []byte) error {
	c.Capabilities.reset()
	h, e := checkMessage(msg, CommandCapabilitiesExchange, AppCommon, true)
	c.Header = h
	if e != nil {
		return e
	}
	seen, e := c.Capabilities.decode(msg[HeaderLen:], false, nil, nil, nil)
	if e == nil {
		e = capMissing(seen, capOriginHost|capOriginRealm|capHostIPAddress|capVendorID|capProductName)
	}
	if e != nil {
		return e
	}
	return nil
}

// Decode decodes msg, exactly one CEA, into c, aliasing msg. It requires
// Result-Code, Origin-Host and Origin-Realm; unknown AVPs are skipped.
// Every failure is an *Error.
func (c *CEA) Decode(msg []byte) error {
	c.Capabilities.reset()
	c.ResultCode, c.ErrorMessage, c.FailedAVP = 0, nil, nil
	h, e := checkMessage(msg, CommandCapabilitiesExchange, AppCommon, false)
	c.Header = h
	if e != nil {
		return e
	}
	seen, e := c.Capabilities.decode(msg[HeaderLen:], true, &c.ResultCode, &c.ErrorMessage, &c.FailedAVP)
	if e == nil {
		e = capMissing(seen, capResultCode|capOriginHost|capOriginRealm)
	}
	if e != nil {
		return e
	}
	return nil
}

// capMissing reports the first AVP of required not in seen.
func capMissing(seen, required uint32) *Error {
	missing := required &^ seen
	switch {
	case missing == 0:
		return nil
	case missing&capResultCode != 0:
		return missingError(AVPResultCode, 0, 4)
	case missing&capOriginHost != 0:
		return missingError(AVPOriginHost, 0, 0)
	case missing&capOriginRealm != 0:
		return missingError(AVPOriginRealm, 0, 0)
	case missing&capHostIPAddress != 0:
		return missingError(AVPHostIPAddress, 0, 6)
	case missing&capVendorID != 0:
		return missingError(AVPVendorID, 0, 4)
	case missing&capDisconnectCause != 0:
		return missingError(AVPDisconnectCause, 0, 4)
	}
	return missingError(AVPProductName, 0, 0)
}

// Append appends d as a DWR message (code 280, application 0, R set) to
// dst. The only error is [ErrMessageTooLong].
func (d *DWR) Append(dst []byte) ([]byte, error) {
	dst, start := BeginMessage(dst, requestFlags(d.Header.Flags, false), CommandDeviceWatchdog, AppCommon,
		d.Header.HopByHop, d.Header.EndToEnd)
	dst = appendBytesAVP(dst, AVPOriginHost, flagM, 0, d.OriginHost)
	dst = appendBytesAVP(dst, AVPOriginRealm, flagM, 0, d.OriginRealm)
	if d.HasOriginStateID {
		dst = appendU32AVP(dst, AVPOriginStateID, flagM, 0, d.OriginStateID)
	}
	return EndMessage(dst, start)
}

// Append appends d as a DWA message to dst. The only error is
// [ErrMessageTooLong].
func (d *DWA) Append(dst []byte) ([]byte, error) {
	dst, start := BeginMessage(dst, baseAnswerFlags(d.ResultCode, d.Header), CommandDeviceWatchdog, AppCommon,
		d.Header.HopByHop, d.Header.EndToEnd)
	dst = appendU32AVP(dst, AVPResultCode, flagM, 0, uint32(d.ResultCode))
	dst = appendBytesAVP(dst, AVPOriginHost, flagM, 0, d.OriginHost)
	dst = appendBytesAVP(dst, AVPOriginRealm, flagM, 0, d.OriginRealm)
	dst = appendErrorAVPs(dst, d.ErrorMessage, d.FailedAVP)
	if d.HasOriginStateID {
		dst = appendU32AVP(dst, AVPOriginStateID, flagM, 0, d.OriginStateID)
	}
	return EndMessage(dst, start)
}

// Append appends d as a DPR message (code 282, application 0, R set) to
// dst. The only error is [ErrMessageTooLong].
func (d *DPR) Append(dst []byte) ([]byte, error) {
	dst, start := BeginMessage(dst, requestFlags(d.Header.Flags, false), CommandDisconnectPeer, AppCommon,
		d.Header.HopByHop, d.Header.EndToEnd)
	dst = appendBytesAVP(dst, AVPOriginHost, flagM, 0, d.OriginHost)
	dst = appendBytesAVP(dst, AVPOriginRealm, flagM, 0, d.OriginRealm)
	dst = appendU32AVP(dst, AVPDisconnectCause, flagM, 0, uint32(d.DisconnectCause))
	return EndMessage(dst, start)
}

// Append appends d as a DPA message to dst. The only error is
// [ErrMessageTooLong].
func (d *DPA) Append(dst []byte) ([]byte, error) {
	dst, start := BeginMessage(dst, baseAnswerFlags(d.ResultCode, d.Header), CommandDisconnectPeer, AppCommon,
		d.Header.HopByHop, d.Header.EndToEnd)
	dst = appendU32AVP(dst, AVPResultCode, flagM, 0, uint32(d.ResultCode))
	dst = appendBytesAVP(dst, AVPOriginHost, flagM, 0, d.OriginHost)
	dst = appendBytesAVP(dst, AVPOriginRealm, flagM, 0, d.OriginRealm)
	dst = appendErrorAVPs(dst, d.ErrorMessage, d.FailedAVP)
	return EndMessage(dst, start)
}

// Decode decodes msg, exactly one DWR, into d, aliasing msg. Unknown AVPs
// with the M bit are refused (5001). Every failure is an *Error.
func (d *DWR) Decode(msg []byte) error {
	*d = DWR{}
	var e *Error
	d.Header, e = checkMessage(msg, CommandDeviceWatchdog, AppCommon, true)
	if e == nil {
		var c Capabilities
		var seen uint32
		if seen, e = c.decodeSimple(msg, nil); e == nil {
			e = capMissing(seen, capOriginHost|capOriginRealm)
		}
		d.OriginHost, d.OriginRealm = c.OriginHost, c.OriginRealm
		d.HasOriginStateID, d.OriginStateID = c.HasOriginStateID, c.OriginStateID
	}
	if e != nil {
		return e
	}
	return nil
}

// Decode decodes msg, exactly one DWA, into d, aliasing msg. Unknown AVPs
// are skipped. Every failure is an *Error.
func (d *DWA) Decode(msg []byte) error {
	*d = DWA{}
	var e *Error
	d.Header, e = checkMessage(msg, CommandDeviceWatchdog, AppCommon, false)
	if e == nil {
		var a SessionAnswer
		e = decodeAnswerAVPs(msg, &a, nil)
		d.ResultCode, d.OriginHost, d.OriginRealm = a.ResultCode, a.OriginHost, a.OriginRealm
		d.ErrorMessage, d.FailedAVP = a.ErrorMessage, a.FailedAVP
		d.HasOriginStateID, d.OriginStateID = a.HasOriginStateID, a.OriginStateID
	}
	if e != nil {
		return e
	}
	return nil
}

// Decode decodes msg, exactly one DPR, into d, aliasing msg. Unknown AVPs
// with the M bit are refused (5001). Every failure is an *Error.
func (d *DPR) Decode(msg []byte) error {
	*d = DPR{}
	var e *Error
	d.Header, e = checkMessage(msg, CommandDisconnectPeer, AppCommon, true)
	if e == nil {
		var c Capabilities
		var seen uint32
		var cause uint32
		if seen, e = c.decodeSimple(msg, &cause); e == nil {
			e = capMissing(seen, capOriginHost|capOriginRealm|capDisconnectCause)
		}
		d.OriginHost, d.OriginRealm, d.DisconnectCause = c.OriginHost, c.OriginRealm, DisconnectCause(cause)
	}
	if e != nil {
		return e
	}
	return nil
}

// Decode decodes msg, exactly one DPA, into d, aliasing msg. Unknown AVPs
// are skipped. Every failure is an *Error.
func (d *DPA) Decode(msg []byte) error {
	*d = DPA{}
	var e *Error
	d.Header, e = checkMessage(msg, CommandDisconnectPeer, AppCommon, false)
	if e == nil {
		var a SessionAnswer
		e = decodeAnswerAVPs(msg, &a, nil)
		d.ResultCode, d.OriginHost, d.OriginRealm = a.ResultCode, a.OriginHost, a.OriginRealm
		d.ErrorMessage, d.FailedAVP = a.ErrorMessage, a.FailedAVP
	}
	if e != nil {
		return e
	}
	return nil
}

// decodeSimple reads Origin-Host, Origin-Realm and, for a DWR (cause nil),
// Origin-State-Id, or, for a DPR, Disconnect-Cause into cause. Unknown
// AVPs with the M bit are refused.
func (c *Capabilities) decodeSimple(msg []byte, cause *uint32) (uint32, *Error) {
	var seen uint32
	it := Iter{b: msg[HeaderLen:]}
	for it.Next() {
		a := &it.cur
		var bit uint32
		var e *Error
		switch {
		case a.Vendor != 0:
			if a.Mandatory() {
				e = unsupportedError(a)
			}
		case a.Code == AVPOriginHost:
			bit, c.OriginHost = capOriginHost, a.Data
		case a.Code == AVPOriginRealm:
			bit, c.OriginRealm = capOriginRealm, a.Data
		case a.Code == AVPOriginStateID && cause == nil:
			bit, c.HasOriginStateID = capOriginStateID, true
			c.OriginStateID, e = readU32(a)
		case a.Code == AVPDisconnectCause && cause != nil:
			bit = capDisconnectCause
			*cause, e = readU32(a)
		default:
			if a.Mandatory() {
				e = unsupportedError(a)
			}
		}
		if e == nil && seen&bit != 0 {
			e = duplicateError(a)
		}
		if e != nil {
			return seen, e
		}
		seen |= bit
	}
	if it.err != nil {
		return seen, it.err
	}
	return seen, nil
}
