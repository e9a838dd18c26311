package promapi

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func TestQueryScalar(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		status int
		body   string
		want   float64
		ok     bool
		errHas string
	}{
		{"vector of one", 200, `{"status":"success","data":{"resultType":"vector","result":[{"metric":{},"value":[1,"12"]}]}}`, 12, true, ""},
		{"empty vector", 200, `{"status":"success","data":{"resultType":"vector","result":[]}}`, 0, false, ""},
		{"scalar", 200, `{"status":"success","data":{"resultType":"scalar","result":[1,"0.25"]}}`, 0.25, true, ""},
		{"NaN", 200, `{"status":"success","data":{"resultType":"vector","result":[{"metric":{},"value":[1,"NaN"]}]}}`, 0, true, ""},
		{"two samples", 200, `{"status":"success","data":{"resultType":"vector","result":[{"metric":{"a":"1"},"value":[1,"1"]},{"metric":{"a":"2"},"value":[1,"2"]}]}}`, 0, false, "2 samples"},
		{"bad query", 400, `{"status":"error","errorType":"bad_data","error":"parse error"}`, 0, false, "bad_data: parse error"},
		{"not the API", 404, `<html>not found</html>`, 0, false, "not the query API"},
		{"matrix", 200, `{"status":"success","data":{"resultType":"matrix","result":[]}}`, 0, false, "matrix"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if r.URL.Path != "/api/v1/query" || r.FormValue("query") != "up" || r.FormValue("time") != "1700000000.500" {
					t.Errorf("request %s %s query=%q time=%q", r.Method, r.URL.Path, r.FormValue("query"), r.FormValue("time"))
				}
				w.WriteHeader(tt.status)
				_, _ = w.Write([]byte(tt.body))
			}))
			defer srv.Close()
			c, err := New(srv.URL, time.Second)
			if err != nil {
				t.Fatal(err)
			}
			v, ok, err := c.QueryScalar(context.Background(), "up", time.UnixMilli(1_700_000_000_500))
			if tt.errHas != "" {
				if err == nil || !strings.Contains(err.Error(), tt.errHas) {
					t.Fatalf("error %v; want one naming %q", err, tt.errHas)
				}
				return
			}
			if err != nil || ok != tt.ok || (tt.name != "NaN" && v != tt.want) || (tt.name == "NaN" && v == v) {
				t.Errorf("QueryScalar = %v, %v, %v; want %v, %v", v, ok, err, tt.want, tt.ok)
			}
		})
	}
}

func TestNewRefusesBadURL(t *testing.T) {
	t.Parallel()
	for _, u := range []string{"", "localhost:9090", "ftp://x", "http://"} {
		if _, err := New(u, time.Second); err == nil {
			t.Errorf("New(%q) accepted", u)
		}
	}
}
