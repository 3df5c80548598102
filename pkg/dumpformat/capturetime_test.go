package dumpformat

import (
	"testing"
	"time"
)

func TestTimeFromName(t *testing.T) {
	shanghai := time.FixedZone("CST", 8*3600)
	cases := []struct {
		name string
		loc  *time.Location
		want time.Time
		ok   bool
	}{
		{"goroutine.20260121103015.123.log", nil, time.Date(2026, 1, 21, 10, 30, 15, 123e6, time.UTC), true},
		{"/var/holmes/cpu.20201028100641.bin", nil, time.Date(2020, 10, 28, 10, 6, 41, 0, time.UTC), true},
		{"cpu.20201028100641.bin", shanghai, time.Date(2020, 10, 28, 10, 6, 41, 0, shanghai), true},
		{"goroutine.20261121T211542Z.txt", shanghai, time.Date(2026, 11, 21, 21, 15, 42, 0, time.UTC), true},
		{"heap-2026-11-21T21:15:42Z.pb.gz", nil, time.Date(2026, 11, 21, 21, 15, 42, 0, time.UTC), true},
		{"heap_2026-11-21_21-15-42.pb.gz", nil, time.Date(2026, 11, 21, 21, 15, 42, 0, time.UTC), true},
		{"dump-2026-11-21T21:15:42+02:00.txt", nil, time.Date(2026, 11, 21, 19, 15, 42, 0, time.UTC), true},
		{`C:\dumps\goroutine.20260121103015.txt`, nil, time.Date(2026, 1, 21, 10, 30, 15, 0, time.UTC), true},
		{"goroutine.txt", nil, time.Time{}, false},
		{"goroutine.20261341103015.txt", nil, time.Time{}, false}, // month 13
		{"pid-120260121103015.txt", nil, time.Time{}, false},      // 15 digits: not a stamp
		{"20260121103015", nil, time.Date(2026, 1, 21, 10, 30, 15, 0, time.UTC), true},
	}
	for _, c := range cases {
		got, ok := TimeFromName(c.name, c.loc)
		if ok != c.ok || !got.Equal(c.want) {
			t.Errorf("TimeFromName(%q) = %v, %v; want %v, %v", c.name, got, ok, c.want, c.ok)
		}
	}
}
