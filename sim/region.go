package sim

import (
	"errors"
	"fmt"
	"strings"
)

// RegionID is a dense region (province) number; NoRegion means the location
// is not known or maps to no configured region.
type RegionID uint8

// NoRegion is the RegionID of an unknown location.
const NoRegion RegionID = 0xFF

// Range is an inclusive range of tracking-area codes or eNodeB ids.
type Range struct {
	Lo uint32 `toml:"lo" json:"lo"`
	Hi uint32 `toml:"hi" json:"hi"`
}

// Region is a province: a set of tracking areas and of cells. A cell is
// matched by its eNodeB id (the upper 20 bits of the 28-bit E-UTRAN cell id,
// TS 36.413 §9.2.1.38), so that a lookup is one array read.
type Region struct {
	// Name is the province's name, e.g. "Xinjiang".
	Name string `toml:"name" json:"name"`
	// TACs are the tracking-area codes (16 bits) in the region.
	TACs []Range `toml:"tacs" json:"tacs"`
	// ENBs are the eNodeB ids (20 bits) whose cells are in the region.
	ENBs []Range `toml:"enbs" json:"enbs"`
}

// Location is where a device is, as the network reports it (User Location
// Information: TAI and/or ECGI).
type Location struct {
	// PLMN is the MCC and MNC as digits, e.g. 46001 (0 when not given).
	PLMN uint32
	// TAC is the tracking-area code, valid when HasTAI.
	TAC uint16
	// ECI is the 28-bit E-UTRAN cell id, valid when HasECGI.
	ECI uint32
	// HasTAI and HasECGI say which parts were reported.
	HasTAI, HasECGI bool
}

// TAILocation returns a location known by its tracking area only.
func TAILocation(tac uint16) Location { return Location{TAC: tac, HasTAI: true} }

// CellLocation returns a location known by tracking area and cell.
func CellLocation(tac uint16, eci uint32) Location {
	return Location{TAC: tac, ECI: eci, HasTAI: true, HasECGI: true}
}

// DefaultBarred names the provinces where the source documents say IoT cards
// may not be used.
var DefaultBarred = []string{"Xinjiang", "Fujian", "Guangxi", "Tibet"}

// provinces are the 31 provincial divisions of mainland China.
var provinces = []string{
	"Beijing", "Tianjin", "Hebei", "Shanxi", "Inner Mongolia", "Liaoning", "Jilin",
	"Heilongjiang", "Shanghai", "Jiangsu", "Zhejiang", "Anhui", "Fujian", "Jiangxi",
	"Shandong", "Henan", "Hubei", "Hunan", "Guangdong", "Guangxi", "Hainan", "Chongqing",
	"Sichuan", "Guizhou", "Yunnan", "Tibet", "Shaanxi", "Gansu", "Qinghai", "Ningxia",
	"Xinjiang",
}

// DefaultRegions returns the 31 provinces of mainland China with a synthetic
// radio plan: province i owns TACs 0x1000+256*i .. +255 and eNodeB ids
// 4096*(i+1) .. +4095.
func DefaultRegions() []Region {
	out := make([]Region, len(provinces))
	for i, n := range provinces {
		tac := uint32(0x1000 + 256*i)
		enb := uint32(4096 * (i + 1))
		out[i] = Region{Name: n, TACs: []Range{{tac, tac + 255}}, ENBs: []Range{{enb, enb + 4095}}}
	}
	return out
}

// regionSet is a bit set over RegionIDs.
type regionSet [4]uint64

func (s *regionSet) add(r RegionID)      { s[r>>6] |= 1 << (r & 63) }
func (s *regionSet) has(r RegionID) bool { return s[r>>6]&(1<<(r&63)) != 0 }

// regionTable maps locations to regions in O(1): one byte per TAC and one per
// eNodeB id (64 KiB + 1 MiB), built once and read-only afterwards.
type regionTable struct {
	regions []Region
	byName  map[string]RegionID
	tac     [1 << 16]RegionID
	enb     []RegionID // 1<<20 entries
	barred  regionSet
}

func newRegionTable(regions []Region, barred []string) (*regionTable, []error) {
	t := &regionTable{regions: regions, byName: map[string]RegionID{}, enb: make([]RegionID, 1<<20)}
	for i := range t.tac {
		t.tac[i] = NoRegion
	}
	for i := range t.enb {
		t.enb[i] = NoRegion
	}
	var errs []error
	if len(regions) >= int(NoRegion) {
		return nil, []error{fmt.Errorf("regions: want at most %d regions, got %d", NoRegion-1, len(regions))}
	}
	for i, r := range regions {
		id := RegionID(i)
		where := fmt.Sprintf("regions[%d]", i)
		if r.Name == "" {
			errs = append(errs, fmt.Errorf("%s.name: want a province name, got none", where))
		} else if _, dup := t.byName[strings.ToLower(r.Name)]; dup {
			errs = append(errs, fmt.Errorf("%s.name: want a unique name, got %q twice", where, r.Name))
		}
		t.byName[strings.ToLower(r.Name)] = id
		for j, rg := range r.TACs {
			if rg.Lo > rg.Hi || rg.Hi > 0xFFFF {
				errs = append(errs, fmt.Errorf("%s.tacs[%d]: want 0 <= lo <= hi <= 65535, got %d..%d", where, j, rg.Lo, rg.Hi))
				continue
			}
			for v := rg.Lo; v <= rg.Hi; v++ {
				if prev := t.tac[v]; prev != NoRegion && prev != id {
					errs = append(errs, fmt.Errorf("%s.tacs[%d]: TAC %d already belongs to %s", where, j, v, regions[prev].Name))
					break
				}
				t.tac[v] = id
			}
		}
		for j, rg := range r.ENBs {
			if rg.Lo > rg.Hi || rg.Hi >= 1<<20 {
				errs = append(errs, fmt.Errorf("%s.enbs[%d]: want 0 <= lo <= hi < 1048576, got %d..%d", where, j, rg.Lo, rg.Hi))
				continue
			}
			for v := rg.Lo; v <= rg.Hi; v++ {
				if prev := t.enb[v]; prev != NoRegion && prev != id {
					errs = append(errs, fmt.Errorf("%s.enbs[%d]: eNodeB %d already belongs to %s", where, j, v, regions[prev].Name))
					break
				}
				t.enb[v] = id
			}
		}
	}
	for _, b := range barred {
		id, ok := t.byName[strings.ToLower(b)]
		if !ok {
			errs = append(errs, fmt.Errorf("barred: want the name of a configured region, got %q", b))
			continue
		}
		t.barred.add(id)
	}
	return t, errs
}

// of returns the region of a location: by cell when the cell's eNodeB is
// mapped, else by tracking area.
func (t *regionTable) of(l *Location) RegionID {
	if l.HasECGI {
		if r := t.enb[(l.ECI>>8)&(1<<20-1)]; r != NoRegion {
			return r
		}
	}
	if l.HasTAI {
		return t.tac[l.TAC]
	}
	return NoRegion
}

// lookup finds a region by name, case-insensitively.
func (t *regionTable) lookup(name string) (RegionID, error) {
	id, ok := t.byName[strings.ToLower(name)]
	if !ok {
		return NoRegion, errors.New("want a configured region name, got " + fmt.Sprintf("%q", name))
	}
	return id, nil
}

// anchor returns a location inside region r: its first TAC and the first
// cell of its first eNodeB. Load generators use it to place devices.
func (t *regionTable) anchor(r RegionID, n uint32) Location {
	if int(r) >= len(t.regions) {
		return Location{}
	}
	reg := &t.regions[r]
	var l Location
	if len(reg.TACs) > 0 {
		rg := reg.TACs[0]
		l.TAC = uint16(rg.Lo + n%(rg.Hi-rg.Lo+1))
		l.HasTAI = true
	}
	if len(reg.ENBs) > 0 {
		rg := reg.ENBs[0]
		l.ECI = (rg.Lo+n%(rg.Hi-rg.Lo+1))<<8 | n%3
		l.HasECGI = true
	}
	return l
}
