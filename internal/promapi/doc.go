// Package promapi is a small client of the Prometheus HTTP API: instant
// queries (/api/v1/query) whose result is one number, as threshold checks
// against a run's series need. It keeps no state beyond its http.Client.
package promapi
