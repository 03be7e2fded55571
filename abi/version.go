package abi

import (
	"fmt"
	"strconv"
	"strings"
)

// Major and Minor are the ABI version implemented by this package. A host
// accepts plugins whose major version equals Major and whose minor version is
// at most Minor.
const (
	Major = 1
	Minor = 5
)

// Version is the ABI version as "major.minor".
const Version = "1.5"

// ParseVersion splits "major.minor" into its numbers.
func ParseVersion(v string) (major, minor int, err error) {
	a, b, ok := strings.Cut(strings.TrimSpace(v), ".")
	if !ok {
		return 0, 0, fmt.Errorf("abi version %q: want major.minor", v)
	}
	major, err = strconv.Atoi(a)
	if err != nil || major < 0 {
		return 0, 0, fmt.Errorf("abi version %q: bad major", v)
	}
	minor, err = strconv.Atoi(b)
	if err != nil || minor < 0 {
		return 0, 0, fmt.Errorf("abi version %q: bad minor", v)
	}
	return major, minor, nil
}

// CheckCompatible reports whether a plugin built for ABI version v can be
// loaded by a host implementing Version. The error names both versions.
func CheckCompatible(v string) error {
	major, minor, err := ParseVersion(v)
	if err != nil {
		return err
	}
	if major != Major {
		return fmt.Errorf("plugin ABI %s is incompatible with host ABI %s (major versions differ)", v, Version)
	}
	if minor > Minor {
		return fmt.Errorf("plugin ABI %s is newer than host ABI %s (upgrade the host)", v, Version)
	}
	return nil
}
