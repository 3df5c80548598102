package dumpformat

import (
	"path"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// Timestamps that dumpers put in file names. Each keeps digits apart from
// neighbouring digits so that a process id or a counter next to the stamp is
// not read as part of it.
var (
	// 2026-11-21T21:15:42Z, 2026-11-21_21-15-42, with optional fraction and zone.
	separatedStamp = regexp.MustCompile(`(?:^|\D)(\d{4})-(\d{2})-(\d{2})[T_ ](\d{2})[:-](\d{2})[:-](\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:?\d{2})?(?:\D|$)`)
	// 20261121T211542Z (ISO 8601 basic format).
	basicStamp = regexp.MustCompile(`(?:^|\D)(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})(?:\.(\d{1,9}))?(Z)?(?:\D|$)`)
	// 20260121103015.123 and 20201028100641 (holmes).
	digitStamp = regexp.MustCompile(`(?:^|\D)(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(?:\.(\d{1,9}))?(?:\D|$)`)
)

// TimeFromName finds the capture time in a dump file name such as
// holmes' goroutine.20260121103015.123.log or cpu.20201028100641.bin, or
// goroutine.20261121T211542Z.txt. Only the base name is examined. A stamp
// without a zone is read in loc (UTC when loc is nil): dumpers write their
// own local time and the name does not say which zone that was.
func TimeFromName(name string, loc *time.Location) (time.Time, bool) {
	if loc == nil {
		loc = time.UTC
	}
	base := path.Base(strings.ReplaceAll(name, `\`, "/"))
	for _, re := range []*regexp.Regexp{separatedStamp, basicStamp, digitStamp} {
		m := re.FindStringSubmatch(base)
		if m == nil {
			continue
		}
		zone := ""
		if len(m) > 8 {
			zone = m[8]
		}
		if t, ok := stampTime(m[1:7], m[7], zone, loc); ok {
			return t, true
		}
	}
	return time.Time{}, false
}

func stampTime(fields []string, fraction, zone string, loc *time.Location) (time.Time, bool) {
	var n [6]int
	for i, f := range fields {
		v, err := strconv.Atoi(f)
		if err != nil {
			return time.Time{}, false
		}
		n[i] = v
	}
	nanos := 0
	if fraction != "" {
		v, err := strconv.Atoi((fraction + "000000000")[:9])
		if err != nil {
			return time.Time{}, false
		}
		nanos = v
	}
	switch {
	case zone == "Z":
		loc = time.UTC
	case zone != "":
		offset, ok := zoneOffset(zone)
		if !ok {
			return time.Time{}, false
		}
		loc = time.FixedZone(zone, offset)
	}
	t := time.Date(n[0], time.Month(n[1]), n[2], n[3], n[4], n[5], nanos, loc)
	// time.Date normalises out-of-range fields; a stamp that does not
	// survive the round trip was not a date.
	if t.Year() != n[0] || int(t.Month()) != n[1] || t.Day() != n[2] ||
		t.Hour() != n[3] || t.Minute() != n[4] || t.Second() != n[5] {
		return time.Time{}, false
	}
	if n[0] < 1970 || n[0] > 2200 {
		return time.Time{}, false
	}
	return t, true
}

// zoneOffset reads +02:00 or -0530 as seconds east of UTC.
func zoneOffset(zone string) (int, bool) {
	sign := 1
	if zone[0] == '-' {
		sign = -1
	}
	digits := strings.ReplaceAll(zone[1:], ":", "")
	if len(digits) != 4 {
		return 0, false
	}
	h, err1 := strconv.Atoi(digits[:2])
	m, err2 := strconv.Atoi(digits[2:])
	if err1 != nil || err2 != nil || h > 14 || m > 59 {
		return 0, false
	}
	return sign * (h*3600 + m*60), true
}
