package promapi

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Client queries one Prometheus server.
type Client struct {
	base string
	http *http.Client
}

// New returns a client of the Prometheus server at base (http://host:9090),
// each request bounded by timeout.
func New(base string, timeout time.Duration) (*Client, error) {
	u, err := url.Parse(base)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("promapi: Prometheus URL %q; want http://host:port or https://host:port", base)
	}
	transport := http.DefaultTransport.(*http.Transport).Clone()
	return &Client{base: strings.TrimRight(base, "/"), http: &http.Client{Timeout: timeout, Transport: transport}}, nil
}

// Close closes the client's idle connections; the client stays usable.
func (c *Client) Close() { c.http.CloseIdleConnections() }

// response is the envelope of every API answer.
type response struct {
	Status    string          `json:"status"`
	ErrorType string          `json:"errorType"`
	Error     string          `json:"error"`
	Data      json.RawMessage `json:"data"`
}

// QueryScalar evaluates expr at time at and returns its one value: a
// scalar, or a vector of one sample. ok is false for an empty vector; a
// vector of several samples is an error (the query should aggregate).
func (c *Client) QueryScalar(ctx context.Context, expr string, at time.Time) (float64, bool, error) {
	form := url.Values{"query": {expr}, "time": {strconv.FormatFloat(float64(at.UnixMilli())/1000, 'f', 3, 64)}}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.base+"/api/v1/query", strings.NewReader(form.Encode()))
	if err != nil {
		return 0, false, fmt.Errorf("promapi: %w", err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := c.http.Do(req)
	if err != nil {
		return 0, false, fmt.Errorf("promapi: query %s: %w", c.base, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 4<<20))
	if err != nil {
		return 0, false, fmt.Errorf("promapi: read answer of %s: %w", c.base, err)
	}
	var r response
	if err := json.Unmarshal(body, &r); err != nil {
		return 0, false, fmt.Errorf("promapi: %s answered %s, not the query API's JSON: %.200q", c.base, resp.Status, body)
	}
	if r.Status != "success" {
		return 0, false, fmt.Errorf("promapi: %s: %s: %s", c.base, r.ErrorType, r.Error)
	}
	return scalarOf(r.Data)
}

// scalarOf reads the one value of a query result.
func scalarOf(data json.RawMessage) (float64, bool, error) {
	var d struct {
		ResultType string          `json:"resultType"`
		Result     json.RawMessage `json:"result"`
	}
	if err := json.Unmarshal(data, &d); err != nil {
		return 0, false, fmt.Errorf("promapi: result: %w", err)
	}
	switch d.ResultType {
	case "scalar":
		var v [2]any
		if err := json.Unmarshal(d.Result, &v); err != nil {
			return 0, false, fmt.Errorf("promapi: scalar: %w", err)
		}
		f, err := number(v[1])
		return f, err == nil, err
	case "vector":
		var vs []struct {
			Metric map[string]string `json:"metric"`
			Value  [2]any            `json:"value"`
		}
		if err := json.Unmarshal(d.Result, &vs); err != nil {
			return 0, false, fmt.Errorf("promapi: vector: %w", err)
		}
		switch len(vs) {
		case 0:
			return 0, false, nil
		case 1:
			f, err := number(vs[0].Value[1])
			return f, err == nil, err
		}
		return 0, false, fmt.Errorf("promapi: the query gave %d samples (first %v); want one", len(vs), vs[0].Metric)
	}
	return 0, false, fmt.Errorf("promapi: result type %q; want scalar or vector", d.ResultType)
}

// number parses a sample value, which the API sends as a string ("NaN",
// "+Inf" included).
func number(v any) (float64, error) {
	s, ok := v.(string)
	if !ok {
		return 0, fmt.Errorf("promapi: sample value %v is not a string", v)
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return 0, fmt.Errorf("promapi: sample value %q: %w", s, err)
	}
	return f, nil
}
