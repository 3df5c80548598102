package dumpformat

import (
	"bytes"
	"encoding/binary"
	"unicode/utf16"
	"unicode/utf8"
)

// Decode is the one gate every byte read from a target, an upload, a dump
// directory or a stored dump passes before a parser sees it. It returns the
// content that detection and parsers read: data with gzip undone within
// lim.MaxDecompressedBytes (compressed says whether it was gzip), never
// cut short and never gzip again (ErrNestedGzip), and UTF-16 text, which
// Windows PowerShell writes when a program's output is redirected to a
// file, converted to UTF-8. Parsers bound what the content decodes to with
// the same Limits (see ParsePprof and MaxStackDepth).
func Decode(data []byte, lim Limits) (plain []byte, compressed bool, err error) {
	lim = lim.WithDefaults()
	limit := lim.MaxDecompressedBytes
	plain, compressed, err = decompress(data, lim)
	if err != nil {
		return nil, compressed, err
	}
	if utf8Text, ok := fromUTF16(plain); ok {
		if int64(len(utf8Text)) > limit {
			return nil, compressed, &LimitError{Limit: limit}
		}
		plain = utf8Text
	}
	return plain, compressed, nil
}

var (
	utf16LittleEndianBOM = []byte{0xff, 0xfe}
	utf16BigEndianBOM    = []byte{0xfe, 0xff}
)

// fromUTF16 converts text that starts with a UTF-16 byte order mark.
func fromUTF16(data []byte) ([]byte, bool) {
	var order binary.ByteOrder
	switch {
	case bytes.HasPrefix(data, utf16LittleEndianBOM):
		order = binary.LittleEndian
	case bytes.HasPrefix(data, utf16BigEndianBOM):
		order = binary.BigEndian
	default:
		return nil, false
	}
	units := make([]uint16, (len(data)-2)/2)
	for i := range units {
		units[i] = order.Uint16(data[2+2*i:])
	}
	out := make([]byte, 0, len(units)*3/2)
	for _, r := range utf16.Decode(units) {
		out = utf8.AppendRune(out, r)
	}
	return out, true
}
