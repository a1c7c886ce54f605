package wire

// DefaultMaxMessageLen is the largest message [Frame] accepts when given a
// limit of 0. A CCR with eight MSCC blocks is well under 2 KiB.
const DefaultMaxMessageLen = 64 << 10

// Frame reports whether b starts with a complete Diameter message and how
// long it is (RFC 6733 §3). It reads only the first four bytes and never
// allocates. maxLen caps the Message Length; 0 or less means
// [DefaultMaxMessageLen].
//
// The results are:
//
//	n, nil                      b[:n] is a whole message
//	n, ErrIncomplete            read more: n is the message length, or 0
//	                            if fewer than 4 bytes are buffered
//	0, ErrUnsupportedVersion    the first byte is not 1
//	n, ErrInvalidMessageLength  n < 20 or not a multiple of 4: the stream
//	                            is desynchronised, close the connection
//	n, ErrMessageTooLong        n > maxLen; skipping n bytes keeps the
//	                            stream in step
//
// A version other than 1 is reported as soon as one byte is buffered: on a
// stream transport it means the peer is not speaking Diameter or the stream
// is out of step.
func Frame(b []byte, maxLen int) (int, error) {
	if maxLen <= 0 {
		maxLen = DefaultMaxMessageLen
	}
	if len(b) == 0 {
		return 0, ErrIncomplete
	}
	if b[0] != Version {
		return 0, ErrUnsupportedVersion
	}
	if len(b) < 4 {
		return 0, ErrIncomplete
	}
	n := int(uint24(b[1:4]))
	switch {
	case n < HeaderLen || n&3 != 0:
		return n, ErrInvalidMessageLength
	case n > maxLen:
		return n, ErrMessageTooLong
	case n > len(b):
		return n, ErrIncomplete
	}
	return n, nil
}

// checkMessage validates the header of msg, which must hold exactly one
// message, against the command code and application id the caller decodes
// and whether it must be a request. It returns the header even when it
// returns an error, if the 20 bytes were there.
func checkMessage(msg []byte, code, appID uint32, request bool) (Header, *Error) {
	if len(msg) < HeaderLen {
		return Header{}, ErrInvalidMessageLength
	}
	h := decodeHeader(msg)
	if h.Version != Version {
		return h, ErrUnsupportedVersion
	}
	if int(h.Length) != len(msg) || h.Length&3 != 0 {
		return h, ErrInvalidMessageLength
	}
	if h.Code != code {
		return h, headerError(CommandUnsupported, "command code "+utoa(h.Code)+", want "+utoa(code))
	}
	if h.AppID != appID {
		return h, headerError(ApplicationUnsupported, "application id "+utoa(h.AppID)+", want "+utoa(appID))
	}
	if request {
		if !h.IsRequest() {
			return h, headerError(InvalidHdrBits, "R bit clear, want a request")
		}
		if h.IsError() {
			// RFC 6733 §3: the E bit MUST NOT be set in requests.
			return h, headerError(InvalidHdrBits, "E bit set in a request")
		}
	} else if h.IsRequest() {
		return h, headerError(InvalidHdrBits, "R bit set, want an answer")
	}
	return h, nil
}
