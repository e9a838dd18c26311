package hls

import "testing"

func TestOriginOf(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct{ a, b string }{
		{"http://Example.test/a.m3u8", "http://example.test:80/b/c.m3u8?x=1"},
		{"https://example.test/a", "https://example.test:443/"},
		{"http://[::1]:8080/a", "http://[::1]:8080/b"},
	} {
		if OriginOf(tt.a) != OriginOf(tt.b) || OriginOf(tt.a) == "" {
			t.Errorf("OriginOf(%q) = %q, OriginOf(%q) = %q; want the same origin", tt.a, OriginOf(tt.a), tt.b, OriginOf(tt.b))
		}
	}
	for _, tt := range []struct{ a, b string }{
		{"http://127.0.0.1:8080/a", "http://127.0.0.1:8081/a"},
		{"http://example.test/a", "https://example.test/a"},
		{"http://example.test/a", "http://cdn.example.test/a"},
	} {
		if OriginOf(tt.a) == OriginOf(tt.b) {
			t.Errorf("OriginOf(%q) = OriginOf(%q) = %q; want different origins", tt.a, tt.b, OriginOf(tt.a))
		}
	}
}
