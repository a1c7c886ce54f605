package wire

// checker validates a message value before it is encoded and keeps the first
// problem. Encoders never drop a value: a field whose zero value means
// "absent" must be either entirely zero or valid, and a field governed by a
// Has flag must be zero when the flag is clear, so that forgetting N, Flags,
// an address or a Has flag is an error rather than a missing IE.
//
// It allocates only when it records an error.
type checker struct {
	msg    MsgType
	bearer int // index of the bearer context being checked, or -1
	err    error
}

func newChecker(t MsgType) checker { return checker{msg: t, bearer: -1} }

func (c *checker) fail(field, reason string) {
	if c.err != nil {
		return
	}
	if c.bearer >= 0 {
		field = bearerField(c.bearer, field)
	}
	c.err = &EncodeError{Msg: c.msg, Field: field, Reason: reason}
}

func (c *checker) digits(field string, d Digits) {
	switch {
	case d.N == 0 && d.Value != 0:
		c.fail(field, "Value set but N is 0")
	case d.N != 0 && !d.Valid():
		c.fail(field, "N must be 1 to 19 and Value must fit in N digits")
	}
}

func (c *checker) plmn(field string, p PLMN) {
	if p != (PLMN{}) && !p.Valid() {
		c.fail(field, "invalid PLMN: MCC up to 999, MNCLen 2 or 3, MNC fitting in MNCLen digits")
	}
}

func (c *checker) uli(field string, u *ULI) {
	if u.Flags == 0 {
		if *u != (ULI{}) {
			c.fail(field, "location set but Flags is 0")
		}
		return
	}
	if r := u.check(); r != "" {
		c.fail(field, r)
	}
}

func (c *checker) fteid(field string, f *FTEID, mandatory bool) {
	if !mandatory && f.TEID == 0 && f.Interface == 0 && f.IsZero() {
		return
	}
	if r := f.check(); r != "" {
		c.fail(field, r)
	}
}

func (c *checker) paa(field string, p *PAA) {
	if *p == (PAA{}) {
		return
	}
	if r := p.check(); r != "" {
		c.fail(field, r)
	}
}

func (c *checker) cause(field string, x *CauseIE, mandatory bool) {
	if !mandatory && *x == (CauseIE{}) {
		return
	}
	if r := x.check(); r != "" {
		c.fail(field, r)
	}
}

func (c *checker) indication(field string, i *Indication) {
	if r := i.check(); r != "" {
		c.fail(field, r)
	}
}

func (c *checker) qos(field string, q *BearerQoS) {
	if r := q.check(); r != "" {
		c.fail(field, r)
	}
}

// has reports a value set while its Has flag is clear.
func (c *checker) has(field string, has, set bool) {
	if !has && set {
		c.fail(field, "value set but its Has flag is false")
	}
}

// ebi checks an EPS bearer ID: 1 to 15, or 0 for an absent optional one.
func (c *checker) ebi(field string, e uint8, mandatory bool) {
	if e > 15 || mandatory && e == 0 {
		c.fail(field, "EPS bearer ID must be 1 to 15")
	}
}

func (c *checker) pco(field string, p []byte) {
	if len(p) > 0xffff {
		c.fail(field, "longer than 65535 octets")
	}
}

// count checks a bearer count; past reports a bearer context with an EBI
// beyond it, the usual sign of a forgotten NumBearers (every bearer context
// has a mandatory EBI, so looking at it is enough and cheap). Callers loop
// over the array themselves: a closure here would cost a call per entry.
func (c *checker) count(n uint8) {
	if n > MaxBearers {
		c.fail("NumBearers", "exceeds MaxBearers")
	}
}

func (c *checker) past(i int) { c.fail(bearerField(i, ""), "set past NumBearers") }
