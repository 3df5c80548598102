package dumps

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"

	"github.com/goscope/pprof/pkg/dumpformat"
	"github.com/goscope/pprof/pkg/httpjson"
)

var (
	writeJSON  = httpjson.Write
	writeError = httpjson.Error
)

// writeFailure answers with the status that the kind of err calls for.
func writeFailure(w http.ResponseWriter, err error) {
	var offsetErr *OffsetError
	if errors.As(err, &offsetErr) {
		writeJSON(w, http.StatusConflict, map[string]any{"error": err.Error(), "received": offsetErr.Received})
		return
	}
	writeError(w, failureStatus(err), err.Error())
}

func failureStatus(err error) int {
	switch {
	case errors.Is(err, ErrNotFound):
		return http.StatusNotFound
	case errors.Is(err, ErrInvalid), errors.Is(err, ErrReadOnly):
		return http.StatusBadRequest
	case errors.Is(err, ErrTooLarge), dumpformat.IsLimitError(err):
		return http.StatusRequestEntityTooLarge
	case errors.Is(err, ErrFull):
		return http.StatusInsufficientStorage
	case errors.Is(err, ErrConflict):
		return http.StatusConflict
	case errors.Is(err, ErrBusy):
		return http.StatusTooManyRequests
	}
	return http.StatusInternalServerError
}

// explainBodyLimit turns the request body limit's error into advice.
func (h *handler) explainBodyLimit(err error) error {
	var maxBytes *http.MaxBytesError
	if errors.As(err, &maxBytes) {
		return errorf(ErrTooLarge, "the request body is larger than %s; upload larger files in chunks (POST /dumps/uploads)",
			dumpformat.FormatSize(maxBytes.Limit))
	}
	return err
}

// decodeJSON reads a small JSON request body.
func decodeJSON(w http.ResponseWriter, r *http.Request, v any) error {
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, 64<<10))
	dec.DisallowUnknownFields()
	err := dec.Decode(v)
	if errors.Is(err, io.EOF) {
		return errors.New("the request body is empty; send a JSON object")
	}
	if err != nil {
		return fmt.Errorf("request body: %w", err)
	}
	return nil
}
