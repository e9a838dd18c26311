// Package swarm is the load test that the Kubernetes manifests of
// deploy/kubernetes run in every pod of the shard Job: the image's
// /usr/local/bin/hlsswarm.test is this package built with go test -c. It
// is a template: copy it into your repository, or build your own test
// package into the image (see the Dockerfile's build args), and keep the
// manifests' -test.run and flags in step with it.
//
// TestSwarm takes the origin and the size of the run from flags, so one
// image serves any run:
//
//	hlsswarm.test -test.run '^TestSwarm$' -test.v -test.timeout 40m \
//	    -url https://cdn.example.com/live/master.m3u8 \
//	    -clients 1000 -ramp 2m -duration 10m -warmup 30s \
//	    -threshold 'http_error_rate < 1%' \
//	    -global-threshold 'p95(segment_latency) < 500ms over 30s'
//
// The shard, run id, common start, report directory, Pushgateway and
// Prometheus come from the environment the manifests set (see package
// loadtest: ShardIndexEnv, ShardCountEnv, RunIDEnv, StartAtEnv,
// ReportDirEnv, PushGatewayEnv, PrometheusEnv). Without -url the test
// skips, except in a pod of an Indexed Job (JOB_COMPLETION_INDEX set),
// where it fails: a shard that loads nothing must not pass.
package swarm
