package browser

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/network"

	"github.com/cookiescope/cookiescope/inspect"
)

// Chrome's third-party cookie setting is a profile preference,
// profile.cookie_controls_mode: 0 allows third-party cookies, 1 blocks them,
// 2 blocks them in incognito windows only. No command-line switch sets it,
// and Network.setCookieControls can only add a restriction, never lift the
// profile's (measured with Chromium 156: a fresh profile defaults to 1, and
// enableThirdPartyCookieRestriction=false left its cross-site iframe's
// cookies blocked). The preference of the profile also governs the browser
// contexts created over CDP, popups and cross-site iframes included.
const (
	cookieControlsAllow = 0
	cookieControlsBlock = 1
)

// profilePreferences is the Default/Preferences file that sets mode in a
// new profile; Chrome keeps every other preference at its default.
func profilePreferences(mode inspect.ThirdPartyCookies) ([]byte, error) {
	value := cookieControlsBlock
	if mode.Allowed() {
		value = cookieControlsAllow
	}
	return json.Marshal(map[string]any{"profile": map[string]any{"cookie_controls_mode": value}})
}

// prepareProfile writes the profile preferences for mode into the user data
// directory named on the browser's command line, before the browser starts.
// chromedp creates that directory, and removes it when the browser is gone.
func prepareProfile(cmd *exec.Cmd, mode inspect.ThirdPartyCookies) error {
	dir := ""
	for _, arg := range cmd.Args {
		if v, ok := strings.CutPrefix(arg, "--user-data-dir="); ok {
			dir = v
		}
	}
	if dir == "" {
		return errors.New("the browser's command line names no --user-data-dir")
	}
	prefs, err := profilePreferences(mode)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Join(dir, "Default"), 0o700); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, "Default", "Preferences"), prefs, 0o600)
}

// restrictThirdPartyCookies makes a page session block third-party cookies
// when the profile's setting cannot be relied on: on a remote browser, in
// block mode. Network.setCookieControls with
// enableThirdPartyCookieRestriction holds for every later navigation of that
// page, its cross-site iframes included, but not for another page of the
// same browser context, not even a popup it opens (measured with Chromium
// 156), so it is sent to the worker's tab and to each popup before they run.
// The browser session does not know the command.
func (b *Browser) restrictThirdPartyCookies(ctx context.Context, s cdp.Session) error {
	if len(b.opts.Remotes) == 0 || b.opts.ThirdPartyCookies.Allowed() {
		return nil
	}
	if _, err := cdp.Call(ctx, s, network.SetCookieControls, network.SetCookieControlsParams{EnableThirdPartyCookieRestriction: true}); err != nil {
		return fmt.Errorf("block third-party cookies on the remote browser: %w", err)
	}
	return nil
}
