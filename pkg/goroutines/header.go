package goroutines

import "bytes"

// parseHeader reads a goroutine header line in every form from Go 1.13 to
// 1.27:
//
//	goroutine 7 [chan receive, 3 minutes, locked to thread]:
//	goroutine 7 gp=0xc000007c0 m=nil [select (no cases)]:          Go 1.22+ GOTRACEBACK=system
//	goroutine 7 [chan receive (synctest), synctest group 6]:       Go 1.24 GOEXPERIMENT=synctest
//	goroutine 7 [chan receive (leaked), synctest bubble 2]:        Go 1.25+
//	goroutine 7 [chan receive labels:{"k": "v"}]:                  Go 1.26 GODEBUG=tracebacklabels=1
//	goroutine 7 [chan receive] {k: v, "a b": "c"}:                 Go 1.27
//
// It returns false when the line is not a goroutine header.
func (t *table) parseHeader(l []byte, g *Goroutine) bool {
	if !hasPrefix(l, "goroutine ") {
		return false
	}
	id, i, ok := parseDec(l, len("goroutine "))
	if !ok {
		return false
	}
	*g = Goroutine{ID: id, Count: 1}
	if hasPrefixAt(l, i, " gp=") {
		var th *Thread
		if th, i, ok = parseThread(l, i); !ok {
			return false
		}
		g.Thread = th
	}
	if !hasPrefixAt(l, i, " [") {
		return false
	}
	i += 2
	end := indexByteFrom(l, i, ']')
	if end < 0 {
		return false
	}
	content := l[i:end]
	if bytes.IndexByte(content, '{') >= 0 {
		if content, end, ok = t.innerLabels(l, i, end, g); !ok {
			return false
		}
	}
	rest := l[end+1:]
	switch {
	case len(rest) == 1 && rest[0] == ':':
	case hasPrefix(rest, " {") && len(rest) >= 4 && rest[len(rest)-1] == ':':
		if g.Labels, ok = t.labelSet(rest[1 : len(rest)-1]); !ok {
			return false
		}
	default:
		return false
	}
	return t.parseStatus(content, g)
}

// innerLabels splits Go 1.26's " labels:{…}" off the bracket content
// l[i:end], returning the content without it and the index of the closing
// bracket. Quoted label text may hold ']' and '}'.
func (t *table) innerLabels(l []byte, i, end int, g *Goroutine) ([]byte, int, bool) {
	k := bytes.Index(l[i:end], []byte(" labels:{"))
	if k < 0 {
		return l[i:end], end, true
	}
	open := i + k + len(" labels:")
	closeAt := closingBrace(l, open)
	if closeAt < 0 || !hasPrefixAt(l, closeAt+1, "]") {
		return nil, 0, false
	}
	labels, ok := t.labelSet(l[open : closeAt+1])
	if !ok {
		return nil, 0, false
	}
	g.Labels = labels
	return l[i : i+k], closeAt + 1, true
}

// parseStatus reads "state[ (flag)...][, N minutes][, locked to thread][, synctest bubble N]"
// (", synctest group N" in Go 1.24).
func (t *table) parseStatus(b []byte, g *Goroutine) bool {
	comma := indexByteFrom(b, 0, ',')
	status := b
	if comma >= 0 {
		status = b[:comma]
	}
	if len(status) == 0 {
		return false
	}
	si := t.state(status)
	g.State, g.Category = si.state, si.category
	g.Leaked, g.Scanning, g.Durable = si.leaked, si.scan, si.durable
	for comma >= 0 {
		i := comma + 1
		if i < len(b) && b[i] == ' ' {
			i++
		}
		comma = indexByteFrom(b, i, ',')
		part := b[i:]
		if comma >= 0 {
			part = b[i:comma]
		}
		switch {
		case hasPrefix(part, "locked to thread"):
			g.LockedToThread = true
		case hasPrefix(part, "synctest bubble "), hasPrefix(part, "synctest group "):
			if n, _, ok := parseDec(part, bytes.LastIndexByte(part, ' ')+1); ok {
				g.Bubble = n
			}
		default:
			if n, j, ok := parseDec(part, 0); ok && hasPrefixAt(part, j, " minutes") {
				g.WaitMinutes = int(n)
			}
		}
	}
	return true
}

// parseThread reads " gp=0x… m=N mp=0x…" or " gp=0x… m=nil" at l[i:].
func parseThread(l []byte, i int) (*Thread, int, bool) {
	gp, i, ok := parseHex(l, i+len(" gp="))
	if !ok {
		return nil, i, false
	}
	th := &Thread{G: gp, M: -1}
	switch {
	case hasPrefixAt(l, i, " m=nil"):
		i += len(" m=nil")
	case hasPrefixAt(l, i, " m="):
		var m int64
		if m, i, ok = parseDec(l, i+len(" m=")); !ok {
			return nil, i, false
		}
		th.M = m
		if hasPrefixAt(l, i, " mp=") {
			if th.MP, i, ok = parseHex(l, i+len(" mp=")); !ok {
				return nil, i, false
			}
		}
	}
	return th, i, true
}
