package dumpsapi

import (
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/goscope/pprof/pkg/dumps"
)

func (h *handler) put(w http.ResponseWriter, r *http.Request) {
	name := r.URL.Query().Get("name")
	if name == "" {
		writeError(w, http.StatusBadRequest, "name the file: POST /dumps?name=<file name>")
		return
	}
	body := http.MaxBytesReader(w, r.Body, h.opts.MaxRequestBytes)
	e, created, err := h.catalog.Store().Put(name, uploaderName(requestUser(r)), body)
	if err != nil {
		writeFailure(w, err)
		return
	}
	writeJSON(w, createdStatus(created), e)
}

type beginRequest struct {
	Name string `json:"name"`
	Size int64  `json:"size"`
	// Kind is "executable" for the executable of core dumps to come.
	Kind string `json:"kind,omitempty"`
	// Executable is the stored executable of the core dump being uploaded.
	Executable string `json:"executable,omitempty"`
	// ModifiedAt is the file's modification time in Unix milliseconds.
	ModifiedAt int64 `json:"modifiedAt,omitempty"`
}

type beginResponse struct {
	dumps.Upload
	ChunkSize       int64 `json:"chunkSize"`
	MaxRequestBytes int64 `json:"maxRequestBytes"`
}

func (h *handler) beginUpload(w http.ResponseWriter, r *http.Request) {
	var req beginRequest
	if err := decodeJSON(w, r, &req); err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	if req.Kind != "" && req.Kind != "executable" {
		writeError(w, http.StatusBadRequest, `kind: want "executable" or nothing`)
		return
	}
	ur := dumps.UploadRequest{Name: req.Name, Size: req.Size, Uploader: uploaderName(requestUser(r)),
		Executable: req.Kind == "executable", CoreOf: req.Executable}
	if req.ModifiedAt > 0 {
		ur.ModifiedAt = time.UnixMilli(req.ModifiedAt)
	}
	u, err := h.catalog.Store().BeginUploadOf(ur)
	if err != nil {
		writeFailure(w, err)
		return
	}
	writeJSON(w, http.StatusCreated, beginResponse{Upload: u, ChunkSize: h.opts.ChunkSize, MaxRequestBytes: h.opts.MaxRequestBytes})
}

func (h *handler) appendChunk(w http.ResponseWriter, r *http.Request) {
	offset, err := strconv.ParseInt(r.URL.Query().Get("offset"), 10, 64)
	if err != nil || offset < 0 {
		writeError(w, http.StatusBadRequest, "offset: want the chunk's byte offset, ?offset=N")
		return
	}
	body := http.MaxBytesReader(w, r.Body, h.opts.MaxRequestBytes)
	u, err := h.catalog.Store().AppendChunk(r.PathValue("upload"), offset, body)
	if err != nil {
		writeFailure(w, err)
		return
	}
	if u.Received == offset && u.Received < u.Size {
		writeError(w, http.StatusBadRequest, fmt.Sprintf("the chunk is empty; send the bytes from offset %d", offset))
		return
	}
	writeJSON(w, http.StatusOK, u)
}

func (h *handler) finishUpload(w http.ResponseWriter, r *http.Request) {
	f, err := h.catalog.Store().FinishUploadOf(r.PathValue("upload"))
	if err != nil {
		writeFailure(w, err)
		return
	}
	if f.Executable != nil {
		writeJSON(w, createdStatus(f.Created), struct {
			Executable *dumps.Executable `json:"executable"`
		}{f.Executable})
		return
	}
	writeJSON(w, createdStatus(f.Created), f.Entry)
}

func (h *handler) abortUpload(w http.ResponseWriter, r *http.Request) {
	if err := h.catalog.Store().AbortUpload(r.PathValue("upload")); err != nil {
		writeFailure(w, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func createdStatus(created bool) int {
	if created {
		return http.StatusCreated
	}
	return http.StatusOK
}
