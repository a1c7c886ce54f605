package sim

import (
	"testing"
	"time"
)

// TestBriefs: a listing's view of the cards is settled like Card's (a
// cycle rollover clears an over-quota stop) and costs no allocation. Not
// parallel: AllocsPerRun.
func TestBriefs(t *testing.T) {
	c := newCarrier(t, nil)
	if err := c.Stop(3); err != nil {
		t.Fatal(err)
	}
	if err := c.SetUsage(5, uint64(30*MB)); err != nil {
		t.Fatal(err)
	}
	out := make([]CardBrief, 8)
	if n := c.Briefs(0, out); n != 8 {
		t.Fatalf("Briefs filled %d, want 8", n)
	}
	if out[3].Index != 3 || !out[3].Stops.Has(ReasonManualStop) || !out[5].Stops.Has(ReasonOverQuota) || !out[4].Stops.Empty() {
		t.Fatalf("briefs = %+v", out)
	}
	if c.Plans()[out[0].Plan].Name != "iot-30m" || c.RegionName(out[0].Region) != "Guangdong" {
		t.Fatalf("brief 0 = %+v", out[0])
	}
	if n := c.Briefs(uint32(c.Len()-3), out); n != 3 || out[2].Index != uint32(c.Len()-1) {
		t.Fatalf("Briefs at the end filled %d", n)
	}
	if n := c.Briefs(uint32(c.Len()), out); n != 0 {
		t.Fatalf("Briefs past the end filled %d", n)
	}
	c.Clock().Advance(31 * 24 * time.Hour)
	c.Briefs(5, out[:1])
	if !out[0].Stops.Empty() {
		t.Fatalf("card 5 after rollover: %s, want active", out[0].Stops)
	}
	if a := testing.AllocsPerRun(10, func() { c.Briefs(0, out) }); a != 0 {
		t.Fatalf("Briefs allocates %.1f times", a)
	}
}
