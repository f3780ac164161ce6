package events

import (
	"reflect"
	"strings"
	"testing"

	"github.com/gohot/rules_go_hot/internal/hotevent"
)

// TestConsumerFields: the consumer of the JSON stream that the tests and
// the fidelity oracle share (internal/hotevent, which cannot import this
// package) reads only fields that Event prints, under the same names.
func TestConsumerFields(t *testing.T) {
	for _, pair := range [][2]reflect.Type{
		{reflect.TypeFor[hotevent.Event](), reflect.TypeFor[Event]()},
		{reflect.TypeFor[hotevent.Location](), reflect.TypeFor[Location]()},
	} {
		printed := jsonFields(pair[1])
		for name, typ := range jsonFields(pair[0]) {
			if p, ok := printed[name]; !ok || p.Kind() != typ.Kind() {
				t.Errorf("%v reads %q as a %v; %v prints it as %v", pair[0], name, typ, pair[1], p)
			}
		}
	}
}

// jsonFields maps the JSON names of a struct's fields to their types.
func jsonFields(t reflect.Type) map[string]reflect.Type {
	m := map[string]reflect.Type{}
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name != "" && name != "-" {
			m[name] = f.Type
		}
	}
	return m
}

// TestConsumerKinds: the kinds internal/hotevent names are these.
func TestConsumerKinds(t *testing.T) {
	for consumer, producer := range map[string]string{
		hotevent.Building: Building, hotevent.Built: Built, hotevent.Ready: Ready, hotevent.Kit: Kit,
		hotevent.Change: Change, hotevent.Applied: Applied, hotevent.Unchanged: Unchanged,
		hotevent.Refused: Refused, hotevent.Error: Error, hotevent.Restart: Restart, hotevent.Exit: Exit,
	} {
		if consumer != producer {
			t.Errorf("hotevent names %q, events %q", consumer, producer)
		}
	}
}
