package goroutines

// hasPrefix is bytes.HasPrefix for a string prefix, without conversion.
func hasPrefix(b []byte, prefix string) bool {
	return len(b) >= len(prefix) && string(b[:len(prefix)]) == prefix
}

// endsWith is bytes.HasSuffix for a string suffix, without conversion.
func endsWith(b []byte, suffix string) bool {
	return len(b) >= len(suffix) && string(b[len(b)-len(suffix):]) == suffix
}

// hasPrefixAt reports whether b[i:] starts with prefix.
func hasPrefixAt(b []byte, i int, prefix string) bool {
	return i >= 0 && i <= len(b) && hasPrefix(b[i:], prefix)
}

// parseDec reads a decimal number at b[i:], returning it and the index after
// it; ok is false when there is no digit or the number overflows int64.
func parseDec(b []byte, i int) (n int64, j int, ok bool) {
	j = i
	for j < len(b) && b[j] >= '0' && b[j] <= '9' {
		if n > (1<<63-1-9)/10 {
			return 0, j, false
		}
		n = n*10 + int64(b[j]-'0')
		j++
	}
	return n, j, j > i
}

// parseHex reads "0x" followed by hex digits at b[i:].
func parseHex(b []byte, i int) (n uint64, j int, ok bool) {
	if !hasPrefixAt(b, i, "0x") {
		return 0, i, false
	}
	j = i + 2
	start := j
	for j < len(b) {
		c := b[j]
		var d byte
		switch {
		case c >= '0' && c <= '9':
			d = c - '0'
		case c >= 'a' && c <= 'f':
			d = c - 'a' + 10
		case c >= 'A' && c <= 'F':
			d = c - 'A' + 10
		default:
			return n, j, j > start
		}
		if n>>60 != 0 {
			return 0, j, false
		}
		n = n<<4 | uint64(d)
		j++
	}
	return n, j, j > start
}

func indexByteFrom(b []byte, i int, c byte) int {
	for j := i; j < len(b); j++ {
		if b[j] == c {
			return j
		}
	}
	return -1
}

func lastIndexByte(b []byte, c byte) int {
	for i := len(b) - 1; i >= 0; i-- {
		if b[i] == c {
			return i
		}
	}
	return -1
}

func trimSpaces(b []byte) []byte {
	for len(b) > 0 && (b[0] == ' ' || b[0] == '\t') {
		b = b[1:]
	}
	for len(b) > 0 && (b[len(b)-1] == ' ' || b[len(b)-1] == '\t') {
		b = b[:len(b)-1]
	}
	return b
}
