package assert

import "reflect"

// isNilRun reports whether run is nil or a nil pointer in a non-nil
// interface (a (*loadtest.Result)(nil) from a run that never happened),
// which would otherwise panic on its first method call.
func isNilRun(run Run) bool {
	if run == nil {
		return true
	}
	v := reflect.ValueOf(run)
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface, reflect.Map, reflect.Slice, reflect.Func, reflect.Chan:
		return v.IsNil()
	}
	return false
}
