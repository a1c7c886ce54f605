// Package wire is a hand-written, allocation-free codec for the Diameter
// messages of online charging (Gy): the header and AVP framing of RFC 6733
// §3-§4, Credit-Control-Request and -Answer of RFC 4006 §3 with the 3GPP
// additions of TS 32.299 §7 (Multiple-Services-Credit-Control, Reporting-
// Reason, Volume-Quota-Threshold, 3GPP-User-Location-Info of TS 29.061
// §16.4.7), the server-initiated RAR/RAA and ASR/ASA, and the base
// protocol's CER/CEA, DWR/DWA and DPR/DPA.
//
// It exists because a general Diameter stack decodes every AVP through a
// dictionary and reflection: go-diameter v4.1.0 spends about 12 µs and 190
// allocations per CCR. Here decoding a CCR-UPDATE with two MSCC blocks,
// building the answer and encoding the CCA takes well under a microsecond
// and allocates nothing (see the benchmarks beside the code).
//
// # Model
//
// Each message is a plain struct with fixed-size arrays for repeated AVPs
// (at most [MaxMSCC] MSCC blocks, [MaxSubscriptionIDs] Subscription-Ids,
// ...). Decode methods fill a caller-owned struct from one whole message;
// Append methods add the encoding to a caller-owned buffer, in the manner
// of miekg/dns PackBuffer. Reuse both and nothing is allocated:
//
//	var req wire.CCR
//	var ans wire.CCA
//	out := make([]byte, 0, 64<<10)
//
// Decoded []byte fields alias the message buffer: they stay valid only as
// long as the buffer does, so copy what must outlive it (a Session-Id kept
// in a session table, say). Message structs are not safe for concurrent
// use; [Frame], [ParseHeader] and the Append* functions are stateless.
//
// Optional fields follow one rule: byte fields are nil when absent,
// numbers and groups have a Has… flag beside them, and result codes use 0
// for absent.
//
// # Reading a stream
//
// [Frame] tells whether a buffer holds a whole message and how long it is,
// checking version, length and a configurable maximum; its errors say
// whether the connection can go on. [ParseHeader] gives the command code to
// dispatch on:
//
//	for {
//		n, err := wire.Frame(buf, 0)
//		if err == wire.ErrIncomplete {
//			break // read more
//		}
//		if err != nil {
//			return err // desynchronised: close the connection
//		}
//		msg := buf[:n]
//		h, _ := wire.ParseHeader(msg)
//		switch {
//		case h.Code == wire.CommandCreditControl && h.AppID == wire.AppCreditControl:
//			out, err = answerCCR(&req, &ans, msg, out)
//		case h.Code == wire.CommandDeviceWatchdog:
//			...
//		default:
//			var e wire.ErrorAnswer // 3001 DIAMETER_COMMAND_UNSUPPORTED
//			e.ReplyTo(msg)
//			...
//		}
//		buf = buf[n:]
//	}
//
// # Answering a CCR
//
//	func answerCCR(req *wire.CCR, ans *wire.CCA, msg, out []byte) ([]byte, error) {
//		err := req.Decode(msg)
//		ans.ReplyTo(req) // identifiers, Session-Id, request type and number, Proxy-Info
//		ans.OriginHost, ans.OriginRealm = originHost, originRealm
//		if err != nil {
//			ans.SetError(err) // Result-Code, Error-Message and Failed-AVP
//			return ans.Append(out)
//		}
//		imsi := req.IMSI()
//		tai, _ := req.UserLocationInfo.TAI()
//		for _, svc := range req.Services() {
//			m := ans.AddMSCC()
//			m.HasRatingGroup, m.RatingGroup = true, svc.RatingGroup
//			m.HasGSU, m.GSU = true, wire.Octets(granted)
//			m.ResultCode = wire.Success
//		}
//		return ans.Append(out)
//	}
//
// # Errors
//
// Every problem a decoder finds with a message is an [*Error] carrying the
// Result-Code to answer with (RFC 6733 §7.1): 5001 for an unknown AVP with
// the M bit, 5004 for a bad value, 5005 for a missing AVP, 5009 for one
// that occurs too often, 5014 for a bad AVP length, 3xxx for header
// problems; and the Failed-AVP content (RFC 6733 §7.5). Errors are built
// only on failure; the success path does not allocate. When a CCR fails
// with a 3xxx code its header is unusable for a CCA (wrong application,
// say): answer with [ErrorAnswer] instead.
//
// Decoders of requests refuse unknown AVPs that carry the M bit, as RFC
// 6733 §4.1 requires; AVPs that the RFCs and TS 32.299 define for the
// message but this package does not hold are skipped. Decoders of answers
// skip every unknown AVP (an answer cannot be refused) and never panic,
// whatever the input; the fuzz targets check both properties.
//
// go-diameter stays the reference: the differential tests check that both
// codecs produce byte-identical messages and read each other's output to
// the same values.
package wire
