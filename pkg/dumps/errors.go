package dumps

import (
	"errors"
	"fmt"
)

// Kinds of failure, for errors.Is. Every error the package returns for a
// caller's mistake wraps one of these, and its message is written for the
// person who made the request.
var (
	ErrNotFound = errors.New("not found")
	ErrInvalid  = errors.New("invalid request")
	ErrTooLarge = errors.New("too large")
	ErrFull     = errors.New("dump store is full")
	ErrConflict = errors.New("conflict")
	ErrReadOnly = errors.New("read-only")
	ErrBusy     = errors.New("too many uploads in progress")
)

// kindError carries a message for people and a kind for code.
type kindError struct {
	kind error
	msg  string
}

func (e *kindError) Error() string { return e.msg }
func (e *kindError) Unwrap() error { return e.kind }

func errorf(kind error, format string, args ...any) error {
	return &kindError{kind: kind, msg: fmt.Sprintf(format, args...)}
}

// OffsetError rejects a chunk that does not start where the upload stands,
// and says where that is so the client can resume.
type OffsetError struct {
	Offset   int64
	Received int64
}

func (e *OffsetError) Error() string {
	return fmt.Sprintf("chunk starts at byte %d but %d bytes have been received; resend from byte %d", e.Offset, e.Received, e.Received)
}

// Unwrap makes an OffsetError match ErrConflict.
func (e *OffsetError) Unwrap() error { return ErrConflict }
