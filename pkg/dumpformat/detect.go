package dumpformat

import (
	"bytes"
	"regexp"
	"time"
)

// HeadSize is how much of a text file detection reads: the markers that
// identify a text format sit on its first lines or, for crash output, after
// whatever the program logged before dying, which must fit in this much.
const HeadSize = 1 << 20

// Detection is what the content of a file says about it.
type Detection struct {
	Format Format `json:"format"`
	// Compressed reports that the bytes were gzip and Format describes
	// their content.
	Compressed bool `json:"compressed,omitempty"`
	// Reason explains an Unknown format in words a person can act on.
	Reason string `json:"reason,omitempty"`
	// Detail is a one-line summary from the content: a crash's first line,
	// a debug=1 header, a profile's sample types, a trace's version.
	Detail string `json:"detail,omitempty"`
	// CapturedAt is the capture time recorded in the content (a pprof
	// profile's time); zero when the format carries none.
	CapturedAt time.Time `json:"capturedAt,omitzero"`
}

// Inspect detects the format of data after decoding it (see Decode). The
// error is non-nil only when the data is beyond a bound of lim (see
// IsLimitError): its decompressed size (a *LimitError) or, for a pprof
// profile, what it would decode to (a *BoundError). Corrupt data yields Unknown with a reason.
// plain is the content the format describes.
func Inspect(name string, data []byte, lim Limits) (d Detection, plain []byte, err error) {
	plain, compressed, err := Decode(data, lim)
	if err != nil {
		if IsLimitError(err) {
			return Detection{}, nil, err
		}
		return unknown(err.Error()), nil, nil
	}
	d, err = detect(name, plain, lim)
	if err != nil {
		return Detection{}, nil, err
	}
	d.Compressed = compressed
	return d, plain, nil
}

// Detect tells the format of uncompressed data. The name is optional and only
// breaks a tie the content cannot: a block or mutex profile without samples
// is attributed by a "block" or "mutex" in the file name. A pprof profile
// beyond the default Limits is Unknown, with the bound as the reason.
func Detect(name string, data []byte) Detection {
	d, err := detect(name, data, Limits{})
	if err != nil {
		return unknown(err.Error())
	}
	return d
}

// detect is Detect within lim; its error is a *BoundError.
func detect(name string, data []byte, lim Limits) (Detection, error) {
	if len(bytes.TrimSpace(data)) == 0 {
		return unknown("the file is empty"), nil
	}
	if d, ok := detectTrace(data); ok {
		return d, nil
	}
	switch ELFKind(data) {
	case ELFCore:
		return Detection{Format: CoreDump}, nil
	case ELFExecutable:
		return unknown("an executable, not a dump: upload it together with its core dump"), nil
	}
	head := data[:min(len(data), HeadSize)]
	textReason := ""
	if looksLikeText(head) {
		d := detectText(head)
		if d.Format != Unknown {
			return d, nil
		}
		textReason = d.Reason
	}
	if d, ok, err := detectPprof(name, data, lim); ok || err != nil {
		return d, err
	}
	if textReason != "" {
		return unknown(textReason), nil
	}
	return unknown(binaryReason(data)), nil
}

func unknown(reason string) Detection {
	return Detection{Format: Unknown, Reason: reason}
}

var traceHeader = regexp.MustCompile(`^go 1\.(\d+) trace\x00`)

// detectTrace recognises the 16-byte header every execution trace starts
// with, "go 1.N trace" padded with NULs.
func detectTrace(data []byte) (Detection, bool) {
	m := traceHeader.Find(data[:min(len(data), 16)])
	if m == nil {
		return Detection{}, false
	}
	return Detection{Format: Trace, Detail: string(bytes.TrimRight(m, "\x00"))}, true
}

// looksLikeText accepts UTF-8 or Latin-1 text without NUL or other control
// bytes beyond the occasional stray one; protobuf and compressed data have
// many.
func looksLikeText(head []byte) bool {
	sample := head[:min(len(head), 8<<10)]
	control := 0
	for _, b := range sample {
		switch {
		case b == 0:
			return false
		case b < 0x20 && b != '\n' && b != '\r' && b != '\t' && b != '\f' && b != 0x1b:
			control++
		}
	}
	return control*100 <= len(sample)
}

// ELF file kinds, by the e_type of their header.
const (
	NotELF = iota
	ELFCore
	ELFExecutable
	ELFOther
)

// ELFKind tells a core dump from an executable by the first 18 bytes of a
// file.
func ELFKind(head []byte) int {
	if len(head) < 18 || !bytes.HasPrefix(head, []byte("\x7fELF")) {
		return NotELF
	}
	var typ uint16
	if head[5] == 2 { // ELFDATA2MSB
		typ = uint16(head[16])<<8 | uint16(head[17])
	} else {
		typ = uint16(head[17])<<8 | uint16(head[16])
	}
	switch typ {
	case 4: // ET_CORE
		return ELFCore
	case 2, 3: // ET_EXEC, ET_DYN
		return ELFExecutable
	}
	return ELFOther
}

// binaryReason names well-known binary formats that people upload by mistake.
func binaryReason(data []byte) string {
	switch {
	case IsGzip(data):
		return "gzip data that was not decompressed"
	case bytes.HasPrefix(data, []byte("PK\x03\x04")):
		return "a zip archive: extract the dump files and upload them one by one"
	case bytes.HasPrefix(data, []byte{0x28, 0xb5, 0x2f, 0xfd}):
		return "zstd-compressed data: only gzip compression is supported"
	case bytes.HasPrefix(data, []byte("\x7fELF")), bytes.HasPrefix(data, []byte("MZ")):
		return "an executable, not a dump"
	}
	return "binary data that is not a pprof profile, gzip or an execution trace"
}
