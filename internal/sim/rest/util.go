package rest

import (
	"fmt"
	"slices"
)

// rows renders a collection under the lock.
func (s *Server) rows(f func(*Server) []map[string]any) []map[string]any {
	s.mu.Lock()
	defer s.mu.Unlock()
	return f(s)
}

func mapAll[T any](xs []T, f func(T) map[string]any) []map[string]any {
	out := make([]map[string]any, len(xs))
	for i, x := range xs {
		out[i] = f(x)
	}
	return out
}

func find[T any](xs []T, match func(T) bool) T {
	var zero T
	for _, x := range xs {
		if match(x) {
			return x
		}
	}
	return zero
}

func contains(set []string, v string) bool { return slices.Contains(set, v) }

func errf(format string, a ...any) error { return fmt.Errorf(format, a...) }
