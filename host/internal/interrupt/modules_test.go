package interrupt_test

// Hand-written modules. Opcodes are spelled out with a comment per line.

// shapesModule has one export per runaway shape, written without the help
// of a compiler: a loop that calls nothing, exponential recursion with no
// loop anywhere, the same at the bottom of a 20 000-frame recursion, and a
// loop around a call.
func shapesModule() []byte {
	return wasmModule(
		sec(1, vec(functype(nil, nil), functype([]byte{i32}, nil))),
		sec(3, vec(u32(0), u32(1), u32(1), u32(0), u32(0), u32(0), u32(0))),
		sec(7, vec(
			export("spin", 0, 0),
			export("exp", 0, 5),
			export("deep", 0, 6),
			export("loop_call", 0, 3),
		)),
		sec(10, vec(
			// 0 spin: loop br 0 end
			fbody(noLocals, []byte{0x03, 0x40, 0x0c, 0x00, 0x0b, 0x0b}),
			// 1 exp(n): if n { exp(n-1); exp(n-1) }
			fbody(noLocals, []byte{
				0x20, 0x00, 0x04, 0x40,
				0x20, 0x00, 0x41, 0x01, 0x6b, 0x10, 0x01,
				0x20, 0x00, 0x41, 0x01, 0x6b, 0x10, 0x01,
				0x0b, 0x0b,
			}),
			// 2 deep(n): if n == 0 { exp(62) } else { deep(n-1) }
			fbody(noLocals, []byte{
				0x20, 0x00, 0x45, 0x04, 0x40,
				0x41, 0x3e, 0x10, 0x01,
				0x05,
				0x20, 0x00, 0x41, 0x01, 0x6b, 0x10, 0x02,
				0x0b, 0x0b,
			}),
			// 3 loop_call: loop call 4 br 0 end
			fbody(noLocals, []byte{0x03, 0x40, 0x10, 0x04, 0x0c, 0x00, 0x0b, 0x0b}),
			// 4 nop
			fbody(noLocals, []byte{0x0b}),
			// 5 run exp(62)
			fbody(noLocals, []byte{0x41, 0x3e, 0x10, 0x01, 0x0b}),
			// 6 run deep(20000)
			fbody(noLocals, cat([]byte{0x41}, s32(20000), []byte{0x10, 0x02, 0x0b})),
		)),
	)
}

// semanticsModule exercises everything that names a function index: an
// imported function before the defined ones, recursion, a loop calling
// the import, an element segment feeding call_indirect, a funcref global
// initialised with ref.func, table.set, a start function, exports of
// functions and a global, and a name section.
//
// Imports: env.add (i32 i32) -> i32 (function 0), env.g i32 (global 0).
// Expected with add = a+b and g = 100: fib(10) = 55, sum(10) = 45,
// via_table(7) = 21, get_g() = 142, ref_call(5) = 15, triple(4) = 12.
func semanticsModule() []byte {
	return wasmModule(
		sec(1, vec(
			functype([]byte{i32, i32}, []byte{i32}), // 0
			functype([]byte{i32}, []byte{i32}),      // 1
			functype(nil, []byte{i32}),              // 2
			functype(nil, nil),                      // 3
		)),
		sec(2, vec(
			cat(str("env"), str("add"), []byte{0x00}, u32(0)),
			cat(str("env"), str("g"), []byte{0x03, i32, 0x00}),
		)),
		// functions 1..7
		sec(3, vec(u32(1), u32(1), u32(1), u32(1), u32(3), u32(2), u32(1))),
		sec(4, vec([]byte{0x70, 0x00, 0x04})),
		sec(6, vec(
			[]byte{i32, 0x01, 0x41, 0x00, 0x0b},  // global 1: mut i32 = 0
			[]byte{0x70, 0x00, 0xd2, 0x03, 0x0b}, // global 2: funcref = ref.func 3
		)),
		sec(7, vec(
			export("fib", 0, 1),
			export("sum", 0, 2),
			export("triple", 0, 3),
			export("via_table", 0, 4),
			export("get_g", 0, 6),
			export("ref_call", 0, 7),
			export("g1", 3, 1),
		)),
		sec(8, u32(5)), // start
		sec(9, vec(cat([]byte{0x00, 0x41, 0x00, 0x0b}, vec(u32(1), u32(3))))),
		sec(10, vec(
			// 1 fib(n): n < 2 ? n : fib(n-1) + fib(n-2)
			fbody(noLocals, []byte{
				0x20, 0x00, 0x41, 0x02, 0x48, 0x04, i32,
				0x20, 0x00,
				0x05,
				0x20, 0x00, 0x41, 0x01, 0x6b, 0x10, 0x01,
				0x20, 0x00, 0x41, 0x02, 0x6b, 0x10, 0x01,
				0x6a,
				0x0b, 0x0b,
			}),
			// 2 sum(n): for i := 0; i < n; i++ { acc = add(acc, i) }
			fbody(vec([]byte{0x02, i32}), []byte{
				0x02, 0x40, 0x03, 0x40,
				0x20, 0x01, 0x20, 0x00, 0x4e, 0x0d, 0x01,
				0x20, 0x02, 0x20, 0x01, 0x10, 0x00, 0x21, 0x02,
				0x20, 0x01, 0x41, 0x01, 0x6a, 0x21, 0x01,
				0x0c, 0x00,
				0x0b, 0x0b,
				0x20, 0x02, 0x0b,
			}),
			// 3 triple(n)
			fbody(noLocals, []byte{0x20, 0x00, 0x41, 0x03, 0x6c, 0x0b}),
			// 4 via_table(n): table[1](n)
			fbody(noLocals, []byte{0x20, 0x00, 0x41, 0x01, 0x11, 0x01, 0x00, 0x0b}),
			// 5 start: global1 = 42
			fbody(noLocals, []byte{0x41, 0x2a, 0x24, 0x01, 0x0b}),
			// 6 get_g: global1 + g
			fbody(noLocals, []byte{0x23, 0x01, 0x23, 0x00, 0x6a, 0x0b}),
			// 7 ref_call(n): table[2] = global2; table[2](n)
			fbody(noLocals, []byte{
				0x41, 0x02, 0x23, 0x02, 0x26, 0x00,
				0x20, 0x00, 0x41, 0x02, 0x11, 0x01, 0x00, 0x0b,
			}),
		)),
		sec(0, str("name"), []byte{0x01}, u32(uint32(len(nameMap()))), nameMap()),
	)
}

func nameMap() []byte {
	return vec(cat(u32(1), str("fib")), cat(u32(2), str("sum")), cat(u32(3), str("triple")))
}

// noVoidModule has no () -> () type, so the rewrite must append one:
// triple(n) = 3n, with a loop so the check is exercised.
func noVoidModule() []byte {
	return wasmModule(
		sec(1, vec(functype([]byte{i32}, []byte{i32}))),
		sec(3, vec(u32(0))),
		sec(7, vec(export("triple", 0, 0))),
		sec(10, vec(
			// acc = 0; loop { if n == 0 break; acc += 3; n-- } return acc
			fbody(vec([]byte{0x01, i32}), []byte{
				0x02, 0x40, 0x03, 0x40,
				0x20, 0x00, 0x45, 0x0d, 0x01,
				0x20, 0x01, 0x41, 0x03, 0x6a, 0x21, 0x01,
				0x20, 0x00, 0x41, 0x01, 0x6b, 0x21, 0x00,
				0x0c, 0x00,
				0x0b, 0x0b,
				0x20, 0x01, 0x0b,
			}),
		)),
	)
}
