package dumpsapi

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"

	"github.com/goscope/pprof/pkg/dumpformat"
	"github.com/goscope/pprof/pkg/dumps"
	"github.com/goscope/pprof/pkg/httpjson"
)

var (
	writeJSON  = httpjson.Write
	writeError = httpjson.Error
)

// writeFailure answers with the status that the kind of err calls for.
func writeFailure(w http.ResponseWriter, err error) {
	var offsetErr *dumps.OffsetError
	if errors.As(err, &offsetErr) {
		writeJSON(w, http.StatusConflict, map[string]any{"error": err.Error(), "received": offsetErr.Received})
		return
	}
	// A body over the request limit is one the client can send in chunks.
	var maxBytes *http.MaxBytesError
	if errors.As(err, &maxBytes) {
		writeError(w, http.StatusRequestEntityTooLarge, fmt.Sprintf(
			"the request body is larger than %s; upload larger files in chunks (POST /dumps/uploads)",
			dumpformat.FormatSize(maxBytes.Limit)))
		return
	}
	writeError(w, failureStatus(err), err.Error())
}

func failureStatus(err error) int {
	switch {
	case errors.Is(err, dumps.ErrNotFound):
		return http.StatusNotFound
	case errors.Is(err, dumps.ErrInvalid), errors.Is(err, dumps.ErrReadOnly):
		return http.StatusBadRequest
	case errors.Is(err, dumps.ErrTooLarge), dumpformat.IsLimitError(err):
		return http.StatusRequestEntityTooLarge
	case errors.Is(err, dumps.ErrFull):
		return http.StatusInsufficientStorage
	case errors.Is(err, dumps.ErrConflict):
		return http.StatusConflict
	case errors.Is(err, dumps.ErrBusy):
		return http.StatusTooManyRequests
	}
	return http.StatusInternalServerError
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
