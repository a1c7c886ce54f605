package wire

import "time"

// ntpEpochOffset is the number of seconds from 1900-01-01 to 1970-01-01.
const ntpEpochOffset = 2208988800

// TimeFromNTP converts a Diameter Time value (RFC 6733 §4.3.1: seconds since
// 1900-01-01 00:00 UTC, the first four bytes of an NTP timestamp) to a
// time.Time in UTC. Values with the top bit clear are taken to be in the
// era that starts on 2036-02-07 06:28:16 UTC, as RFC 4330 §3 recommends,
// so that the 32-bit value keeps working until 2104.
func TimeFromNTP(v uint32) time.Time {
	if v&0x80000000 != 0 {
		return time.Unix(int64(v)-ntpEpochOffset, 0).UTC()
	}
	return time.Unix(int64(v)+(1<<32)-ntpEpochOffset, 0).UTC()
}

// NTPFromTime converts t to a Diameter Time value (RFC 6733 §4.3.1),
// truncating to the second. Times before 1968-01-20 or after 2104 do not
// fit and wrap.
func NTPFromTime(t time.Time) uint32 {
	return uint32(t.Unix() + ntpEpochOffset)
}
