#include "textflag.h"

// func currentMemory() int32: wasm memory.size (as runtime·currentMemory).
TEXT ·currentMemory(SB), NOSPLIT, $0-4
	Get SP
	CurrentMemory
	I32Store ret+0(FP)
	RET
