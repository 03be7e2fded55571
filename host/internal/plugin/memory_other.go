//go:build !linux && !darwin && !freebsd

package plugin

import "github.com/tetratelabs/wazero/experimental"

// memoryAllocator returns nil: wazero's default allocator.
func memoryAllocator() experimental.MemoryAllocator { return nil }
