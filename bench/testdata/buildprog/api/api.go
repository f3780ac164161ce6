// Package api serves the store over HTTP/JSON.
package api

import (
	"compress/gzip"
	"encoding/json"
	"errors"
	"html/template"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"example.com/buildprog/store"
)

// Server is the HTTP API.
type Server struct {
	st       *store.Store
	log      *slog.Logger
	requests atomic.Int64
	started  time.Time
}

// New returns a server for st.
func New(st *store.Store, log *slog.Logger) *Server {
	return &Server{st: st, log: log, started: time.Now()}
}

var index = template.Must(template.New("index").Parse(`<!doctype html>
<title>buildprog</title>
<h1>{{.Count}} items</h1>
<ul>{{range .Items}}<li><code>{{.Key}}</code> = {{.Value}} (v{{.Version}})</li>{{end}}</ul>
`))

// Handler returns the routes.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", s.index)
	mux.HandleFunc("GET /v1/items", s.list)
	mux.HandleFunc("GET /v1/items/{key}", s.get)
	mux.HandleFunc("PUT /v1/items/{key}", s.put)
	mux.HandleFunc("DELETE /v1/items/{key}", s.del)
	mux.HandleFunc("GET /healthz", s.health)
	return s.logged(gzipped(mux))
}

type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) { w.status = code; w.ResponseWriter.WriteHeader(code) }

func (s *Server) logged(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		s.requests.Add(1)
		sw := &statusWriter{ResponseWriter: w, status: http.StatusOK}
		h.ServeHTTP(sw, r)
		s.log.Info("request", "method", r.Method, "path", r.URL.Path, "status", sw.status, "dur", time.Since(start))
	})
}

type gzipWriter struct {
	http.ResponseWriter
	zw io.Writer
}

func (w gzipWriter) Write(b []byte) (int, error) { return w.zw.Write(b) }

func gzipped(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !strings.Contains(r.Header.Get("Accept-Encoding"), "gzip") {
			h.ServeHTTP(w, r)
			return
		}
		w.Header().Set("Content-Encoding", "gzip")
		zw := gzip.NewWriter(w)
		defer zw.Close()
		h.ServeHTTP(gzipWriter{w, zw}, r)
	})
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	_ = enc.Encode(v)
}

func writeErr(w http.ResponseWriter, err error) {
	code := http.StatusInternalServerError
	switch {
	case errors.Is(err, store.ErrNotFound):
		code = http.StatusNotFound
	case errors.Is(err, store.ErrConflict):
		code = http.StatusPreconditionFailed
	}
	writeJSON(w, code, map[string]string{"error": err.Error()})
}

func (s *Server) index(w http.ResponseWriter, r *http.Request) {
	items := s.st.List("", nil)
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	if err := index.Execute(w, map[string]any{"Count": len(items), "Items": items}); err != nil {
		s.log.Error("index", "err", err)
	}
}

func (s *Server) list(w http.ResponseWriter, r *http.Request) {
	sel := map[string]string{}
	for _, l := range r.URL.Query()["label"] {
		if k, v, ok := strings.Cut(l, "="); ok {
			sel[k] = v
		}
	}
	writeJSON(w, http.StatusOK, s.st.List(r.URL.Query().Get("prefix"), sel))
}

func (s *Server) get(w http.ResponseWriter, r *http.Request) {
	it, err := s.st.Get(r.PathValue("key"))
	if err != nil {
		writeErr(w, err)
		return
	}
	w.Header().Set("ETag", it.ETag())
	if r.Header.Get("If-None-Match") == it.ETag() {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	writeJSON(w, http.StatusOK, it)
}

type putBody struct {
	Value  string            `json:"value"`
	Labels map[string]string `json:"labels"`
}

func (s *Server) put(w http.ResponseWriter, r *http.Request) {
	var body putBody
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<20))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&body); err != nil {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": err.Error()})
		return
	}
	ifv := int64(-1)
	if v := r.Header.Get("If-Match-Version"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			writeJSON(w, http.StatusBadRequest, map[string]string{"error": "bad If-Match-Version"})
			return
		}
		ifv = n
	}
	it, err := s.st.Put(r.PathValue("key"), body.Value, body.Labels, ifv)
	if err != nil {
		writeErr(w, err)
		return
	}
	writeJSON(w, http.StatusOK, it)
}

func (s *Server) del(w http.ResponseWriter, r *http.Request) {
	if err := s.st.Delete(r.PathValue("key")); err != nil {
		writeErr(w, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) health(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]any{
		"items":    s.st.Len(),
		"requests": s.requests.Load(),
		"uptime":   time.Since(s.started).Round(time.Second).String(),
	})
}
