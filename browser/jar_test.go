package browser

import (
	"context"
	"testing"

	"github.com/cookiescope/cookiescope/inspect"
	"github.com/cookiescope/cookiescope/lab"
)

// SetJar copies a live jar into another context with every attribute that
// decides how Chrome treats a cookie: a copy that came back Secure (as an
// https URL makes it) would make a probe on the copy wrong.
func TestSetJarCopiesEveryAttribute(t *testing.T) {
	from, to := newTestWorker(t), newTestWorker(t)
	ctx := context.Background()
	var jar []inspect.Cookie
	for _, host := range []string{lab.FlawedLoginHost, lab.SecureLoginHost} {
		if tg := from.Visit(ctx, testLab.URL(true, host, lab.LoginFlowPath), LoadOptions{}); tg.Error != "" {
			t.Fatal(tg.Error)
		}
	}
	jar, err := from.Jar()
	if err != nil || len(jar) < 4 {
		t.Fatalf("source jar: %d cookies, %v", len(jar), err)
	}
	if err := to.SetJar(ctx, jar); err != nil {
		t.Fatal(err)
	}
	copied, err := to.Jar()
	if err != nil {
		t.Fatal(err)
	}
	type attrs struct {
		Value, SameSite, SourceScheme, Priority string
		HostOnly, Secure, HttpOnly, Session     bool
		SourcePort                              int
	}
	want := map[inspect.CookieKey]attrs{}
	for _, c := range jar {
		want[c.Key()] = attrs{c.Value, c.SameSite, c.SourceScheme, c.Priority, c.HostOnly, c.Secure, c.HttpOnly, c.Session, c.SourcePort}
	}
	if len(copied) != len(jar) {
		t.Errorf("%d cookies copied of %d", len(copied), len(jar))
	}
	for _, c := range copied {
		got := attrs{c.Value, c.SameSite, c.SourceScheme, c.Priority, c.HostOnly, c.Secure, c.HttpOnly, c.Session, c.SourcePort}
		if want[c.Key()] != got {
			t.Errorf("%s (%s): copied as %+v, was %+v", c.Name, c.Domain, got, want[c.Key()])
		}
	}
}
