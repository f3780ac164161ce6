package instrument

import "testing"

// TestUserFiles: the packages whose function literals are instrumented
// are the user's, and no others (std, the module cache, vendored code,
// Bazel's external repositories).
func TestUserFiles(t *testing.T) {
	for _, tc := range []struct {
		files []string
		want  bool
	}{
		{[]string{"/home/u/app/main.go", "/home/u/app/util.go"}, true},
		{[]string{"/tmp/gohot-state/kit/src/example.com/app/main.go"}, true}, // the kit's snapshot
		{[]string{"app/main.go", "bazel-out/k8-fastbuild/bin/app/gen.go"}, true},
		{[]string{"/usr/local/go/src/net/http/server.go"}, false},
		{[]string{"/root/go/pkg/mod/github.com/x/y@v1.2.3/y.go"}, false},
		{[]string{"/home/u/app/vendor/github.com/x/y/y.go"}, false},
		{[]string{"external/com_github_x_y/y.go"}, false},
		{[]string{"/home/u/app/a.go", "/usr/local/go/src/runtime/x.go"}, false},
		{nil, false},
	} {
		if got := UserFiles(tc.files, "/usr/local/go"); got != tc.want {
			t.Errorf("UserFiles(%q) = %v, want %v", tc.files, got, tc.want)
		}
	}
}
