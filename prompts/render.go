package prompts

import (
	"errors"
	"fmt"
	"io/fs"
	"reflect"
	"strings"
	"text/template/parse"
)

// The templates are parsed by the standard library's text/template/parse and
// executed here, not by text/template, for the binary's sake: text/template
// looks methods up by a name known only at run time
// (reflect.Value.MethodByName), and a program that can do that keeps every
// exported method of every type it uses, since the linker can no longer tell
// which are called. With it, storybot's stripped binary weighed 26.7 MB (a
// 29.5 MB image against the 30 MB bound); without it (and without the same
// lookup in an older protobuf), 18.0 MB (README "Binary size";
// scripts/check-method-dce fails when any dependency brings such a lookup
// back).
//
// The executor runs the part of the template language the prompts use, with
// text/template's meaning (render_test.go renders every template both ways
// and compares): text; {{.Field}}, {{$var}}, {{$var.Field}} and {{$}};
// {{if}}, {{else if}}, {{else}}; {{range $i, $x := …}} over slices; calls of
// data, attr, inc, eq and ne. Fields are read by name (reflect's FieldByName,
// which the linker does not mind); methods are not called. Anything else is
// refused when the templates are parsed, so a template using it fails the
// first test rather than a user's request.

// funcs are the functions a template may call.
var funcs = map[string]func(args []reflect.Value) (reflect.Value, error){
	"data": stringFunc(Data),
	"attr": stringFunc(attr),
	"inc": func(args []reflect.Value) (reflect.Value, error) {
		if len(args) != 1 || !isInt(args[0]) {
			return reflect.Value{}, errors.New("inc takes one integer")
		}
		return reflect.ValueOf(int(args[0].Int() + 1)), nil
	},
	"eq": func(args []reflect.Value) (reflect.Value, error) {
		eq, err := equal(args)
		return reflect.ValueOf(eq), err
	},
	"ne": func(args []reflect.Value) (reflect.Value, error) {
		if len(args) != 2 {
			return reflect.Value{}, errors.New("ne takes two arguments")
		}
		eq, err := equal(args)
		return reflect.ValueOf(!eq), err
	},
}

// attr is Data for a value inside an attribute's double quotes: double
// quotes become single ones, so the value cannot end the attribute.
func attr(s string) string { return strings.ReplaceAll(Data(s), `"`, "'") }

func stringFunc(f func(string) string) func([]reflect.Value) (reflect.Value, error) {
	return func(args []reflect.Value) (reflect.Value, error) {
		if len(args) != 1 || args[0].Kind() != reflect.String {
			return reflect.Value{}, errors.New("takes one string")
		}
		return reflect.ValueOf(f(args[0].String())), nil
	}
}

func isInt(v reflect.Value) bool {
	switch v.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return true
	}
	return false
}

// equal is text/template's eq for the values the prompts compare: whether
// the first argument equals any of the others (strings with strings,
// integers with integers, booleans with booleans).
func equal(args []reflect.Value) (bool, error) {
	if len(args) < 2 {
		return false, errors.New("eq takes at least two arguments")
	}
	a := args[0]
	for _, b := range args[1:] {
		switch {
		case a.Kind() == reflect.String && b.Kind() == reflect.String:
			if a.String() == b.String() {
				return true, nil
			}
		case isInt(a) && isInt(b):
			if a.Int() == b.Int() {
				return true, nil
			}
		case a.Kind() == reflect.Bool && b.Kind() == reflect.Bool:
			if a.Bool() == b.Bool() {
				return true, nil
			}
		default:
			return false, fmt.Errorf("cannot compare %s with %s", a.Type(), b.Type())
		}
	}
	return false, nil
}

// parseTemplates parses every *.tmpl file of fsys and returns the templates
// they define, by name. A construct the executor does not run is an error.
func parseTemplates(fsys fs.FS) (map[string]*parse.Tree, error) {
	names, err := fs.Glob(fsys, "*.tmpl")
	if err != nil {
		return nil, err
	}
	known := map[string]any{}
	for name := range funcs {
		known[name] = true
	}
	trees := map[string]*parse.Tree{}
	for _, name := range names {
		text, err := fs.ReadFile(fsys, name)
		if err != nil {
			return nil, err
		}
		ts, err := parse.Parse(name, string(text), "", "", known)
		if err != nil {
			return nil, err
		}
		for tname, t := range ts {
			if tname == name {
				// The file's own body: only the space between its
				// definitions.
				if strings.TrimSpace(t.Root.String()) != "" {
					return nil, fmt.Errorf("%s: text outside {{define}}", name)
				}
				continue
			}
			if _, dup := trees[tname]; dup {
				return nil, fmt.Errorf("%s: template %q defined twice", name, tname)
			}
			if err := supported(t.Root); err != nil {
				return nil, fmt.Errorf("%s: template %q: %w", name, tname, err)
			}
			trees[tname] = t
		}
	}
	return trees, nil
}

// supported reports the first construct under n that execute does not run.
func supported(n parse.Node) error {
	switch n := n.(type) {
	case *parse.ListNode:
		if n == nil {
			return nil
		}
		for _, c := range n.Nodes {
			if err := supported(c); err != nil {
				return err
			}
		}
		return nil
	case *parse.TextNode, *parse.CommentNode:
		return nil
	case *parse.ActionNode:
		if len(n.Pipe.Decl) > 0 {
			return fmt.Errorf("%s: variables are declared only by range", n)
		}
		return supportedPipe(n.Pipe)
	case *parse.IfNode:
		if len(n.Pipe.Decl) > 0 {
			return fmt.Errorf("%s: variables are declared only by range", n)
		}
		return supportedBranch(n.Pipe, n.List, n.ElseList)
	case *parse.RangeNode:
		if len(n.Pipe.Decl) == 1 {
			return fmt.Errorf("%s: range declares its index and element ($i, $x :=) or nothing", n)
		}
		return supportedBranch(n.Pipe, n.List, n.ElseList)
	}
	return fmt.Errorf("%s: not supported by the prompt executor", n)
}

// supportedBranch checks an if's or a range's pipeline and its two lists.
func supportedBranch(p *parse.PipeNode, list, elseList *parse.ListNode) error {
	if err := supportedPipe(p); err != nil {
		return err
	}
	if err := supported(list); err != nil {
		return err
	}
	return supported(elseList)
}

func supportedPipe(p *parse.PipeNode) error {
	if p.IsAssign || len(p.Cmds) != 1 {
		return fmt.Errorf("%s: one command, no pipes or assignments", p)
	}
	for i, arg := range p.Cmds[0].Args {
		switch a := arg.(type) {
		case *parse.FieldNode, *parse.VariableNode, *parse.DotNode, *parse.StringNode:
		case *parse.NumberNode:
			if !a.IsInt {
				return fmt.Errorf("%s: integers only", a)
			}
		case *parse.IdentifierNode:
			if i != 0 {
				return fmt.Errorf("%s: a function is called only first in its command", p)
			}
		default:
			return fmt.Errorf("%s: not supported by the prompt executor", arg)
		}
	}
	return nil
}

// state is one execution: where output goes and the variables in scope
// ($ is the data; range pushes its own, popped when its body ends).
type state struct {
	b    *strings.Builder
	name string
	vars []variable
}

type variable struct {
	name  string
	value reflect.Value
}

// execute renders t with data into b.
func execute(b *strings.Builder, t *parse.Tree, data any) error {
	v := reflect.ValueOf(data)
	s := &state{b: b, name: t.Name, vars: []variable{{"$", v}}}
	return s.walk(v, t.Root)
}

func (s *state) errorf(n parse.Node, format string, args ...any) error {
	return fmt.Errorf("template %s: %s: %s", s.name, n, fmt.Sprintf(format, args...))
}

func (s *state) walk(dot reflect.Value, n parse.Node) error {
	switch n := n.(type) {
	case *parse.ListNode:
		if n == nil {
			return nil
		}
		for _, c := range n.Nodes {
			if err := s.walk(dot, c); err != nil {
				return err
			}
		}
	case *parse.TextNode:
		s.b.Write(n.Text)
	case *parse.CommentNode:
	case *parse.ActionNode:
		v, err := s.pipe(dot, n.Pipe)
		if err != nil {
			return err
		}
		return s.print(n, v)
	case *parse.IfNode:
		v, err := s.pipe(dot, n.Pipe)
		if err != nil {
			return err
		}
		if truth(v) {
			return s.walk(dot, n.List)
		}
		return s.walk(dot, n.ElseList)
	case *parse.RangeNode:
		return s.walkRange(dot, n)
	default:
		return s.errorf(n, "not supported")
	}
	return nil
}

func (s *state) walkRange(dot reflect.Value, n *parse.RangeNode) error {
	v, err := s.pipe(dot, n.Pipe)
	if err != nil {
		return err
	}
	v = indirect(v)
	if v.Kind() != reflect.Slice && v.Kind() != reflect.Array {
		return s.errorf(n, "range over %s", v.Kind())
	}
	if v.Len() == 0 {
		return s.walk(dot, n.ElseList)
	}
	mark := len(s.vars)
	defer func() { s.vars = s.vars[:mark] }()
	for i := range v.Len() {
		elem := v.Index(i)
		s.vars = s.vars[:mark]
		if len(n.Pipe.Decl) == 2 {
			s.vars = append(s.vars,
				variable{n.Pipe.Decl[0].Ident[0], reflect.ValueOf(i)},
				variable{n.Pipe.Decl[1].Ident[0], elem})
		}
		if err := s.walk(elem, n.List); err != nil {
			return err
		}
	}
	return nil
}

func (s *state) pipe(dot reflect.Value, p *parse.PipeNode) (reflect.Value, error) {
	cmd := p.Cmds[0]
	if id, ok := cmd.Args[0].(*parse.IdentifierNode); ok {
		f := funcs[id.Ident]
		args := make([]reflect.Value, 0, len(cmd.Args)-1)
		for _, a := range cmd.Args[1:] {
			v, err := s.arg(dot, a)
			if err != nil {
				return reflect.Value{}, err
			}
			args = append(args, v)
		}
		v, err := f(args)
		if err != nil {
			return reflect.Value{}, s.errorf(cmd, "%s: %v", id.Ident, err)
		}
		return v, nil
	}
	if len(cmd.Args) != 1 {
		return reflect.Value{}, s.errorf(cmd, "only a function takes arguments")
	}
	return s.arg(dot, cmd.Args[0])
}

func (s *state) arg(dot reflect.Value, n parse.Node) (reflect.Value, error) {
	switch n := n.(type) {
	case *parse.DotNode:
		return dot, nil
	case *parse.StringNode:
		return reflect.ValueOf(n.Text), nil
	case *parse.NumberNode:
		return reflect.ValueOf(int(n.Int64)), nil
	case *parse.FieldNode:
		return s.fields(n, dot, n.Ident)
	case *parse.VariableNode:
		for i := len(s.vars) - 1; i >= 0; i-- {
			if s.vars[i].name == n.Ident[0] {
				return s.fields(n, s.vars[i].value, n.Ident[1:])
			}
		}
		return reflect.Value{}, s.errorf(n, "undefined variable %s", n.Ident[0])
	}
	return reflect.Value{}, s.errorf(n, "not supported")
}

// fields follows the field names idents from v.
func (s *state) fields(n parse.Node, v reflect.Value, idents []string) (reflect.Value, error) {
	for _, id := range idents {
		v = indirect(v)
		if v.Kind() != reflect.Struct {
			return reflect.Value{}, s.errorf(n, "field %s of a %s", id, v.Kind())
		}
		f, ok := v.Type().FieldByName(id)
		if !ok || !f.IsExported() {
			return reflect.Value{}, s.errorf(n, "%s has no field %s", v.Type(), id)
		}
		v = v.FieldByIndex(f.Index)
	}
	return v, nil
}

// print writes v as text/template does for the kinds the prompts print.
func (s *state) print(n parse.Node, v reflect.Value) error {
	v = indirect(v)
	switch {
	case v.Kind() == reflect.String:
		s.b.WriteString(v.String())
	case isInt(v):
		fmt.Fprint(s.b, v.Int())
	case v.Kind() == reflect.Bool:
		fmt.Fprint(s.b, v.Bool())
	default:
		return s.errorf(n, "cannot print a %s", v.Kind())
	}
	return nil
}

// indirect is v with pointers and interfaces followed.
func indirect(v reflect.Value) reflect.Value {
	for (v.Kind() == reflect.Pointer || v.Kind() == reflect.Interface) && !v.IsNil() {
		v = v.Elem()
	}
	return v
}

// truth is text/template's: false for a zero number, an empty string, slice
// or map, a nil pointer and false.
func truth(v reflect.Value) bool {
	if !v.IsValid() {
		return false
	}
	if isInt(v) {
		return v.Int() != 0
	}
	switch v.Kind() {
	case reflect.Array, reflect.Map, reflect.Slice, reflect.String:
		return v.Len() > 0
	case reflect.Bool:
		return v.Bool()
	case reflect.Pointer, reflect.Interface:
		return !v.IsNil()
	}
	return true
}
