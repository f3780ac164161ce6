package rewriter

import (
	"bytes"
	"go/ast"
	"go/printer"
	"go/token"
	"strconv"
	"strings"
)

// typeWriter prints type expressions on a single line, without comments.
//
// The prologue inserted at a function's opening brace must fit on that one
// line (so that no original line moves), and generic prologues spell out the
// function's type. go/printer decides line breaks from the original
// positions, so it cannot be trusted to keep a multi-line struct or
// interface type on one line; this printer can.
type typeWriter struct {
	// rename maps identifiers to the names to print instead (used to print
	// a type declaration's constraints with a method receiver's names).
	rename map[string]string
	// renameIdent overrides single identifiers: the blank type parameters
	// of a receiver ("(l *List[_])") that the rewriter had to name.
	renameIdent map[*ast.Ident]string
}

func (w typeWriter) String(e ast.Expr) string {
	var b strings.Builder
	w.expr(&b, e)
	return b.String()
}

func (w typeWriter) expr(b *strings.Builder, e ast.Expr) {
	switch e := e.(type) {
	case *ast.Ident:
		if n, ok := w.renameIdent[e]; ok {
			b.WriteString(n)
			return
		}
		if n, ok := w.rename[e.Name]; ok {
			b.WriteString(n)
			return
		}
		b.WriteString(e.Name)
	case *ast.SelectorExpr:
		w.expr(b, e.X)
		b.WriteByte('.')
		b.WriteString(e.Sel.Name)
	case *ast.StarExpr:
		b.WriteByte('*')
		w.expr(b, e.X)
	case *ast.ParenExpr:
		b.WriteByte('(')
		w.expr(b, e.X)
		b.WriteByte(')')
	case *ast.Ellipsis:
		b.WriteString("...")
		if e.Elt != nil {
			w.expr(b, e.Elt)
		}
	case *ast.ArrayType:
		b.WriteByte('[')
		if e.Len != nil {
			w.expr(b, e.Len)
		}
		b.WriteByte(']')
		w.expr(b, e.Elt)
	case *ast.MapType:
		b.WriteString("map[")
		w.expr(b, e.Key)
		b.WriteByte(']')
		w.expr(b, e.Value)
	case *ast.ChanType:
		switch e.Dir {
		case ast.SEND:
			b.WriteString("chan<- ")
		case ast.RECV:
			b.WriteString("<-chan ")
		default:
			b.WriteString("chan ")
			// "chan (<-chan T)": without the parentheses the arrow would
			// bind to the outer chan.
			if c, ok := e.Value.(*ast.ChanType); ok && c.Dir == ast.RECV {
				b.WriteByte('(')
				w.expr(b, e.Value)
				b.WriteByte(')')
				return
			}
		}
		w.expr(b, e.Value)
	case *ast.FuncType:
		b.WriteString("func")
		w.signature(b, e)
	case *ast.StructType:
		b.WriteString("struct{")
		for i, f := range e.Fields.List {
			if i > 0 {
				b.WriteString(";")
			}
			b.WriteByte(' ')
			w.names(b, f.Names)
			if len(f.Names) > 0 {
				b.WriteByte(' ')
			}
			w.expr(b, f.Type)
			if f.Tag != nil {
				b.WriteByte(' ')
				b.WriteString(oneLine(f.Tag.Value))
			}
		}
		if len(e.Fields.List) > 0 {
			b.WriteByte(' ')
		}
		b.WriteString("}")
	case *ast.InterfaceType:
		b.WriteString("interface{")
		for i, f := range e.Methods.List {
			if i > 0 {
				b.WriteString(";")
			}
			b.WriteByte(' ')
			if ft, ok := f.Type.(*ast.FuncType); ok && len(f.Names) == 1 {
				b.WriteString(f.Names[0].Name)
				w.signature(b, ft)
			} else {
				w.expr(b, f.Type)
			}
		}
		if len(e.Methods.List) > 0 {
			b.WriteByte(' ')
		}
		b.WriteString("}")
	case *ast.IndexExpr:
		w.expr(b, e.X)
		b.WriteByte('[')
		w.expr(b, e.Index)
		b.WriteByte(']')
	case *ast.IndexListExpr:
		w.expr(b, e.X)
		b.WriteByte('[')
		for i, x := range e.Indices {
			if i > 0 {
				b.WriteString(", ")
			}
			w.expr(b, x)
		}
		b.WriteByte(']')
	case *ast.UnaryExpr:
		b.WriteString(e.Op.String())
		w.expr(b, e.X)
	case *ast.BinaryExpr:
		w.expr(b, e.X)
		b.WriteByte(' ')
		b.WriteString(e.Op.String())
		b.WriteByte(' ')
		w.expr(b, e.Y)
	case *ast.BasicLit:
		b.WriteString(oneLine(e.Value))
	case *ast.CallExpr:
		w.expr(b, e.Fun)
		b.WriteByte('(')
		for i, a := range e.Args {
			if i > 0 {
				b.WriteString(", ")
			}
			w.expr(b, a)
		}
		if e.Ellipsis.IsValid() {
			b.WriteString("...")
		}
		b.WriteByte(')')
	default:
		// Anything else can only appear inside an array length (a
		// constant expression). go/printer without a comment map prints
		// no comments; fold what line breaks it makes.
		var buf bytes.Buffer
		_ = printer.Fprint(&buf, token.NewFileSet(), e)
		b.WriteString(strings.Join(strings.Fields(buf.String()), " "))
	}
}

// oneLine returns a string literal spelled on one line: a raw string
// literal that spans lines becomes the equivalent interpreted one.
func oneLine(lit string) string {
	if strings.HasPrefix(lit, "`") && strings.Contains(lit, "\n") {
		if s, err := strconv.Unquote(lit); err == nil {
			return strconv.Quote(s)
		}
	}
	return lit
}

func (w typeWriter) names(b *strings.Builder, names []*ast.Ident) {
	for i, n := range names {
		if i > 0 {
			b.WriteString(", ")
		}
		w.expr(b, n)
	}
}

// signature prints "[P any](a int, b ...string) (int, error)" for a
// function type; parameter names are dropped.
func (w typeWriter) signature(b *strings.Builder, ft *ast.FuncType) {
	if ft.TypeParams != nil && len(ft.TypeParams.List) > 0 {
		w.typeParams(b, ft.TypeParams)
	}
	b.WriteByte('(')
	w.typeList(b, ft.Params)
	b.WriteByte(')')
	w.results(b, ft.Results)
}

func (w typeWriter) results(b *strings.Builder, res *ast.FieldList) {
	if res == nil || res.NumFields() == 0 {
		return
	}
	if res.NumFields() == 1 {
		b.WriteByte(' ')
		w.expr(b, res.List[0].Type)
		return
	}
	b.WriteString(" (")
	w.typeList(b, res)
	b.WriteByte(')')
}

// typeList prints the types of a parameter list, one per parameter.
func (w typeWriter) typeList(b *strings.Builder, fl *ast.FieldList) {
	if fl == nil {
		return
	}
	first := true
	for _, f := range fl.List {
		n := len(f.Names)
		if n == 0 {
			n = 1
		}
		for range n {
			if !first {
				b.WriteString(", ")
			}
			first = false
			w.expr(b, f.Type)
		}
	}
}

// typeParams prints "[K comparable, V any]".
func (w typeWriter) typeParams(b *strings.Builder, tp *ast.FieldList) {
	b.WriteByte('[')
	for i, f := range tp.List {
		if i > 0 {
			b.WriteString(", ")
		}
		w.names(b, f.Names)
		b.WriteByte(' ')
		w.expr(b, f.Type)
	}
	b.WriteByte(']')
}

// typeParamNames prints "[K, V]", the instantiation of a generic type or
// function with its own parameters.
func (w typeWriter) typeParamNames(tp *ast.FieldList) string {
	var b strings.Builder
	b.WriteByte('[')
	first := true
	for _, f := range tp.List {
		for _, n := range f.Names {
			if !first {
				b.WriteString(", ")
			}
			first = false
			w.expr(&b, n)
		}
	}
	b.WriteByte(']')
	return b.String()
}
