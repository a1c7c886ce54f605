// Package wire encodes and decodes the GTPv2-C messages (3GPP TS 29.274) and
// GTP-U packets (3GPP TS 29.281) that a PGW and an SGW exchange for an IoT
// card's sessions, without allocating on the hot path.
//
// # Decoding
//
// Each message is a struct with fixed-size fields and fixed arrays (bearer
// contexts, APN, indication flags), owned by the caller and reused:
//
//	var req wire.CreateSessionRequest // one per worker
//	for {
//		n, peer, _ := conn.ReadFromUDPAddrPort(buf)
//		pkt := buf[:n]
//		t, err := wire.PeekType(pkt)
//		...
//		switch t {
//		case wire.MsgCreateSessionRequest:
//			if err := req.Decode(pkt); err != nil {
//				if c, ok := wire.RejectCause(err); ok {
//					// Mandatory IE missing, Invalid length, ...
//					out, _ = wire.AppendRejection(out[:0], t,
//						req.SenderFTEID.TEID, req.Header.Seq, c)
//					conn.WriteToUDPAddrPort(out, peer)
//				}
//				continue // otherwise drop, TS 29.274 §7.7
//			}
//			imsi := req.IMSI.Value // wire.Digits: uint64 and digit count
//			cell := req.ULI.ECGI   // where the device is
//			...
//		}
//	}
//
// Decoders copy what they decode into the struct, except opaque byte fields
// (PCO, GTP-U payloads and extension headers), which alias the input buffer
// and must be copied before the buffer is reused. Unknown IEs and IEs with
// an unexpected instance are skipped; a malformed optional IE is dropped;
// a missing or malformed mandatory IE is an *Error carrying the Cause a
// rejection should carry (TS 29.274 §7.7).
//
// # Encoding
//
// Encoders append to a caller-owned slice, as miekg/dns Msg.PackBuffer
// does, and patch the length fields afterwards:
//
//	resp := wire.CreateSessionResponse{
//		Header:      wire.Header{TEID: req.SenderFTEID.TEID, Seq: req.Header.Seq},
//		Cause:       wire.CauseIE{Value: wire.CauseRequestAccepted},
//		SenderFTEID: wire.FTEID{Interface: wire.IfS5S8PGWGTPC, TEID: teid, IPv4: self},
//		PAA:         wire.PAAIPv4(ueAddr),
//	}
//	resp.AddBearer(wire.BearerCreated{EBI: 5, Cause: wire.CauseIE{Value: wire.CauseRequestAccepted}, ...})
//	out, err := resp.Append(out[:0])
//
// Mandatory IEs are always written; an optional IE is written when its
// field is not the zero value, or, for fields where zero is meaningful
// (Recovery, Selection Mode, APN-AMBR, ...), when the matching Has field is
// set. A value that cannot be encoded (an EBI above 15, a bit rate above 40
// bits) or is only half set (an F-TEID with a TEID but no address, a
// Recovery with HasRecovery clear, a bearer context past NumBearers) makes
// Append return an *EncodeError and the slice unchanged: nothing is dropped
// silently.
//
// # Other pieces
//
// ParseHeader, IEReader, AppendIE, BeginIE/EndIE and BeginMessage/EndMessage
// handle messages this package has no struct for. Digits (TBCD: IMSI,
// MSISDN, IMEI), PLMN and APN convert identities without allocating. NextSeq
// and SeqCounter produce 24-bit sequence numbers. ParseGTPU, AppendGPDU and
// GTPUErrorIndication cover the user plane.
//
// Values of this package are not safe for concurrent use; give each worker
// its own. Package-level functions are safe for concurrent use.
package wire
