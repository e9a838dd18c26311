package loadtest

import (
	"fmt"
	"sort"
)

// htmlRendition is one row of the per-rendition table: the viewers that
// played one rendition, summed.
type htmlRendition struct {
	Name                         string
	Viewers, Stalled             int
	Requests, Segments, Playlist uint64
	Errors                       string
	Timeouts, Restarts           uint64
	Bad                          bool

	httpErrors uint64
	status     map[int]uint64
}

// htmlRenditions sums the viewers by rendition, worst first: by HTTP
// errors and timeouts, then stalled viewers, then restarts; by name among
// equals. It returns nil when no viewer has a rendition (a report of an
// earlier version).
func (r *Result) htmlRenditions() []htmlRendition {
	by := map[string]*htmlRendition{}
	named := false
	for i := range r.Viewers {
		v := &r.Viewers[i]
		name := v.Rendition
		named = named || name != ""
		if name == "" {
			name = "unknown"
		}
		row := by[name]
		if row == nil {
			row = &htmlRendition{Name: name, status: map[int]uint64{}}
			by[name] = row
		}
		row.Viewers++
		if v.Stalled {
			row.Stalled++
		}
		row.Requests += v.Requests.Total()
		row.Segments += v.Requests.Segment
		row.Playlist += v.Requests.Manifest
		row.httpErrors += v.HTTPErrors
		row.Timeouts += v.Timeouts
		row.Restarts += v.Restarts
		for _, s := range v.Status {
			row.status[s.Code] += s.Count
		}
	}
	if !named {
		return nil
	}
	out := make([]htmlRendition, 0, len(by))
	for _, row := range by {
		var codes []StatusCount
		for c, n := range row.status {
			codes = append(codes, StatusCount{Code: c, Count: n})
		}
		sort.Slice(codes, func(i, j int) bool { return codes[i].Code < codes[j].Code })
		row.Errors = fmt.Sprint(row.httpErrors) + formatStatus(codes)
		row.Bad = row.httpErrors+row.Timeouts+row.Restarts > 0 || row.Stalled > 0
		out = append(out, *row)
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := &out[i], &out[j]
		if x, y := a.httpErrors+a.Timeouts, b.httpErrors+b.Timeouts; x != y {
			return x > y
		}
		if a.Stalled != b.Stalled {
			return a.Stalled > b.Stalled
		}
		if a.Restarts != b.Restarts {
			return a.Restarts > b.Restarts
		}
		return a.Name < b.Name
	})
	return out
}
