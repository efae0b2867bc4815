package browser

import (
	"crypto/rand"
	_ "embed"
	"encoding/hex"
	"fmt"
	"strings"
)

// The hook: the script installed in every document before page script
// runs, which reports each cookie write of document.cookie and cookieStore
// (and each service worker registration) through a console call that
// carries the run's secret; package record reads those calls.

// newHookSecret returns the token the hook passes first to every console
// call it makes, so that the recorder can tell them from the page's own.
// The page cannot read it: it lives only in the hook's closure.
func newHookSecret() string {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(fmt.Sprintf("cookiescope: no randomness for the hook's secret: %v", err))
	}
	return "cookiescope:" + hex.EncodeToString(b[:])
}

// hookScriptFor is the hook with the binding's name and the secret filled in.
func hookScriptFor(secret string) string {
	return strings.NewReplacer("__BINDING__", bindingName, "__SECRET__", secret).Replace(hookSource)
}

// bindingName is the CDP binding whose presence lets the hook run, once per
// document (it reports through the console, not through the binding). The
// hook removes it from the page's global scope at once.
const bindingName = "__cookiescope_report"

//go:embed hook.js
var hookSource string
