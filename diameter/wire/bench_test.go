package wire

import (
	"bytes"
	"testing"

	"github.com/fiorix/go-diameter/v4/diam"
	"github.com/fiorix/go-diameter/v4/diam/dict"
)

// The payloads are benchCCR (a CCR-UPDATE with two MSCCs reporting usage,
// IMSI and MSISDN, IMEISV and ULI nested in PS-Information, ~620 bytes) and
// benchCCA (its answer granting 1 MiB per rating group).

func mustAppend(tb testing.TB, f func([]byte) ([]byte, error)) []byte {
	b, err := f(nil)
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

// answer is the work a server does per CCR besides rating: decode, start
// the answer, one MSCC per requested one, encode.
func answer(r *CCR, a *CCA, msg, out []byte) ([]byte, error) {
	if err := r.Decode(msg); err != nil {
		return out, err
	}
	a.ReplyTo(r)
	a.OriginHost = benchOriginHost
	a.OriginRealm = benchOriginRealm
	for i := range r.NumMSCC {
		q := &r.MSCC[i]
		m := a.AddMSCC()
		m.HasRatingGroup, m.RatingGroup = q.HasRatingGroup, q.RatingGroup
		m.HasServiceID, m.ServiceID = q.HasServiceID, q.ServiceID
		m.HasGSU, m.GSU = true, Octets(1<<20)
		m.HasValidityTime, m.ValidityTime = true, 3600
		m.ResultCode = Success
	}
	return a.Append(out)
}

var (
	benchOriginHost  = []byte("ocs01.carriersim.test")
	benchOriginRealm = []byte("carriersim.test")
)

func TestZeroAllocs(t *testing.T) {
	ccr := mustAppend(t, benchCCR().Append)
	cca := mustAppend(t, benchCCA(benchCCR()).Append)
	var r CCR
	var a CCA
	buf := make([]byte, 0, 4096)
	tests := []struct {
		name string
		f    func()
	}{
		{"CCR.Decode", func() {
			if err := r.Decode(ccr); err != nil {
				t.Fatal(err)
			}
		}},
		{"CCA.Append", func() {
			src := benchCCA(benchCCR())
			a = *src
			var err error
			if buf, err = a.Append(buf[:0]); err != nil {
				t.Fatal(err)
			}
		}},
		{"CCR.Append", func() {
			src := benchCCR()
			r = *src
			var err error
			if buf, err = r.Append(buf[:0]); err != nil {
				t.Fatal(err)
			}
		}},
		{"CCA.Decode", func() {
			if err := a.Decode(cca); err != nil {
				t.Fatal(err)
			}
		}},
		{"decode CCR, answer, encode CCA", func() {
			var err error
			if buf, err = answer(&r, &a, ccr, buf[:0]); err != nil {
				t.Fatal(err)
			}
		}},
		{"Frame", func() {
			if _, err := Frame(ccr, 0); err != nil {
				t.Fatal(err)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// The Append cases build their input outside the measured
			// call: only measure the encoder.
			var f func()
			switch tt.name {
			case "CCA.Append":
				src := benchCCA(benchCCR())
				f = func() {
					var err error
					if buf, err = src.Append(buf[:0]); err != nil {
						t.Fatal(err)
					}
				}
			case "CCR.Append":
				src := benchCCR()
				f = func() {
					var err error
					if buf, err = src.Append(buf[:0]); err != nil {
						t.Fatal(err)
					}
				}
			default:
				f = tt.f
			}
			if n := testing.AllocsPerRun(200, f); n != 0 {
				t.Errorf("%s: %v allocations per run, want 0", tt.name, n)
			}
		})
	}
}

func BenchmarkDecodeCCR(b *testing.B) {
	msg := mustAppend(b, benchCCR().Append)
	var r CCR
	b.ReportAllocs()
	b.SetBytes(int64(len(msg)))
	for b.Loop() {
		if err := r.Decode(msg); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkAppendCCA(b *testing.B) {
	a := benchCCA(benchCCR())
	buf := make([]byte, 0, 4096)
	b.ReportAllocs()
	for b.Loop() {
		var err error
		if buf, err = a.Append(buf[:0]); err != nil {
			b.Fatal(err)
		}
	}
	b.SetBytes(int64(len(buf)))
}

func BenchmarkAppendCCR(b *testing.B) {
	r := benchCCR()
	buf := make([]byte, 0, 4096)
	b.ReportAllocs()
	for b.Loop() {
		var err error
		if buf, err = r.Append(buf[:0]); err != nil {
			b.Fatal(err)
		}
	}
	b.SetBytes(int64(len(buf)))
}

func BenchmarkDecodeCCA(b *testing.B) {
	msg := mustAppend(b, benchCCA(benchCCR()).Append)
	var a CCA
	b.ReportAllocs()
	b.SetBytes(int64(len(msg)))
	for b.Loop() {
		if err := a.Decode(msg); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkAnswerCCR is the in-process server path without rating: decode
// a CCR-UPDATE with 2 MSCCs, build the answer, encode the CCA.
func BenchmarkAnswerCCR(b *testing.B) {
	msg := mustAppend(b, benchCCR().Append)
	var r CCR
	var a CCA
	buf := make([]byte, 0, 4096)
	b.ReportAllocs()
	for b.Loop() {
		var err error
		if buf, err = answer(&r, &a, msg, buf[:0]); err != nil {
			b.Fatal(err)
		}
	}
}

// The same operations with go-diameter v4.1.0, for comparison.

func BenchmarkGoDiameterDecodeCCR(b *testing.B) {
	msg := mustAppend(b, benchCCR().Append)
	rd := bytes.NewReader(msg)
	b.ReportAllocs()
	b.SetBytes(int64(len(msg)))
	for b.Loop() {
		rd.Reset(msg)
		if _, err := diam.ReadMessage(rd, dict.Default); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkGoDiameterAppendCCA(b *testing.B) {
	a := benchCCA(benchCCR())
	var buf bytes.Buffer
	b.ReportAllocs()
	for b.Loop() {
		buf.Reset()
		if _, err := gdCCA(a).WriteTo(&buf); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkGoDiameterAppendCCR(b *testing.B) {
	r := benchCCR()
	var buf bytes.Buffer
	b.ReportAllocs()
	for b.Loop() {
		buf.Reset()
		if _, err := gdCCR(r).WriteTo(&buf); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkGoDiameterDecodeCCA(b *testing.B) {
	msg := mustAppend(b, benchCCA(benchCCR()).Append)
	rd := bytes.NewReader(msg)
	b.ReportAllocs()
	b.SetBytes(int64(len(msg)))
	for b.Loop() {
		rd.Reset(msg)
		if _, err := diam.ReadMessage(rd, dict.Default); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkGoDiameterAnswerCCR is BenchmarkAnswerCCR done the go-diameter
// way: ReadMessage, find the AVPs, build and serialise the answer.
func BenchmarkGoDiameterAnswerCCR(b *testing.B) {
	msg := mustAppend(b, benchCCR().Append)
	rd := bytes.NewReader(msg)
	var buf bytes.Buffer
	b.ReportAllocs()
	for b.Loop() {
		rd.Reset(msg)
		m, err := diam.ReadMessage(rd, dict.Default)
		if err != nil {
			b.Fatal(err)
		}
		r := fromGDCCR(m)
		var a CCA
		a.ReplyTo(r)
		a.OriginHost, a.OriginRealm = benchOriginHost, benchOriginRealm
		for i := range r.NumMSCC {
			q := a.AddMSCC()
			q.HasRatingGroup, q.RatingGroup = true, r.MSCC[i].RatingGroup
			q.HasServiceID, q.ServiceID = r.MSCC[i].HasServiceID, r.MSCC[i].ServiceID
			q.HasGSU, q.GSU = true, Octets(1<<20)
			q.HasValidityTime, q.ValidityTime = true, 3600
			q.ResultCode = Success
		}
		buf.Reset()
		if _, err := gdCCA(&a).WriteTo(&buf); err != nil {
			b.Fatal(err)
		}
	}
}
