package policy

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sync"

	"github.com/machina-go/machina/abi"
	"github.com/machina-go/machina/internal/wire"
)

// maxKVKey caps a key's length.
const maxKVKey = 256

// kvStore is one plugin's persistent key-value state: a JSON object of
// base64 values in <dir>/<plugin>.json, rewritten atomically (temp file,
// fsync, rename) with mode 0600 on every change. Usage counts key and
// value bytes against the quota.
type kvStore struct {
	path  string // "" keeps the store in memory
	quota int64

	mu   sync.Mutex
	data map[string][]byte
	used int64
}

func openKV(dir, plugin string, quota int64) (*kvStore, error) {
	// The file name is the plugin's name: never let a name (validated by
	// the manifest already) reach another plugin's file or leave dir.
	if !wire.ValidName(plugin) {
		return nil, fmt.Errorf("kv store: invalid plugin name %q", plugin)
	}
	s := &kvStore{quota: quota, data: map[string][]byte{}}
	if dir == "" {
		return s, nil
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("kv store: %w", err)
	}
	s.path = filepath.Join(dir, plugin+".json")
	b, err := os.ReadFile(s.path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return s, nil
	case err != nil:
		return nil, fmt.Errorf("kv store: %w", err)
	}
	if err := json.Unmarshal(b, &s.data); err != nil {
		return nil, fmt.Errorf("kv store %s: corrupt file: %w", s.path, err)
	}
	if s.data == nil {
		s.data = map[string][]byte{}
	}
	for k, v := range s.data {
		s.used += int64(len(k) + len(v))
	}
	return s, nil
}

// save writes the store atomically; s.mu must be held.
func (s *kvStore) save() error {
	if s.path == "" {
		return nil
	}
	b, err := json.Marshal(s.data)
	if err != nil {
		return err
	}
	f, err := os.CreateTemp(filepath.Dir(s.path), ".kv-*.tmp")
	if err != nil {
		return err
	}
	tmp := f.Name()
	defer os.Remove(tmp) // no-op after a successful rename
	if err := f.Chmod(0o600); err != nil {
		f.Close()
		return err
	}
	if _, err := f.Write(b); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(tmp, s.path)
}

// kvCheck refuses a kv call of a plugin without a kv grant, or with a key
// outside 1 to maxKVKey bytes.
func (h *Host) kvCheck(key string) *abi.Error {
	if h.kv == nil {
		return abi.Unauthorized("kv is not granted to this plugin")
	}
	if key == "" || len(key) > maxKVKey {
		return abi.InvalidArgument("kv key must be 1 to %d bytes", maxKVKey)
	}
	return nil
}

// KVGet implements plugin.Host.
func (h *Host) KVGet(_ context.Context, req wire.KVGetRequest) wire.KVGetResponse {
	if err := h.kvCheck(req.Key); err != nil {
		return wire.KVGetResponse{Error: err}
	}
	s := h.kv
	s.mu.Lock()
	defer s.mu.Unlock()
	v, ok := s.data[req.Key]
	if !ok {
		return wire.KVGetResponse{}
	}
	return wire.KVGetResponse{Found: true, Value: append([]byte(nil), v...)}
}

// KVSet implements plugin.Host. A nil value deletes the key. A failed
// write leaves the previous state in memory and on disk.
func (h *Host) KVSet(_ context.Context, req wire.KVSetRequest) wire.KVSetResponse {
	if err := h.kvCheck(req.Key); err != nil {
		return wire.KVSetResponse{Error: err}
	}
	s := h.kv
	s.mu.Lock()
	defer s.mu.Unlock()
	old, had := s.data[req.Key]
	used := s.used
	if had {
		used -= int64(len(req.Key) + len(old))
	}
	if req.Value != nil {
		used += int64(len(req.Key) + len(req.Value))
	}
	if used > s.quota {
		return wire.KVSetResponse{Error: abi.Unavailable("kv quota of %d bytes exceeded", s.quota)}
	}
	if req.Value == nil {
		delete(s.data, req.Key)
	} else {
		s.data[req.Key] = append([]byte(nil), req.Value...)
	}
	if err := s.save(); err != nil {
		if had {
			s.data[req.Key] = old
		} else {
			delete(s.data, req.Key)
		}
		h.log.Error("kv store write failed", "error", err)
		return wire.KVSetResponse{Error: abi.Unavailable("kv store write failed")}
	}
	s.used = used
	return wire.KVSetResponse{}
}
