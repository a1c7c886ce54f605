package wire

// responseType returns the response to request type t, or 0.
func responseType(t MsgType) MsgType {
	switch t {
	case MsgCreateSessionRequest, MsgModifyBearerRequest, MsgDeleteSessionRequest,
		MsgCreateBearerRequest, MsgUpdateBearerRequest, MsgDeleteBearerRequest,
		MsgReleaseAccessBearersRequest:
		return t + 1
	}
	return 0
}

// AppendRejection appends the response that refuses a request of type
// request without handling it: the matching response message with only a
// Cause IE, typically the one RejectCause derived from a decode error.
// teid is the peer's control plane TEID, 0 when the request could not be
// read far enough to learn it (TS 29.274 §5.5.2); seq is the request's
// sequence number. It fails for a request type without a response this
// package knows, and for an invalid cause.
func AppendRejection(b []byte, request MsgType, teid, seq uint32, cause CauseIE) ([]byte, error) {
	t := responseType(request)
	if t == 0 {
		return b, &EncodeError{Msg: request, Reason: "no response type known for this request"}
	}
	if r := cause.check(); r != "" {
		return b, &EncodeError{Msg: t, Field: "Cause", Reason: r}
	}
	orig := b
	b, start, err := appendHeader(b, &Header{TEID: teid, Seq: seq}, t)
	if err != nil {
		return orig, err
	}
	b = cause.appendIE(b, 0)
	if b, err = finishMessage(b, start, t); err != nil {
		return orig, err
	}
	return b, nil
}
