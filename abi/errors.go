package abi

import (
	"errors"
	"fmt"
)

// Code is one of the fixed error codes a plugin may report.
type Code string

// The fixed error codes. Anything else a plugin reports is treated as
// CodeInternal by the host.
const (
	CodeNotFound        Code = "not_found"
	CodeInvalidArgument Code = "invalid_argument"
	CodeUnauthorized    Code = "unauthorized"
	CodeUnavailable     Code = "unavailable"
	CodeUpstream        Code = "upstream"
	CodeInternal        Code = "internal"
)

// Codes lists every valid error code.
func Codes() []Code {
	return []Code{CodeNotFound, CodeInvalidArgument, CodeUnauthorized, CodeUnavailable, CodeUpstream, CodeInternal}
}

// Valid reports whether c is one of the fixed codes.
func (c Code) Valid() bool {
	for _, k := range Codes() {
		if c == k {
			return true
		}
	}
	return false
}

// Error is the error envelope carried in an operation's output and in host
// function responses. The host sanitises Message before any client sees it.
type Error struct {
	Code    Code   `json:"code"`
	Message string `json:"message"`
}

// Error implements the error interface.
func (e *Error) Error() string { return string(e.Code) + ": " + e.Message }

// Is makes errors.Is match two *Error values with the same code.
func (e *Error) Is(target error) bool {
	var t *Error
	if errors.As(target, &t) {
		return t.Code == e.Code && (t.Message == "" || t.Message == e.Message)
	}
	return false
}

// Errorf builds an *Error with the given code and formatted message.
func Errorf(code Code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// NotFound is shorthand for Errorf(CodeNotFound, ...).
func NotFound(format string, args ...any) *Error { return Errorf(CodeNotFound, format, args...) }

// InvalidArgument is shorthand for Errorf(CodeInvalidArgument, ...).
func InvalidArgument(format string, args ...any) *Error {
	return Errorf(CodeInvalidArgument, format, args...)
}

// Unauthorized is shorthand for Errorf(CodeUnauthorized, ...).
func Unauthorized(format string, args ...any) *Error {
	return Errorf(CodeUnauthorized, format, args...)
}

// Unavailable is shorthand for Errorf(CodeUnavailable, ...).
func Unavailable(format string, args ...any) *Error { return Errorf(CodeUnavailable, format, args...) }

// Upstream is shorthand for Errorf(CodeUpstream, ...).
func Upstream(format string, args ...any) *Error { return Errorf(CodeUpstream, format, args...) }

// Internal is shorthand for Errorf(CodeInternal, ...).
func Internal(format string, args ...any) *Error { return Errorf(CodeInternal, format, args...) }

// AsError converts any error into an *Error: an *Error found by errors.As is
// returned as is (with an unknown code replaced by CodeInternal); anything
// else becomes CodeInternal with the error's text.
func AsError(err error) *Error {
	if err == nil {
		return nil
	}
	var e *Error
	if errors.As(err, &e) {
		if !e.Code.Valid() {
			return &Error{Code: CodeInternal, Message: e.Message}
		}
		return e
	}
	return &Error{Code: CodeInternal, Message: err.Error()}
}
