// Package kubernetes holds the Kubernetes manifests and Dockerfile that run
// an hlsswarm load test as shards of an Indexed Job, with a Pushgateway and
// a Prometheus for the live picture and a merge Job for the exact verdict
// (see README.md, "Running on Kubernetes").
//
// It is a module of its own so that the Kubernetes API types its tests
// decode the manifests into never become a dependency of the library. The
// tests decode every document of every manifest strictly into its typed
// API object and check what ties the manifests to the library and to each
// other: the environment variables the library reads, the shard count, the
// report volume, the Prometheus wiring, and the binaries the Dockerfile
// builds. No cluster is needed.
package kubernetes
