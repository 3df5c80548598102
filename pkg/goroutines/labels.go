package goroutines

import (
	"slices"
	"strconv"
	"strings"
)

// parseLabels reads a label set in any of the forms the runtime prints,
// braces included:
//
//	{pool: a, "tenant id": "x y"}   Go 1.27 debug=2 and crash headers
//	{"pool": "a"}                   Go 1.26 headers (inside "labels:")
//	{"pool":"a", "tenant":"x"}      debug=1 "# labels:" lines
//
// Quoted keys and values use Go escapes; bare ones are [A-Za-z0-9./_].
func parseLabels(b []byte) (Labels, bool) {
	if len(b) < 2 || b[0] != '{' || b[len(b)-1] != '}' {
		return nil, false
	}
	b = b[1 : len(b)-1]
	var out Labels
	for i := 0; ; {
		i = skipSpaces(b, i)
		if i == len(b) {
			break
		}
		key, j, ok := labelToken(b, i, ':')
		if !ok || j >= len(b) || b[j] != ':' {
			return nil, false
		}
		value, k, ok := labelToken(b, skipSpaces(b, j+1), ',')
		if !ok {
			return nil, false
		}
		out = append(out, Label{Key: key, Value: value})
		k = skipSpaces(b, k)
		if k == len(b) {
			break
		}
		if b[k] != ',' {
			return nil, false
		}
		i = k + 1
	}
	slices.SortStableFunc(out, func(a, b Label) int { return strings.Compare(a.Key, b.Key) })
	return out, true
}

// labelToken reads a quoted or bare token starting at i; a bare one ends
// at stop or at the end of b. It returns the token and the index after it.
func labelToken(b []byte, i int, stop byte) (string, int, bool) {
	if i >= len(b) {
		return "", i, stop == ','
	}
	if b[i] == '"' {
		end := quotedEnd(b, i)
		if end < 0 {
			return "", i, false
		}
		s, err := strconv.Unquote(string(b[i : end+1]))
		if err != nil {
			return "", i, false
		}
		return s, end + 1, true
	}
	j := i
	for j < len(b) && b[j] != stop {
		j++
	}
	return strings.TrimRight(string(b[i:j]), " "), j, true
}

// quotedEnd returns the index of the quote that closes the string opened at
// b[i], or -1.
func quotedEnd(b []byte, i int) int {
	for j := i + 1; j < len(b); j++ {
		switch b[j] {
		case '\\':
			j++
		case '"':
			return j
		}
	}
	return -1
}

// closingBrace returns the index of the '}' that closes the '{' at b[i],
// skipping quoted strings, or -1.
func closingBrace(b []byte, i int) int {
	for j := i + 1; j < len(b); j++ {
		switch b[j] {
		case '"':
			end := quotedEnd(b, j)
			if end < 0 {
				return -1
			}
			j = end
		case '}':
			return j
		}
	}
	return -1
}

func skipSpaces(b []byte, i int) int {
	for i < len(b) && b[i] == ' ' {
		i++
	}
	return i
}
