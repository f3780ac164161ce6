package patcher

import (
	"bytes"
	"go/token"
	"os"
	"strings"
	"text/template"
)

// linkDecl is a //go:linkname declaration pulling a symbol of package
// main: a variable of type Type, or, if Func, a function of type Type.
type linkDecl struct {
	Local, Symbol, Type string
	Func                bool
}

// patchFile is one translated file of the patch.
var patchFile = template.Must(template.New("file").Parse(`{{with .GoBuild}}//go:build {{.}}

{{end}}package main

import (
{{- range .Imports}}
	{{.Name}} {{printf "%q" .Path}}
{{- end}}
{{- if .Links}}
	_ "unsafe" // for go:linkname
{{- end}}
{{- if .FuncLinks}}
	gohotreflect "reflect"
	gohotruntime "runtime"
	gohotunsafe "unsafe"
{{- end}}
)
{{range .Links}}
{{- if .Func}}
//go:linkname {{.Local}}_code {{.Symbol}}
var {{.Local}}_code byte

// {{.Local}} is the program's {{.Symbol}}: a function value whose code is
// at the address of the symbol, which the program's own definition takes
// when the patch is loaded. (A body-less function declaration cannot pull
// it: a direct call or a value of it does not link into a plugin.) Were
// the function missing from the program (the rewrite keeps every one),
// the address would be the patch's own placeholder: a call then panics
// with the reason instead of jumping into data.
var {{.Local}} = func() (f {{.Type}}) {
	pc := uintptr(gohotunsafe.Pointer(&{{.Local}}_code))
	if fn := gohotruntime.FuncForPC(pc); fn == nil || fn.Entry() != pc || fn.Name() != {{printf "%q" .Symbol}} {
		v := gohotreflect.MakeFunc(gohotreflect.TypeOf(f), func([]gohotreflect.Value) []gohotreflect.Value {
			panic({{printf "%q" (print "hotreload: the running program has no function " .Symbol ", which this patch calls; restart to apply")}})
		})
		gohotreflect.ValueOf(&f).Elem().Set(v)
		return
	}
	*(*gohotunsafe.Pointer)(gohotunsafe.Pointer(&f)) = gohotunsafe.Pointer(&[]uintptr{pc}[0])
	return
}()
{{else}}
//go:linkname {{.Local}} {{.Symbol}}
var {{.Local}} {{.Type}}
{{end}}
{{- end}}
{{- range .Aliases}}
// {{.Local}} keeps the name of the embedded fields of its type.
type {{.Local}} = {{.Type}}
{{end}}
{{.Body}}`))

// patchTable is the table the agent reads: every slot and its new value.
var patchTable = template.Must(template.New("table").Parse(`{{with .GoBuild}}//go:build {{.}}

{{end}}package main

import (
	_ "unsafe" // for go:linkname
{{- range .Imports}}
	{{.Name}} {{printf "%q" .Path}}
{{- end}}
)
{{range .Links}}
//go:linkname {{.Local}} {{.Symbol}}
var {{.Local}} {{.Type}}
{{end}}
// {{.SlotsSymbol}} pairs each slot with its new value; the agent switches them.
var {{.SlotsSymbol}} = []interface{}{
{{- range .Pairs}}
	{{.Slot}}, {{.Value}},
{{- end}}
}

// {{.NamesSymbol}} names the functions, pair by pair.
var {{.NamesSymbol}} = []string{
{{- range .Pairs}}
	{{printf "%q" .Name}},
{{- end}}
}
`))

func writeTemplate(name string, tmpl *template.Template, data any) error {
	var buf bytes.Buffer
	if err := tmpl.Execute(&buf, data); err != nil {
		return err
	}
	return os.WriteFile(name, buf.Bytes(), 0o644)
}

// declTemplate is one declaration of the patch, positioned at its source.
var declTemplate = template.Must(template.New("decl").Parse(`//line {{.Pos.Filename}}:{{.Pos.Line}}
{{with .Keyword}}{{.}} {{end}}{{.Text}}

`))

func patchDecl(pos token.Position, keyword, text string) string {
	return execute(declTemplate, struct {
		Pos           token.Position
		Keyword, Text string
	}{pos, keyword, text})
}

// replacementFunc is a changed function as the patch declares it: a plain
// function, the receiver (if any) its first parameter, that the function's
// slot is set to.
type replacementFunc struct {
	Name, TypeParams string
	Params           []param
	Results, Body    string
	// Copies are string parameters received under another name (Arg)
	// and copied first thing (escape.go's copies).
	Copies []stringCopy
}

// stringCopy is a string parameter Name received as Arg: the body starts
// with Name := a copy of Arg, on the line of its opening brace.
type stringCopy struct{ Name, Arg string }

// copiedArgPrefix names the argument of a copied string parameter.
const copiedArgPrefix = "gohotArg_"

// param is one parameter field: its names (or "_") and its type.
type param struct {
	Names []string
	Type  string
}

var replacementTemplate = template.Must(template.New("replacement").Parse(
	`{{.Name}}{{.TypeParams}}(
	{{- range $i, $p := .Params}}{{if $i}}, {{end}}
		{{- range $j, $n := $p.Names}}{{if $j}}, {{end}}{{$n}}{{end}} {{$p.Type}}
	{{- end}}){{with .Results}} {{.}}{{end}} {
	{{- range .Copies}} {{.Name}} := string(append([]byte(nil), {{.Arg}}...));{{end}}
	{{- slice .Body 1}}`))

// instancesTemplate is the value of a generic function's slot: one func
// value per instantiation, in the order of the base's prologue lookups.
var instancesTemplate = template.Must(template.New("instances").Parse(
	`&[]interface{}{ {{- range $i, $targs := .Instances}}{{if $i}}, {{end}}{{$.Func}}[{{$targs}}]{{end -}} }`))

var noInstanceTemplate = template.Must(template.New("none").Parse(`// no instantiation of {{.}} found in the main module
`))

// execute runs a template of this package, which cannot fail on the data
// its callers give it.
func execute(t *template.Template, data any) string {
	var b strings.Builder
	if err := t.Execute(&b, data); err != nil {
		panic(err) // a bug in the template
	}
	return b.String()
}
