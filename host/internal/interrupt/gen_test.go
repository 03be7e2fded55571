package interrupt_test

// A generator of small, valid, always-terminating modules driven by fuzz
// input, for checking that the rewrite preserves behaviour.

// bits hands out fuzz-chosen numbers; when the input runs out it returns
// zeros, which always selects the simplest option.
type bits struct {
	b []byte
	i int
}

func (s *bits) n(k int) int {
	if k <= 1 || s.i >= len(s.b) {
		return 0
	}
	v := int(s.b[s.i]) % k
	s.i++
	return v
}

const (
	genFuncs   = 4 // functions f0..f3, all (i32) -> i32
	genLocals  = 3 // i32 locals after the parameter: 1, 2 scratch, 3 loop counter base
	genMaxLoop = 2 // loop nesting
)

// gen writes one function body at a time.
type gen struct {
	s        *bits
	fn       int // index of the function being written (calls go to higher ones)
	out      []byte
	loops    int // loop nesting
	exprLeft int // budget
	loopVar  int // next loop counter local
}

func (g *gen) emit(b ...byte) { g.out = append(g.out, b...) }

// expr emits code pushing one i32.
func (g *gen) expr() {
	g.exprLeft--
	if g.exprLeft <= 0 {
		g.emit(0x20, 0x00) // local.get 0
		return
	}
	switch g.s.n(12) {
	case 0:
		g.emit(0x41)
		g.out = append(g.out, s32(int32(g.s.n(256)-128))...)
	case 1:
		g.emit(0x20, byte(g.s.n(3))) // local.get 0..2
	case 2:
		g.emit(0x23, 0x00) // global.get 0
	case 3, 4:
		g.expr()
		g.expr()
		g.emit([]byte{0x6a, 0x6b, 0x6c, 0x73, 0x71, 0x72}[g.s.n(6)]) // add sub mul xor and or
	case 5:
		g.expr()
		g.emit(0x45) // eqz
	case 6:
		if g.fn+1 < genFuncs {
			g.expr()
			g.emit(0x10, byte(1+g.fn+1+g.s.n(genFuncs-g.fn-1))) // call a later function (index 0 is the hook import... see below)
		} else {
			g.emit(0x20, 0x00)
		}
	case 7:
		if g.fn+1 < genFuncs {
			// call_indirect through the table: table[i] = f_i; only later
			// functions, so recursion is impossible.
			g.expr()
			g.emit(0x41)
			g.out = append(g.out, s32(int32(g.fn+1+g.s.n(genFuncs-g.fn-1)))...)
			g.emit(0x11, 0x00, 0x00) // type 0, table 0
		} else {
			g.emit(0x20, 0x01)
		}
	case 8:
		g.expr()
		g.emit(0x41, 0xff, 0x1f, 0x71) // and 0xfff
		g.emit(0x28, 0x02, 0x00)       // i32.load
	case 9:
		g.expr()
		g.expr()
		g.expr()
		g.emit(0x1b) // select
	case 10:
		// block (result i32) with a conditional early exit
		g.emit(0x02, i32)
		g.expr()
		g.expr()
		g.emit(0x0d, 0x00) // br_if 0 (carries the first value out)
		g.emit(0x1a)       // drop it otherwise
		g.expr()
		g.emit(0x0b)
	default:
		g.expr()
		g.expr()
		g.emit([]byte{0x46, 0x48, 0x49, 0x4e}[g.s.n(4)]) // eq lt_s lt_u ge_s
	}
}

// stmt emits code with no net stack effect.
func (g *gen) stmt() {
	g.exprLeft--
	if g.exprLeft <= 0 {
		return
	}
	switch g.s.n(8) {
	case 0, 1:
		g.expr()
		g.emit(0x21, byte(1+g.s.n(2))) // local.set 1..2
	case 2:
		g.expr()
		g.emit(0x24, 0x00) // global.set 0
	case 3:
		g.expr()
		g.emit(0x41, 0xff, 0x1f, 0x71)
		g.expr()
		g.emit(0x36, 0x02, 0x00) // i32.store
	case 4:
		g.expr()
		g.emit(0x04, 0x40) // if
		g.stmts(2)
		if g.s.n(2) == 0 {
			g.emit(0x05)
			g.stmts(2)
		}
		g.emit(0x0b)
	case 5:
		if g.loops >= genMaxLoop || g.loopVar >= genLocals+1+genMaxLoop {
			return
		}
		// counter = 1..4; loop { body; counter--; br_if counter }
		c := byte(g.loopVar)
		g.loopVar++
		g.loops++
		g.emit(0x41, byte(1+g.s.n(4)), 0x21, c)
		g.emit(0x03, 0x40)
		g.stmts(3)
		g.emit(0x20, c, 0x41, 0x01, 0x6b, 0x22, c, 0x0d, 0x00)
		g.emit(0x0b)
		g.loops--
		g.loopVar--
	case 6:
		// block { stmts; br_if 0 (cond); stmts }
		g.emit(0x02, 0x40)
		g.stmts(2)
		g.expr()
		g.emit(0x0d, 0x00)
		g.stmts(2)
		g.emit(0x0b)
	default:
		// br_table out of a two-block nest
		g.emit(0x02, 0x40, 0x02, 0x40)
		g.expr()
		g.emit(0x0e, 0x02, 0x00, 0x01, 0x00)
		g.emit(0x0b)
		g.stmts(1)
		g.emit(0x0b)
	}
}

func (g *gen) stmts(max int) {
	for range 1 + g.s.n(max) {
		g.stmt()
	}
}

// genModule builds a module from fuzz input. It imports env.hook (a () ->
// () function, so defined functions start at index 1 and the rewrite's
// shift is exercised past an import), and exports f0..f3, memory "mem"
// and global "g".
func genModule(input []byte) []byte {
	s := &bits{b: input}
	var bodies [][]byte
	for fn := range genFuncs {
		g := &gen{s: s, fn: fn, exprLeft: 24, loopVar: genLocals + 1}
		g.stmts(4)
		g.expr()
		g.emit(0x0b)
		locals := vec([]byte{genLocals + genMaxLoop, i32})
		bodies = append(bodies, fbody(locals, g.out))
	}
	var exports, elems [][]byte
	for fn := range genFuncs {
		exports = append(exports, export("f"+string(rune('0'+fn)), 0, uint32(1+fn)))
		elems = append(elems, u32(uint32(1+fn)))
	}
	exports = append(exports, export("mem", 2, 0), export("g", 3, 0))
	return wasmModule(
		sec(1, vec(functype([]byte{i32}, []byte{i32}), functype(nil, nil))),
		sec(2, vec(cat(str("env"), str("hook"), []byte{0x00}, u32(1)))),
		sec(3, vec(u32(0), u32(0), u32(0), u32(0))),
		sec(4, vec([]byte{0x70, 0x00, genFuncs})),
		sec(5, vec([]byte{0x00, 0x01})),
		sec(6, vec([]byte{i32, 0x01, 0x41, 0x00, 0x0b})),
		sec(7, vec(exports...)),
		sec(9, vec(cat([]byte{0x00, 0x41, 0x00, 0x0b}, vec(elems...)))),
		sec(10, vec(bodies...)),
	)
}
